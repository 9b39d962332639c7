// Formatting helpers for views (dates, statuses, priorities): the one place templates get words from.
import {
  ESTABLISHMENT_TYPE_LABELS, IMPACT_LABELS, KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS, URGENCY_LABELS, VISIBILITY_LABELS,
  type EstablishmentType, type Impact, type Kind, type Priority, type Status, type Urgency, type Visibility,
} from '../features/tickets/vocabulary.js';
import type { ClockStanding } from '../features/sla/clock.js';

const TZ = 'Europe/Paris';
const dateTimeParts = new Intl.DateTimeFormat('fr-FR', {
  timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const longDate = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, dateStyle: 'long', timeStyle: 'short' });

const HOUR = 3600_000;
/** Paris's offset from UTC (ms) for each UTC hour asked: it only ever changes on a whole UTC hour. */
const offsets = new Map<number, number>();

function parisOffset(utcMs: number): number {
  const hour = Math.floor(utcMs / HOUR) * HOUR;
  let offset = offsets.get(hour);
  if (offset === undefined) {
    const p = Object.fromEntries(dateTimeParts.formatToParts(new Date(hour)).map((x) => [x.type, Number(x.value)]));
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - hour;
    if (offsets.size >= 100_000) offsets.clear();
    offsets.set(hour, offset);
  }
  return offset;
}

const pad = (n: number) => (n < 10 ? '0' : '') + n;

/** "2022-01-18 13:59:49", Paris time, as the portals show "Date de début". */
export function dateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  const ms = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  if (Number.isNaN(ms)) return '';
  // Intl is slow (a list shows 20 dates): Paris's offset comes from it once per hour, the rest is arithmetic.
  const d = new Date(Math.floor(ms / 1000) * 1000 + parisOffset(ms));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** "13:59", Paris time: the hour in a sentence of the same day. */
export function timeOfDay(iso: string | Date): string {
  return dateTime(iso).slice(11, 16);
}

/** "18 janvier 2022 à 13:59", for sentences. */
export function dateLong(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(d.getTime()) ? '' : longDate.format(d);
}

export const status = (s: string) => STATUS_LABELS[s as Status] ?? s;
export const priority = (p: number) => PRIORITY_LABELS[p as Priority] ?? String(p);
export const impact = (i: string) => IMPACT_LABELS[i as Impact] ?? i;
export const urgency = (u: string) => URGENCY_LABELS[u as Urgency] ?? u;
export const kind = (k: string) => KIND_LABELS[k as Kind] ?? k;
export const visibility = (v: string) => VISIBILITY_LABELS[v as Visibility] ?? v;
export const establishmentType = (t: string) => ESTABLISHMENT_TYPE_LABELS[t as EstablishmentType] ?? t;

/** DSFR badge colour of a status. */
export function statusBadge(s: string): string {
  switch (s) {
    case 'a_completer': return 'fr-badge--warning';
    case 'en_attente': return 'fr-badge--new';
    case 'resolue': return 'fr-badge--success';
    case 'fermee': return '';
    case 'nouvelle': return 'fr-badge--info';
    default: return 'fr-badge--info';
  }
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} Ko`;
  const mb = bytes / 1024 / 1024;
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1).replace('.', ',')} Mo`;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n > 1 ? many : one}`;
}

const HISTORY_EVENTS: Record<string, string> = {
  created: 'Ticket créé',
  dispatched: 'Affecté à une équipe',
  assigned: 'Assigné',
  public_entry: 'Message au demandeur (Journal demandeur)',
  private_entry: 'Note interne (Journal intervenant)',
  attachment_added: 'Pièce jointe ajoutée',
  put_on_hold: 'Mis en attente',
  info_requested: 'Complément demandé au demandeur',
  requester_answered: 'Réponse du demandeur',
  requester_updated: 'Mise à jour par le demandeur',
  resolved: 'Résolu',
  resolution_accepted: 'Résolution acceptée',
  resolution_refused: 'Résolution refusée',
  closed: 'Fermé',
  fields_changed: 'Champs modifiés',
};
export const historyEvent = (e: string) => HISTORY_EVENTS[e] ?? e;

const HISTORY_FIELDS: Record<string, string> = { agent: 'Agent en charge', team: 'Équipe', impact: 'Impact', urgency: 'Urgence' };

/** "Équipe : A → B" lines from a history row's JSON details. */
export function historyChanges(detailsJson: string): string[] {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(detailsJson || '{}');
  } catch {
    return [];
  }
  const lines: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (Array.isArray(value) && value.length === 2 && key in HISTORY_FIELDS) {
      lines.push(`${HISTORY_FIELDS[key]} : ${value[0] ?? '—'} → ${value[1] ?? '—'}`);
    } else if (key === 'files' && Array.isArray(value) && value.length > 0) {
      lines.push(`Fichiers : ${value.join(', ')}`);
    }
  }
  return lines;
}

/** A number as French writes it, rounded to `digits` decimals: 4,25. */
export function decimal(x: number, digits = 1): string {
  return String(Math.round(x * 10 ** digits) / 10 ** digits).replace('.', ',');
}

/** Working time: "45 min", "2 h 05". */
export function workingTime(seconds: number): string {
  const minutes = Math.round(Math.abs(seconds) / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)}`;
}

/**
 * A ticket's deadline as a list cell or the console says it: the running clock's deadline and
 * time left, marked at 75 % and when late; "En pause"; or the verdicts once stopped.
 */
export function deadline(clocks: { tto: ClockStanding; ttr: ClockStanding } | null): { text: string; badge: { cls: string; text: string } | null } {
  if (!clocks) return { text: '—', badge: null };
  const running = clocks.tto.running ? clocks.tto : clocks.ttr.running ? clocks.ttr : null;
  if (running) {
    const label = running === clocks.tto ? 'Prise en charge' : 'Résolution';
    const left = running.left ?? 0;
    const text = `${label} avant le ${dateTime(running.due).slice(0, 16)} (${left >= 0 ? `reste ${workingTime(left)}` : `dépassée de ${workingTime(left)}`})`;
    const badge = running.late ? { cls: 'fr-badge--error', text: 'En retard' } : running.warn ? { cls: 'fr-badge--warning', text: 'Plus de 75 % du délai' } : null;
    return { text, badge };
  }
  if (clocks.ttr.met === null) {
    return { text: `En pause (résolution : ${workingTime(clocks.ttr.used)} sur ${workingTime(clocks.ttr.target)})`, badge: null };
  }
  const missed = [clocks.tto.met === false ? 'prise en charge' : '', clocks.ttr.met === false ? 'résolution' : ''].filter(Boolean);
  return missed.length === 0
    ? { text: 'Délais respectés', badge: null }
    : { text: `Délai dépassé : ${missed.join(' et ')}`, badge: { cls: 'fr-badge--error', text: 'Hors délai' } };
}

/** One clock on the console: "Résolution : 2 h 00 sur 24 h 00 — en pause". */
export function clockLine(name: string, c: ClockStanding): string {
  const state = c.running ? '' : c.met === true ? ' — respecté' : c.met === false ? ' — dépassé' : ' — en pause';
  return `${name} : ${workingTime(c.used)} sur ${workingTime(c.target)}${state}`;
}

/** "07/12/2026" from a day "2026-12-07" (or an instant's UTC day). */
export function day(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}
