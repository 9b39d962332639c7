import type { Transactions } from '../../db/database.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { SettingsRepo } from '../admin/settings.repo.js';
import { NotFoundError, ValidationError } from '../../http/errors.js';
import type { FieldErrors } from '../../http/validation.js';
import { statisticsAudience, statisticsTeamAllowed } from '../tickets/access.js';
import { PRIORITY_LABELS, STATUS_LABELS, IN_PROGRESS_STATUSES, type Priority, type Status } from '../tickets/vocabulary.js';
import { toCsv } from '../admin/csv.js';
import { bars, lines, render, stacked, type Chart } from './charts.js';
import { RNE_PATTERN } from '../admin/admin.schemas.js';
import { isoDay, weekOf } from '../sla/calendar.js';
import { decimal, day as frenchDay } from '../../http/format.js';
import { BUCKET_HOURS, type DAILY_MEASURES, type DailyRow, type StatisticsRepo, type StatsFilter } from './statistics.repo.js';

export type PeriodKind = 'mois' | 'trimestre' | 'annee' | 'perso';
export const PERIOD_LABELS: Record<PeriodKind, string> = { mois: 'Ce mois-ci', trimestre: 'Ce trimestre', annee: 'Cette année scolaire', perso: 'Période choisie' };

export interface StatsQuery {
  periode: PeriodKind;
  du: string;
  au: string;
  equipe: number | null;
  domaine: string;
  uai: string;
}

export interface StatisticsDeps {
  db: Transactions;
  repo: StatisticsRepo;
  settings: SettingsRepo;
  now: () => Date;
}

const DAY = 86_400_000;
const KEPT_MS = 5 * 60_000;
const KEPT_MAX = 200;
const iso = isoDay;
const fr = frenchDay;
const MONTHS = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];
const AGE_BANDS = ['Moins d’une semaine', '1 à 4 semaines', '1 à 3 mois', 'Plus de 3 mois'];
const NO_TEAM = 'Sans équipe (plateforme)';
const hours = (h: number | null) => (h === null ? '—' : `${decimal(h)} h`);
const percent = (n: number, of: number) => (of === 0 ? null : Math.round((1000 * n) / of) / 10);

/** The period a query names, as days (UTC), both included. */
export function periodOf(q: Pick<StatsQuery, 'periode' | 'du' | 'au'>, now: Date): { from: string; to: string; errors: FieldErrors } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const errors: FieldErrors = {};
  if (q.periode === 'perso') {
    const ok = (d: string) => /^(20\d\d)-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && iso(new Date(`${d}T00:00:00Z`)) === d;
    if (!ok(q.du)) errors.du = 'Indiquez la date de début (JJ/MM/AAAA, entre 2000 et 2099).';
    if (!ok(q.au)) errors.au = 'Indiquez la date de fin (JJ/MM/AAAA, entre 2000 et 2099).';
    if (!errors.du && !errors.au && q.au < q.du) errors.au = 'La date de fin doit suivre la date de début.';
    if (!errors.du && !errors.au && Date.parse(q.au) - Date.parse(q.du) > 5 * 366 * DAY) errors.au = 'Choisissez une période de cinq ans au plus.';
    if (Object.keys(errors).length === 0) return { from: q.du, to: q.au, errors };
  }
  if (q.periode === 'mois') return { from: iso(new Date(Date.UTC(y, m, 1))), to: iso(new Date(Date.UTC(y, m + 1, 0))), errors };
  if (q.periode === 'trimestre') {
    const start = Math.floor(m / 3) * 3;
    return { from: iso(new Date(Date.UTC(y, start, 1))), to: iso(new Date(Date.UTC(y, start + 3, 0))), errors };
  }
  // The school year: 1 September to 31 August.
  const startYear = m >= 8 ? y : y - 1;
  return { from: `${startYear}-09-01`, to: `${startYear + 1}-08-31`, errors };
}

