import type { Database, Trx } from '../../db/database.js';
import { allOf, inList, join, raw, sql, type Sql } from '../../db/sql.js';
import { scopeSql, statusIn } from '../tickets/tickets.repo.js';
import type { Scope } from '../tickets/access.js';
import { IN_PROGRESS_STATUSES } from '../tickets/vocabulary.js';
import { isoDay, nextDay } from '../sla/calendar.js';

/** Upper bounds of the TTO/TTR histogram buckets, in working hours; the last bucket is open. */
export const BUCKET_HOURS = [0.25, 0.5, 1, 2, 4, 8, 16, 24, 40, 80, 160] as const;
const BUCKETS = BUCKET_HOURS.length + 1;

const SAT = ['sat_none', 'sat_1', 'sat_2', 'sat_3', 'sat_4', 'sat_5'] as const;
const bucketColumns = (prefix: 'tto' | 'ttr') => Array.from({ length: BUCKETS }, (_, i) => `${prefix}_b${i}`);
/** The daily measures, in the table's order. */
export const DAILY_MEASURES = [
  'created', 'resolved', 'closed', 'tto_met', 'tto_missed', 'ttr_met', 'ttr_missed', ...SAT, ...bucketColumns('tto'), ...bucketColumns('ttr'),
] as const;
const DAILY_KEYS = ['day', 'team_id', 'domain_name', 'priority'];

export type DailyRow = Record<(typeof DAILY_MEASURES)[number], number>;

/** What the statistics count: which tickets (a reader's scope, an establishment) and when. */
export interface StatsFilter {
  /** YYYY-MM-DD, both included. */
  from: string;
  to: string;
  teamIds: number[] | null;
  domain: string | null;
  /** Counted live from the tickets (not from the kept days): a scope, an establishment. */
  scope: Scope | null;
  establishmentId: number | null;
  /** Count from the tickets even without a scope or an establishment (to check the kept days). */
  live?: boolean;
}

const one = (cond: Sql) => sql`CASE WHEN ${cond} THEN 1 ELSE 0 END`;
/** Counted from the tickets rather than from the kept days. */
const isLive = (f: StatsFilter) => f.live === true || f.scope !== null || f.establishmentId !== null;
/** `column` (a timestamp) within the days `from`–`to`, both included. */
const withinDays = (column: string, from: string, to: string) =>
  sql`${raw(column)} >= ${`${from}T00:00:00.000Z`} AND ${raw(column)} < ${`${nextDay(to)}T00:00:00.000Z`}`;
/** The team and domain a filter narrows to, on these columns. */
function narrowed(f: StatsFilter, team: string, domain: string): Sql[] {
  const conds: Sql[] = [];
  if (f.teamIds) conds.push(inList(team, f.teamIds));
  if (f.domain) conds.push(sql`${raw(domain)} = ${f.domain}`);
  return conds;
}

export class StatisticsRepo {
  constructor(private readonly db: Database) {}

  private day(column: string) {
    return this.db.dialect.utcDate(raw(column), 10);
  }

  private month(column: string) {
    return this.db.dialect.utcDate(raw(column), 7);
  }

  /** The tickets a live count reads: a scope and an establishment, when given. */
  private ticketWhere(f: Pick<StatsFilter, 'scope' | 'establishmentId'>, also: Sql[] = []): Sql {
    const parts = [...also];
    if (f.scope) parts.push(scopeSql(f.scope));
    if (f.establishmentId !== null) parts.push(sql`t.establishment_id = ${f.establishmentId}`);
    return parts.length > 0 ? allOf(parts) : sql`1 = 1`;
  }

