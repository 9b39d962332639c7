import { z } from 'zod';
import { HOLIDAY_REGIONS, isoDay, nextDay, WEEKDAY_LABELS, type Opening } from './calendar.js';
import { day as frenchDay } from '../../http/format.js';
import { PRIORITY_LABELS, type Priority } from '../tickets/vocabulary.js';
import type { PriorityTargets } from './clock.js';

export const PRIORITY_RANKS = ['1', '2', '3', '4'] as const;
export const WEEKDAYS = ['1', '2', '3', '4', '5', '6', '7'] as const;

/** "4", "0,5", "1.25" hours → minutes; empty stays empty (for a service: the default applies). */
const hours = (label: string, required: boolean) =>
  z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v ?? null;
      const text = v.trim().replace(',', '.');
      return text === '' ? null : Number(text);
    },
    z.number({ error: `${label} : un nombre d’heures ouvrées (0,5 pour une demi-heure).` })
      .positive({ error: `${label} : plus de 0 heure.` })
      .max(2000, { error: `${label} : 2 000 heures au plus.` })
      .transform((h) => Math.round(h * 60))
      .nullable(),
  ).refine((v) => !required || v !== null, { message: `${label} : indiquez un nombre d’heures ouvrées.` });

const targetFields = (required: boolean) =>
  Object.fromEntries(
    PRIORITY_RANKS.flatMap((p) => [
      [`tto_${p}`, hours(`${PRIORITY_LABELS[Number(p) as Priority]}, prise en charge`, required)],
      [`ttr_${p}`, hours(`${PRIORITY_LABELS[Number(p) as Priority]}, résolution`, required)],
    ]),
  ) as Record<`${'tto' | 'ttr'}_${(typeof PRIORITY_RANKS)[number]}`, ReturnType<typeof hours>>;

/** The targets a form gives, priorities left empty left out (a service's: the default applies). */
export function targetsFromForm(data: Record<string, number | null>): PriorityTargets {
  const out: PriorityTargets = {};
  for (const p of PRIORITY_RANKS) {
    const tto = data[`tto_${p}`];
    const ttr = data[`ttr_${p}`];
    if (tto !== null && ttr !== null && tto !== undefined && ttr !== undefined) out[p] = { tto, ttr };
  }
  return out;
}

const ttoWithinTtr = (v: Record<string, number | null>) => PRIORITY_RANKS.every((p) => v[`tto_${p}`] == null || v[`ttr_${p}`] == null || v[`tto_${p}`]! <= v[`ttr_${p}`]!);
const TTO_OVER_TTR = 'Pour chaque priorité, le délai de prise en charge ne peut dépasser celui de résolution.';

export const DefaultTargetsSchema = z.object(targetFields(true)).refine(ttoWithinTtr, { path: ['_form'], message: TTO_OVER_TTR });

export const ServiceTargetsSchema = z
  .object({ service_id: z.coerce.number({ error: 'Choisissez un service.' }).int().positive({ error: 'Choisissez un service.' }), ...targetFields(false) })
  .refine(ttoWithinTtr, { path: ['_form'], message: TTO_OVER_TTR })
  .refine((v) => PRIORITY_RANKS.every((p) => (v[`tto_${p}`] === null) === (v[`ttr_${p}`] === null)), {
    path: ['_form'], message: 'Pour chaque priorité, indiquez les deux délais ou aucun.',
  })
  .refine((v) => PRIORITY_RANKS.some((p) => v[`tto_${p}`] !== null), { path: ['_form'], message: 'Indiquez les délais d’une priorité au moins.' });

/** "08:00-12:00, 13:30-17:30" → intervals; '' → closed that day. */
const openings = (label: string) =>
  z.string().max(200).transform((raw, ctx): Opening[] => {
    const parts = raw.split(/[,;]/).map((p) => p.trim()).filter(Boolean);
    const out: Opening[] = [];
    for (const part of parts) {
      const m = /^(\d{1,2})[:h](\d{2})\s*[-–à]+\s*(\d{1,2})[:h](\d{2})$/.exec(part);
      const ok = m && Number(m[1]) < 24 && Number(m[3]) <= 24 && Number(m[2]) < 60 && Number(m[4]) < 60;
      const from = ok ? `${m![1].padStart(2, '0')}:${m![2]}` : '';
      const to = ok ? `${m![3].padStart(2, '0')}:${m![4]}` : '';
      if (!ok || to <= from || (out.length > 0 && from < out[out.length - 1][1])) {
        ctx.addIssue({ code: 'custom', message: `${label} : des plages comme « 08:00-12:00, 13:30-17:30 », dans l’ordre, ou rien pour un jour fermé.` });
        return z.NEVER;
      }
      out.push([from, to]);
    }
    return out;
  });

const DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const isoOf = (fr: string) => {
  const m = DATE.exec(fr.trim());
  if (!m) return null;
  const iso = `${m[3]}-${m[2]}-${m[1]}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && isoDay(d) === iso ? iso : null;
};

/** One closing day or period a line: "24/12/2026" or "21/12/2026 - 01/01/2027". */
const closingDays = z.string().max(5000).transform((raw, ctx): string[] => {
  const days = new Set<string>();
  for (const line of raw.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const [a, b] = line.split(/\s+[-–au]+\s+/).map(isoOf);
    const range = line.includes(' ') ? [a, b] : [a, a];
    if (!range[0] || !range[1] || range[1] < range[0]) {
      ctx.addIssue({ code: 'custom', message: `Jours de fermeture : « ${line} » n’est ni une date JJ/MM/AAAA ni une période « JJ/MM/AAAA - JJ/MM/AAAA ».` });
      return z.NEVER;
    }
    for (let d = range[0]; d <= range[1]; d = nextDay(d)) {
      days.add(d);
      if (days.size > 1000) {
        ctx.addIssue({ code: 'custom', message: 'Jours de fermeture : 1 000 jours au plus.' });
        return z.NEVER;
      }
    }
  }
  return [...days].sort();
});

export const CalendarSchema = z.object({
  ...(Object.fromEntries(WEEKDAYS.map((d) => [`hours_${d}`, openings(WEEKDAY_LABELS[d])])) as Record<`hours_${(typeof WEEKDAYS)[number]}`, ReturnType<typeof openings>>),
  holiday_region: z.string().refine((r) => Object.hasOwn(HOLIDAY_REGIONS, r), { message: 'Choisissez le calendrier des jours fériés.' }),
  closed_days: closingDays,
}).refine((v) => WEEKDAYS.some((d) => v[`hours_${d}`].length > 0), { path: ['hours_1'], message: 'Ouvrez au moins un jour de la semaine.' });

/** "24/12/2026 - 01/01/2027" lines from stored days: consecutive days folded into periods. */
export function closingDaysText(days: readonly string[]): string {
  const periods: Array<[string, string]> = [];
  for (const d of [...days].sort()) {
    const last = periods[periods.length - 1];
    if (last && nextDay(last[1]) === d) last[1] = d;
    else periods.push([d, d]);
  }
  return periods.map(([a, b]) => (a === b ? frenchDay(a) : `${frenchDay(a)} - ${frenchDay(b)}`)).join('\n');
}