/** The p-th quantile (0–1) of a histogram over BUCKET_HOURS, in hours, linear within its bucket. */
export function quantile(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = p * total;
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0 && before + counts[i] >= rank) {
      const lo = i === 0 ? 0 : BUCKET_HOURS[i - 1];
      const hi = i < BUCKET_HOURS.length ? BUCKET_HOURS[i] : lo;
      return lo + ((hi - lo) * (rank - before)) / counts[i];
    }
    before += counts[i];
  }
  return BUCKET_HOURS[BUCKET_HOURS.length - 1];
}

/** What the per-team charts sum: resolutions, both histograms, the ratings. */
const TEAM_MEASURES = [
  'resolved', ...Array.from({ length: BUCKET_HOURS.length + 1 }, (_, i) => [`tto_b${i}`, `ttr_b${i}`]).flat(),
  'sat_none', 'sat_1', 'sat_2', 'sat_3', 'sat_4', 'sat_5',
] as Array<(typeof DAILY_MEASURES)[number]>;

const histogram = (r: DailyRow, clock: 'tto' | 'ttr') => Array.from({ length: BUCKET_HOURS.length + 1 }, (_, i) => r[`${clock}_b${i}` as keyof DailyRow]);
function add(into: DailyRow, r: DailyRow): DailyRow {
  for (const k of Object.keys(r) as Array<keyof DailyRow>) if (typeof r[k] === 'number') into[k] = (into[k] ?? 0) + r[k];
  return into;
}
const emptyRow = () => ({}) as DailyRow;

/** A chart: its picture drawn from `spec`, named by its title, beside its table. */
async function chart(c: Omit<Chart, 'svg'>, spec: Parameters<typeof render>[0]): Promise<Chart> {
  return { ...c, svg: await render(spec, c.title) };
}

/**
 * The statistics page: who may see which numbers (statisticsAudience), the filters, and the
 * charts with their tables; the scheduler's recount of the kept days.
 */
export class StatisticsService {
  private readonly computed = new Map<string, { charts: Chart[]; at: Date }>();

  constructor(private readonly deps: StatisticsDeps) {}

  private async audience(user: CurrentUser) {
    const a = statisticsAudience(user, (await this.deps.settings.all()).platform_team_id);
    if (!a) throw new NotFoundError();
    return a;
  }

  async page(user: CurrentUser, q: StatsQuery) {
    const audience = await this.audience(user);
    const { repo } = this.deps;
    const now = this.deps.now();
    const period = periodOf(q, now);
    const errors: FieldErrors = { ...period.errors };
    const { teams, domains } = await repo.choices();
    const teamChoices = (audience.teamIds ? teams.filter((t) => audience.teamIds!.includes(t.id)) : teams);
    const uai = q.uai.toUpperCase();
    const wellFormed = RNE_PATTERN.test(uai);
    const establishment = q.uai && wellFormed ? await repo.establishmentByRne(uai) : undefined;
    if (q.uai && !wellFormed) errors.uai = 'Un code UAI a sept chiffres et une lettre (0310001A).';
    else if (q.uai && !establishment) errors.uai = 'Aucun établissement n’a ce code UAI.';
    if (q.domaine && !domains.includes(q.domaine)) errors.domaine = 'Ce domaine n’existe pas.';
    const team = q.equipe !== null && statisticsTeamAllowed(audience, q.equipe) && (q.equipe === 0 || teams.some((t) => t.id === q.equipe)) ? q.equipe : null;
    if (q.equipe !== null && team === null) errors.equipe = 'Choisissez une de vos équipes.';
    const filter: StatsFilter = {
      from: period.from, to: period.to,
      teamIds: team !== null ? [team] : audience.teamIds,
      domain: q.domaine && !errors.domaine ? q.domaine : null,
      scope: audience.scope,
      establishmentId: establishment?.id ?? null,
    };
    const names = new Map<number, string>([[0, NO_TEAM], ...teams.map((t) => [t.id, t.name] as [number, string])]);
    const { charts, at } = await this.kept(filter, names, now);
    return {
      charts, errors, period, teams: teamChoices, domains, establishment: establishment ?? null,
      scopeNote: audience.scope ? 'Vos établissements : tickets partagés avec les responsables.' : audience.teamIds ? 'Vos équipes.' : null,
      asOf: at.toISOString(),
    };
  }