  /**
   * One row per ticket and event (its creation, its resolution, its closure), with the daily
   * table's columns: summed, they are the table; read as they are, a live count.
   */
  private events(where: Sql, at?: { from: string; to: string }): Sql {
    const zero = (names: readonly string[]) => raw(names.map((n) => `0 AS ${n}`).join(', '));
    const within = (column: string) => (at ? sql` AND ${withinDays(column, at.from, at.to)}` : sql``);
    const buckets = (column: string) =>
      join(Array.from({ length: BUCKETS }, (_, i) => {
        const lo = i === 0 ? null : BUCKET_HOURS[i - 1] * 3600;
        const hi = i === BUCKETS - 1 ? null : BUCKET_HOURS[i] * 3600;
        const conds = [lo === null ? null : sql`${raw(column)} > ${raw(String(lo))}`, hi === null ? null : sql`${raw(column)} <= ${raw(String(hi))}`].filter((c): c is Sql => c !== null);
        return sql`${one(allOf(conds))} AS ${raw(`${column.slice(6, 9)}_b${i}`)}`;
      }), ', ');
    const keys = (column: string) => sql`${this.day(column)} AS day, t.queue_team_id AS team_id, t.domain_name, t.priority`;
    const created = sql`SELECT ${keys('t.created_at')}, 1 AS created, 0 AS resolved, 0 AS closed, ${zero(['tto_met', 'tto_missed', 'ttr_met', 'ttr_missed', ...SAT, ...bucketColumns('tto'), ...bucketColumns('ttr')])}
      FROM tickets AS t WHERE ${where}${within('t.created_at')}`;
    const resolved = sql`SELECT ${keys('t.resolved_at')}, 0 AS created, 1 AS resolved, 0 AS closed,
        ${one(sql`t.sla_tto_met`)} AS tto_met, ${one(sql`NOT t.sla_tto_met`)} AS tto_missed, ${one(sql`t.sla_ttr_met`)} AS ttr_met, ${one(sql`NOT t.sla_ttr_met`)} AS ttr_missed,
        ${zero(SAT)}, ${buckets('t.sla_tto_s')}, ${buckets('t.sla_ttr_s')}
      FROM tickets AS t WHERE t.resolved_at IS NOT NULL AND ${where}${within('t.resolved_at')}`;
    const closed = sql`SELECT ${keys('t.closed_at')}, 0 AS created, 0 AS resolved, 1 AS closed, ${zero(['tto_met', 'tto_missed', 'ttr_met', 'ttr_missed'])},
        ${one(sql`s.rating IS NULL`)} AS sat_none, ${join([1, 2, 3, 4, 5].map((r) => sql`${one(sql`s.rating = ${raw(String(r))}`)} AS ${raw(`sat_${r}`)}`), ', ')},
        ${zero([...bucketColumns('tto'), ...bucketColumns('ttr')])}
      FROM tickets AS t LEFT JOIN satisfaction AS s ON s.ticket_id = t.id WHERE t.closed_at IS NOT NULL AND ${where}${within('t.closed_at')}`;
    return sql`${created} UNION ALL ${resolved} UNION ALL ${closed}`;
  }

  private allSums(): Sql {
    return raw(DAILY_MEASURES.map((m) => `SUM(${m}) AS ${m}`).join(', '));
  }

  /** The days (and the rows of each) a filter reads: the kept ones, or counted live. */
  private daily(f: StatsFilter): Sql {
    const source = isLive(f) ? sql`(${this.events(this.ticketWhere(f), f)})` : sql`stats_daily`;
    return sql`${source} AS s WHERE ${allOf([sql`s.day >= ${f.from}`, sql`s.day <= ${f.to}`, ...narrowed(f, 's.team_id', 's.domain_name')])}`;
  }

  /**
   * Sums of `measures` over the period, by one key of the daily rows; each chart asks for the few
   * it draws (37 sums over every row of a school year cost ten times more than three small queries).
   */
  async sums<M extends (typeof DAILY_MEASURES)[number]>(f: StatsFilter, by: 'day' | 'team_id' | 'priority', measures: readonly M[]): Promise<Array<{ key: string | number } & Record<M, number>>> {
    const key = raw(`s.${by}`);
    const rows = await this.db.select<Record<string, unknown>>(sql`SELECT ${key} AS key, ${raw(measures.map((m) => `SUM(s.${m}) AS ${m}`).join(', '))}
      FROM ${this.daily(f)} GROUP BY ${key} ORDER BY ${key}`);
    return rows.map((r) => {
      const out: Record<string, string | number> = { key: by === 'day' ? String(r.key) : Number(r.key) };
      for (const m of measures) out[m] = Number(r[m] ?? 0);
      return out as { key: string | number } & Record<M, number>;
    });
  }

  /** Tickets created per month and `by` (sub-categories, or establishments), biggest first. */
  async createdBy(f: StatsFilter, by: 'subcategory' | 'establishment', limit: number): Promise<Array<{ label: string; detail: string; created: number }>> {
    const live = isLive(f);
    const names = by === 'subcategory'
      ? { label: 'service_name', detail: 'subcategory_name', kept: 'stats_monthly_subcategories', join: sql`` }
      : { label: 'e.rne', detail: 'e.name', kept: 'stats_monthly_establishments', join: sql`JOIN establishments AS e ON e.id = ${raw(live ? 't' : 's')}.establishment_id` };
    const column = (c: string) => raw(c.includes('.') ? c : `${live ? 't' : 's'}.${c}`);
    const [label, detail] = [column(names.label), column(names.detail)];
    const conds = live ? narrowed(f, 't.queue_team_id', 't.domain_name') : narrowed(f, 's.team_id', 's.domain_name');
    const q = live
      ? sql`SELECT ${label} AS label, ${detail} AS detail, count(*) AS created FROM tickets AS t ${names.join}
          WHERE ${this.ticketWhere(f, [...conds, withinDays('t.created_at', f.from, f.to)])}`
      : sql`SELECT ${label} AS label, ${detail} AS detail, SUM(s.created) AS created FROM ${raw(names.kept)} AS s ${names.join}
          WHERE ${allOf([sql`s.month >= ${f.from.slice(0, 7)}`, sql`s.month <= ${f.to.slice(0, 7)}`, ...conds])}`;
    const rows = await this.db.select<{ label: string; detail: string; created: number }>(
      sql`${q} GROUP BY ${label}, ${detail} ORDER BY created DESC, label, detail ${raw(`LIMIT ${Math.floor(limit)}`)}`,
    );
    return rows.map((r) => ({ ...r, created: Number(r.created) }));
  }

  /** The open tickets now, by status and age (days since creation, in bands). */
  async backlog(f: StatsFilter, now: Date): Promise<Array<{ status: string; band: number; n: number }>> {
    const conds = [statusIn('t.status', IN_PROGRESS_STATUSES), ...narrowed(f, 't.queue_team_id', 't.domain_name')];
    const ago = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
    const band = sql`CASE WHEN t.created_at >= ${ago(7)} THEN 0 WHEN t.created_at >= ${ago(30)} THEN 1 WHEN t.created_at >= ${ago(90)} THEN 2 ELSE 3 END`;
    const rows = await this.db.select<{ status: string; band: number; n: number }>(sql`SELECT t.status, ${band} AS band, count(*) AS n
      FROM tickets AS t WHERE ${this.ticketWhere(f, conds)} GROUP BY 1, 2`);
    return rows.map((r) => ({ status: r.status, band: Number(r.band), n: Number(r.n) }));
  }

  /** The teams and domains the filters offer. */
  async choices(): Promise<{ teams: Array<{ id: number; name: string }>; domains: string[] }> {
    const [teams, domains] = await Promise.all([
      this.db.select<{ id: number; name: string }>(sql`SELECT id, name FROM teams WHERE NOT business ORDER BY name`),
      this.db.select<{ name: string }>(sql`SELECT name FROM cat_domains ORDER BY position, name`),
    ]);
    return { teams, domains: domains.map((d) => d.name) };
  }

  async establishmentByRne(rne: string): Promise<{ id: number; rne: string; name: string } | undefined> {
    return this.db.first(sql`SELECT id, rne, name FROM establishments WHERE rne = ${rne}`);
  }

  // — Keeping the days —

  async meta(name: string, trx?: Trx): Promise<string | null> {
    return (await this.db.first<{ value: string }>(sql`SELECT value FROM stats_meta WHERE name = ${name}`, trx))?.value ?? null;
  }

  async forgetMark(name: string): Promise<void> {
    await this.db.execute(sql`DELETE FROM stats_meta WHERE name = ${name}`);
  }

  /**
   * Move the mark from `expected` to `value`, in the recount's transaction: the one process that
   * moves it recounts; another, finding it moved, gives up (its transaction rolls back).
   */
  async moveMark(trx: Trx, name: string, expected: string | null, value: string): Promise<boolean> {
    if (expected === null) {
      const inserted = await this.db.execute(sql`INSERT INTO stats_meta (name, value) VALUES (${name}, ${value}) ON CONFLICT (name) DO NOTHING RETURNING name`, trx);
      return inserted.length === 1;
    }
    const updated = await this.db.execute(sql`UPDATE stats_meta SET value = ${value} WHERE name = ${name} AND value = ${expected} RETURNING name`, trx);
    return updated.length === 1;
  }