  /** One chart's data as CSV. */
  async csv(user: CurrentUser, q: StatsQuery, chartId: string): Promise<{ name: string; csv: string }> {
    const { charts, period, errors } = await this.page(user, q);
    const chart = charts.find((c) => c.id === chartId);
    if (!chart) throw new NotFoundError();
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    return { name: `statistiques-${chart.id}-${period.from}-${period.to}.csv`, csv: toCsv(chart.columns, chart.rows.map((r) => r.map(String))) };
  }

  /**
   * The charts of a filter, counted at most once per recount of the kept days (and every five
   * minutes for what is counted live): the page says when its figures were taken.
   */
  private async kept(f: StatsFilter, teamNames: Map<number, string>, now: Date): Promise<{ charts: Chart[]; at: Date }> {
    const key = JSON.stringify([f, await this.deps.repo.meta('recounted_at')]);
    const hit = this.computed.get(key);
    if (hit && now.getTime() - hit.at.getTime() < KEPT_MS && now >= hit.at) return hit;
    const fresh = { charts: await this.charts(f, teamNames, now), at: now };
    if (this.computed.size >= KEPT_MAX) this.computed.delete(this.computed.keys().next().value!);
    this.computed.set(key, fresh);
    return fresh;
  }

  private async charts(f: StatsFilter, teamNames: Map<number, string>, now: Date): Promise<Chart[]> {
    const { repo } = this.deps;
    const [byDay, byTeam, byPriority, backlog, services, establishments] = await Promise.all([
      repo.sums(f, 'day', ['created', 'resolved']),
      repo.sums(f, 'team_id', TEAM_MEASURES),
      repo.sums(f, 'priority', ['resolved', 'tto_met', 'tto_missed', 'ttr_met', 'ttr_missed']),
      repo.backlog(f, now),
      repo.createdBy(f, 'subcategory', 10),
      repo.createdBy(f, 'establishment', 15),
    ]);
    const span = `du ${fr(f.from)} au ${fr(f.to)}`;
    const sumOf = (rows: ReadonlyArray<{ key: string | number }>) => rows.reduce((acc, { key: _key, ...r }) => add(acc, r as unknown as DailyRow), emptyRow());
    const { tto_met, tto_missed, ttr_met, ttr_missed } = sumOf(byPriority);
    const total: DailyRow = { ...sumOf(byTeam), tto_met, tto_missed, ttr_met, ttr_missed, created: byDay.reduce((n, r) => n + r.created, 0) };

    // Created and resolved, by week (three months or less) or by month.
    const weekly = Date.parse(f.to) - Date.parse(f.from) <= 92 * DAY;
    const unitOf = (day: string) => (weekly ? weekOf(day) : day.slice(0, 7));
    const labelOf = (unit: string) => (weekly ? `sem. du ${fr(unit).slice(0, 5)}` : `${MONTHS[Number(unit.slice(5, 7)) - 1]} ${unit.slice(0, 4)}`);
    const units: string[] = [];
    // Up to today: a school year's months to come are not zeros.
    const last = f.to < iso(now) ? f.to : iso(now);
    for (let d = weekly ? weekOf(f.from) : f.from.slice(0, 7); d <= last; ) {
      units.push(d);
      d = weekly ? iso(new Date(Date.parse(`${d}T00:00:00Z`) + 7 * DAY)) : iso(new Date(Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)), 1))).slice(0, 7);
    }
    const flow = new Map(units.map((u) => [u, { created: 0, resolved: 0 }]));
    for (const r of byDay) {
      const cell = flow.get(unitOf(String(r.key)));
      if (cell) { cell.created += r.created; cell.resolved += r.resolved; }
    }
    const flowRows = units.map((u) => [labelOf(u), flow.get(u)!.created, flow.get(u)!.resolved] as Array<string | number>);
    const busiest = flowRows.reduce<Array<string | number> | null>((best, r) => (!best || Number(r[1]) > Number(best[1]) ? r : best), null);
    const flowChart = await chart({
      id: 'flux', title: `Tickets créés et résolus par ${weekly ? 'semaine' : 'mois'}`,
      summary: `${total.created ?? 0} tickets créés et ${total.resolved ?? 0} résolus ${span}.` + (busiest && Number(busiest[1]) > 0 ? ` Le plus de créations : ${busiest[0]} (${busiest[1]}).` : ''),
      columns: [weekly ? 'Semaine' : 'Mois', 'Créés', 'Résolus'], rows: flowRows,
    }, lines(flowRows.flatMap(([p, c, r]) => [{ periode: p, serie: 'Créés', n: c }, { periode: p, serie: 'Résolus', n: r }]), {
      period: 'periode', value: 'n', series: 'serie', valueTitle: 'Tickets', periodTitle: weekly ? 'Semaine' : 'Mois',
    }));

    // The backlog now, by status and age.
    const statuses = IN_PROGRESS_STATUSES.filter((s) => backlog.some((b) => b.status === s));
    const backlogRows = statuses.map((s) => {
      const bands = AGE_BANDS.map((_, i) => backlog.filter((b) => b.status === s && b.band === i).reduce((n, b) => n + b.n, 0));
      return [STATUS_LABELS[s as Status], ...bands, bands.reduce((a, b) => a + b, 0)];
    });
    const open = backlogRows.reduce((n, r) => n + Number(r[r.length - 1]), 0);
    const old = backlog.filter((b) => b.band >= 2).reduce((n, b) => n + b.n, 0);
    const backlogChart = await chart({
      id: 'stock', title: 'Tickets en cours aujourd’hui, par statut et ancienneté',
      summary: `${open} tickets en cours, dont ${old} ouverts depuis plus d’un mois.`,
      columns: ['Statut', ...AGE_BANDS, 'Total'], rows: backlogRows,
    }, stacked(backlogRows.flatMap((r) => AGE_BANDS.map((band, i) => ({ statut: r[0], age: band, n: r[i + 1], order: i }))), {
      category: 'statut', value: 'n', series: 'age', valueTitle: 'Tickets', categoryTitle: 'Statut',
    }));

    // Delays per team: median and 90th percentile, from the histograms.
    const delaysOf = (r: DailyRow) => [quantile(histogram(r, 'tto'), 0.5), quantile(histogram(r, 'tto'), 0.9), quantile(histogram(r, 'ttr'), 0.5), quantile(histogram(r, 'ttr'), 0.9)];
    const DELAYS = ['Prise en charge, médiane', 'Prise en charge, 90 %', 'Résolution, médiane', 'Résolution, 90 %'];
    const perTeam = new Map(byTeam.map((r) => [Number(r.key), r as unknown as DailyRow]));
    const teamRows = [...perTeam.entries()].filter(([, r]) => r.resolved > 0)
      .map(([id, r]) => ({ name: teamNames.get(id) ?? `Équipe ${id}`, resolved: r.resolved, delays: delaysOf(r) }))
      .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
    const [, , allTtr, allTtr90] = delaysOf(total);
    const delayChart = await chart({
      id: 'delais', title: 'Délais de prise en charge et de résolution par équipe (médiane et 90 %, heures ouvrées)',
      summary: total.resolved ? `${total.resolved} tickets résolus ${span} : résolution médiane ${hours(allTtr)}, 90 % en ${hours(allTtr90)} ou moins. Valeurs approchées par tranches.` : `Aucun ticket résolu ${span}.`,
      columns: ['Équipe', 'Tickets résolus', 'Prise en charge médiane', 'Prise en charge 90 %', 'Résolution médiane', 'Résolution 90 %'],
      rows: teamRows.map((t) => [t.name, t.resolved, ...t.delays.map(hours)]),
    }, bars(teamRows.flatMap((t) => t.delays.map((h, i) => ({ equipe: t.name, mesure: DELAYS[i], h: round1(h) }))), {
      category: 'equipe', value: 'h', series: 'mesure', horizontal: true, valueTitle: 'Heures ouvrées', categoryTitle: 'Équipe',
    }));

    // Service levels met, per priority.
    const perPriority = new Map(byPriority.map((r) => [Number(r.key), r as unknown as DailyRow]));
    const shares = ([1, 2, 3, 4] as Priority[]).map((p) => {
      const r = perPriority.get(p) ?? emptyRow();
      return { priority: PRIORITY_LABELS[p], resolved: r.resolved ?? 0, tto: percent(r.tto_met ?? 0, (r.tto_met ?? 0) + (r.tto_missed ?? 0)), ttr: percent(r.ttr_met ?? 0, (r.ttr_met ?? 0) + (r.ttr_missed ?? 0)) };
    });
    const shown = (pct: number | null) => (pct === null ? '—' : `${decimal(pct)} %`);
    const ttrAll = percent(total.ttr_met ?? 0, (total.ttr_met ?? 0) + (total.ttr_missed ?? 0));
    const slaChart = await chart({
      id: 'niveaux', title: 'Part des délais respectés par priorité',
      summary: ttrAll === null ? `Aucun ticket résolu ${span}.` : `Délai de résolution respecté pour ${decimal(ttrAll)} % des tickets résolus ${span}.`,
      columns: ['Priorité', 'Tickets résolus', 'Prise en charge respectée', 'Résolution respectée'],
      rows: shares.map((x) => [x.priority, x.resolved, shown(x.tto), shown(x.ttr)]),
    }, bars(shares.flatMap((x) => [{ priorite: x.priority, delai: 'Prise en charge', pct: x.tto ?? 0 }, { priorite: x.priority, delai: 'Résolution', pct: x.ttr ?? 0 }]), {
      category: 'priorite', value: 'pct', series: 'delai', valueTitle: '% respectés', categoryTitle: 'Priorité', percent: true,
    }));

    // The most asked services and sub-categories.
    const servicesChart = await chart({
      id: 'services', title: 'Services et sous-catégories les plus demandés',
      summary: services.length ? `En tête : ${services[0].label} › ${services[0].detail} (${services[0].created} tickets). Comptés par mois entiers.` : `Aucun ticket créé ${span}.`,
      columns: ['Service', 'Sous-catégorie', 'Tickets créés'], rows: services.map((x) => [x.label, x.detail, x.created]),
    }, bars(services.map((x) => ({ nom: `${x.label} › ${x.detail}`, n: x.created })), {
      category: 'nom', value: 'n', horizontal: true, valueTitle: 'Tickets créés', categoryTitle: 'Sous-catégorie',
    }));

    // Satisfaction: the ratings given, "non évalué" apart; the mean per team.
    const ratingsOf = (r: DailyRow) => [1, 2, 3, 4, 5].map((k) => r[`sat_${k}` as keyof DailyRow] ?? 0);
    const countOf = (r: DailyRow) => ratingsOf(r).reduce((a, b) => a + b, 0);
    const mean = (r: DailyRow) => (countOf(r) === 0 ? null : ratingsOf(r).reduce((a, n, i) => a + (i + 1) * n, 0) / countOf(r));
    const ratings = ratingsOf(total);
    const rated = countOf(total);
    const satChart = await chart({
      id: 'satisfaction', title: 'Satisfaction des demandeurs',
      summary: rated ? `${rated} évaluations ${span}, note moyenne ${decimal(mean(total)!)} sur 5 ; ${total.sat_none ?? 0} tickets fermés non évalués, comptés à part.` : `Aucune évaluation ${span} ; ${total.sat_none ?? 0} tickets fermés non évalués.`,
      columns: ['Note', 'Évaluations'], rows: [...ratings.map((n, i) => [`${i + 1} sur 5`, n]), ['Non évalué', total.sat_none ?? 0]],
    }, bars(ratings.map((n, i) => ({ note: `${i + 1} sur 5`, n })), { category: 'note', value: 'n', valueTitle: 'Évaluations', categoryTitle: 'Note' }));
    const satTeams = [...perTeam.entries()].map(([id, r]) => ({ name: teamNames.get(id) ?? `Équipe ${id}`, r, m: mean(r) })).filter((x) => x.m !== null).sort((a, b) => a.name.localeCompare(b.name, 'fr'));
    const satTeamChart = await chart({
      id: 'satisfaction-equipes', title: 'Note moyenne de satisfaction par équipe',
      summary: satTeams.length ? satTeams.map((x) => `${x.name} : ${decimal(x.m!)}`).join(' ; ') + '.' : `Aucune évaluation ${span}.`,
      columns: ['Équipe', 'Évaluations', 'Note moyenne', 'Non évalués'],
      rows: satTeams.map((x) => [x.name, countOf(x.r), decimal(x.m!, 2), x.r.sat_none ?? 0]),
    }, bars(satTeams.map((x) => ({ equipe: x.name, note: Math.round(x.m! * 100) / 100 })), {
      category: 'equipe', value: 'note', horizontal: true, valueTitle: 'Note moyenne (sur 5)', categoryTitle: 'Équipe',
    }));

    // Tickets per establishment.
    const estChart = await chart({
      id: 'etablissements', title: 'Tickets par établissement (UAI)',
      summary: establishments.length ? `Le plus de tickets : ${establishments[0].label} ${establishments[0].detail} (${establishments[0].created}). Les ${establishments.length} premiers, comptés par mois entiers.` : `Aucun ticket créé ${span}.`,
      columns: ['UAI', 'Établissement', 'Tickets créés'], rows: establishments.map((e) => [e.label, e.detail, e.created]),
    }, bars(establishments.map((e) => ({ uai: `${e.label} ${e.detail}`, n: e.created })), {
      category: 'uai', value: 'n', horizontal: true, valueTitle: 'Tickets créés', categoryTitle: 'Établissement',
    }));

    return [flowChart, backlogChart, delayChart, slaChart, servicesChart, satChart, satTeamChart, estChart];
  }

  /** The next pass counts every day again (tickets changed without a history row: replayed clocks). */
  async countAllAgain(): Promise<void> {
    await this.deps.repo.forgetMark('recounted_at');
  }

  /**
   * The scheduler's pass: count again the days whose tickets changed since the last pass (all of
   * them the first time). Two processes: the one that moves the mark counts; the other's
   * transaction is rolled back.
   */
  async recount(): Promise<{ days: number } | null> {
    const { db, repo } = this.deps;
    const now = this.deps.now().toISOString();
    const mark = await repo.meta('recounted_at');
    try {
      return await db.transaction(async (trx) => {
        if (!(await repo.moveMark(trx, 'recounted_at', mark, now))) throw new Lost();
        // A minute of overlap: a change committed just before the last pass may carry an older time.
        const days = mark === null ? null : await repo.changedDays(trx, new Date(Date.parse(mark) - 60_000).toISOString());
        await repo.recount(trx, days);
        return { days: days?.length ?? -1 };
      });
    } catch (err) {
      if (err instanceof Lost) return null;
      throw err;
    }
  }
}

class Lost extends Error {}

const round1 = (h: number | null) => (h === null ? 0 : Math.round(h * 10) / 10);