  /** The days whose counts changed since `since`: those of the tickets changed, old resolution and closure days included. */
  async changedDays(trx: Trx, since: string): Promise<string[]> {
    const changed = sql`SELECT ticket_id FROM ticket_history WHERE created_at >= ${since}`;
    const rows = await this.db.select<{ day: string }>(sql`SELECT DISTINCT day FROM (
        SELECT ${this.day('t.created_at')} AS day FROM tickets AS t WHERE t.id IN (${changed})
        UNION SELECT ${this.day('h.created_at')} AS day FROM ticket_history AS h
          WHERE h.to_status IN ('resolue', 'fermee') AND h.ticket_id IN (${changed})
      ) AS d ORDER BY day`, trx);
    return rows.map((r) => r.day);
  }

  /** Count again the given days (null: every day) into the daily and monthly tables. */
  async recount(trx: Trx, days: readonly string[] | null): Promise<void> {
    const months = days === null ? null : [...new Set(days.map((d) => d.slice(0, 7)))];
    // The tickets that may count on those days: those with a history row in them.
    const touched = (periods: readonly string[], length: 10 | 7) =>
      sql`t.id IN (SELECT h.ticket_id FROM ticket_history AS h WHERE ${join(periods.map((p) => {
        const last = length === 10 ? p : isoDay(new Date(Date.UTC(Number(p.slice(0, 4)), Number(p.slice(5, 7)), 0)));
        return sql`(${withinDays('h.created_at', length === 10 ? p : `${p}-01`, last)})`;
      }), ' OR ')})`;
    const dailyCols = raw([...DAILY_KEYS, ...DAILY_MEASURES].join(', '));
    if (days === null) {
      await this.db.execute(sql`DELETE FROM stats_daily`, trx);
      await this.db.execute(sql`INSERT INTO stats_daily (${dailyCols}) SELECT ${raw(DAILY_KEYS.join(', '))}, ${this.allSums()}
        FROM (${this.events(sql`1 = 1`)}) AS e GROUP BY ${raw(DAILY_KEYS.join(', '))}`, trx);
    } else if (days.length > 0) {
      await this.db.execute(sql`DELETE FROM stats_daily WHERE ${inList('day', days)}`, trx);
      await this.db.execute(sql`INSERT INTO stats_daily (${dailyCols}) SELECT ${raw(DAILY_KEYS.join(', '))}, ${this.allSums()}
        FROM (${this.events(touched(days, 10))}) AS e WHERE ${inList('e.day', days)} GROUP BY ${raw(DAILY_KEYS.join(', '))}`, trx);
    }
    if (months !== null && months.length === 0) return;
    const monthOnly = (alias: string) => (months === null ? sql`` : sql`AND ${inList(`${alias}.month`, months)}`);
    const ticketsIn = months === null ? sql`1 = 1` : touched(months, 7);
    await this.db.execute(months === null ? sql`DELETE FROM stats_monthly_subcategories` : sql`DELETE FROM stats_monthly_subcategories WHERE ${inList('month', months)}`, trx);
    await this.db.execute(sql`INSERT INTO stats_monthly_subcategories (month, team_id, domain_name, service_name, subcategory_name, created)
      SELECT m.month, m.team_id, m.domain_name, m.service_name, m.subcategory_name, count(*) FROM (
        SELECT ${this.month('t.created_at')} AS month, t.queue_team_id AS team_id, t.domain_name, t.service_name, t.subcategory_name FROM tickets AS t WHERE ${ticketsIn}
      ) AS m WHERE 1 = 1 ${monthOnly('m')} GROUP BY m.month, m.team_id, m.domain_name, m.service_name, m.subcategory_name`, trx);
    await this.db.execute(months === null ? sql`DELETE FROM stats_monthly_establishments` : sql`DELETE FROM stats_monthly_establishments WHERE ${inList('month', months)}`, trx);
    await this.db.execute(sql`INSERT INTO stats_monthly_establishments (month, team_id, domain_name, establishment_id, created)
      SELECT m.month, m.team_id, m.domain_name, m.establishment_id, count(*) FROM (
        SELECT ${this.month('t.created_at')} AS month, t.queue_team_id AS team_id, t.domain_name, t.establishment_id FROM tickets AS t WHERE ${ticketsIn}
      ) AS m WHERE 1 = 1 ${monthOnly('m')} GROUP BY m.month, m.team_id, m.domain_name, m.establishment_id`, trx);
  }
}
