import type { WorkCalendar } from './calendar.js';
import type { Status } from '../tickets/vocabulary.js';

// THE service-level rule. Two clocks count working time: TTO (délai de prise en charge) until
// the ticket is first "Assignée", TTR (délai de résolution) until it is "Résolue". Neither runs
// while the ticket waits for the requester or a third party ("À compléter", "En attente"), nor
// once resolved. The ticket keeps the facts (seconds counted, since when, the targets in force);
// each transition adds the time since the last one and records where the clocks stand, and a
// deadline is always computed from those facts, so a priority change, a dispatch or new targets
// move it without losing or inventing time.

/** Targets in working minutes, per priority rank ("1" Critique … "4" Basse). */
export type PriorityTargets = Record<string, { tto: number; ttr: number }>;

export interface SlaSettings {
  default: PriorityTargets;
  /** Per catalogue service (cat_services.id): its own targets, replacing the default ones. */
  services: Record<string, PriorityTargets>;
}

const HOUR = 60;
const DAY = 8 * HOUR; // one working day of the default calendar
/** iTop-like defaults: Critique 1 h / 4 h, Haute 4 h / 1 jour ouvré, Normale 1 / 3 jours, Basse 2 / 5 jours. */
export const DEFAULT_SLA: SlaSettings = {
  default: {
    1: { tto: HOUR, ttr: 4 * HOUR },
    2: { tto: 4 * HOUR, ttr: DAY },
    3: { tto: DAY, ttr: 3 * DAY },
    4: { tto: 2 * DAY, ttr: 5 * DAY },
  },
  services: {},
};

const TTO_RUNS: readonly Status[] = ['nouvelle', 'affectee', 'reaffectee'];
const TTR_RUNS: readonly Status[] = [...TTO_RUNS, 'assignee'];

/** The alerts already sent, as bits of `sla_alerts`. */
export const ALERT = { tto75: 1, tto100: 2, ttr75: 4, ttr100: 8 } as const;
export const WARN_AT = 0.75;

/** What a ticket row keeps of its clocks. */
export interface ClockFacts {
  sla_tto_s: number;
  sla_ttr_s: number;
  /** Since when the running clocks count (null: none runs). */
  sla_since: string | null;
  sla_tto_target_s: number | null;
  sla_ttr_target_s: number | null;
  /** Set when the clock stops: the target was met (true) or missed (false). */
  sla_tto_met: boolean | null;
  sla_ttr_met: boolean | null;
  sla_alerts: number;
}

/** The facts and what follows from them, for lists, sorting and the scheduler. */
export interface ClockColumns extends ClockFacts {
  sla_tto_due_at: string | null;
  sla_ttr_due_at: string | null;
  /** The next deadline of a running clock: what lists sort by. */
  sla_due_at: string | null;
  /** When the scheduler next has an alert to send. */
  sla_next_alert_at: string | null;
}

export interface Targets {
  tto_s: number;
  ttr_s: number;
}

export function targetsFor(sla: SlaSettings, priority: number, serviceId: number | null): Targets {
  const own = serviceId === null ? undefined : sla.services[String(serviceId)]?.[String(priority)];
  const t = own ?? sla.default[String(priority)] ?? DEFAULT_SLA.default[String(priority)];
  return { tto_s: t.tto * 60, ttr_s: t.ttr * 60 };
}

const ttoRuns = (f: ClockFacts, status: string) => TTO_RUNS.includes(status as Status) && f.sla_tto_met === null;
const ttrRuns = (f: ClockFacts, status: string) => TTR_RUNS.includes(status as Status);

/** The facts with the time since `sla_since` counted up to `at`. */
export function advance(f: ClockFacts, status: string, at: Date, cal: WorkCalendar): ClockFacts {
  if (!f.sla_since) return f;
  const elapsed = cal.workingSeconds(new Date(f.sla_since), at);
  return {
    ...f,
    sla_tto_s: f.sla_tto_s + (ttoRuns(f, status) ? elapsed : 0),
    sla_ttr_s: f.sla_ttr_s + (ttrRuns(f, status) ? elapsed : 0),
    sla_since: at.toISOString(),
  };
}

/** A new ticket's clocks, both running from its creation. */
export function start(status: string, at: Date, targets: Targets, cal: WorkCalendar): ClockColumns {
  const facts: ClockFacts = {
    sla_tto_s: 0, sla_ttr_s: 0, sla_since: at.toISOString(), sla_tto_target_s: targets.tto_s, sla_ttr_target_s: targets.ttr_s,
    sla_tto_met: null, sla_ttr_met: null, sla_alerts: 0,
  };
  return withDeadlines(facts, status, cal);
}

/**
 * The clocks after the ticket goes from `from` to `to` at `at` (the same status for a change of
 * priority), under `targets`. A stopped clock's verdict stays as it was recorded.
 */
export function transition(prev: ClockFacts, from: string, to: string, at: Date, targets: Targets, cal: WorkCalendar): ClockColumns {
  const f = { ...advance(prev, from, at, cal), sla_tto_target_s: targets.tto_s, sla_ttr_target_s: targets.ttr_s };
  if (f.sla_tto_met === null && ttoRuns(f, from) && !ttoRuns(f, to)) {
    // Only "Assignée" stops TTO; a queued ticket always reaches it before any other status.
    f.sla_tto_met = f.sla_tto_s <= targets.tto_s;
  }
  if (to === 'resolue' && from !== 'resolue') f.sla_ttr_met = f.sla_ttr_s <= targets.ttr_s;
  else if (ttrRuns(f, to) && (from === 'resolue' || from === 'fermee')) f.sla_ttr_met = null; // refused: solving goes on
  f.sla_since = ttoRuns(f, to) || ttrRuns(f, to) ? at.toISOString() : null;
  return withDeadlines(f, to, cal);
}

/** The facts replayed over a ticket's recorded transitions, oldest first (its creation the first). */
export function replay(steps: ReadonlyArray<{ from: string | null; to: string; at: Date; targets: Targets }>, cal: WorkCalendar): ClockColumns | null {
  let clocks: ClockColumns | null = null;
  let status = '';
  for (const s of steps) {
    clocks = clocks === null ? start(s.to, s.at, s.targets, cal) : transition(clocks, status, s.to, s.at, s.targets, cal);
    status = s.to;
  }
  return clocks;
}

/** The instant a clock reaches `share` of its target, counting from the facts. */
function instantAt(cal: WorkCalendar, since: string, used: number, target: number, share: number): string | null {
  return cal.addWorkingSeconds(new Date(since), Math.ceil(target * share) - used)?.toISOString() ?? null;
}

export function withDeadlines(f: ClockFacts, status: string, cal: WorkCalendar): ClockColumns {
  let tto: string | null = null;
  let ttr: string | null = null;
  const alerts: Array<string | null> = [];
  if (f.sla_since && f.sla_tto_target_s !== null && ttoRuns(f, status)) {
    tto = instantAt(cal, f.sla_since, f.sla_tto_s, f.sla_tto_target_s, 1);
    if (!(f.sla_alerts & ALERT.tto75)) alerts.push(instantAt(cal, f.sla_since, f.sla_tto_s, f.sla_tto_target_s, WARN_AT));
    if (!(f.sla_alerts & ALERT.tto100)) alerts.push(tto);
  }
  if (f.sla_since && f.sla_ttr_target_s !== null && ttrRuns(f, status)) {
    ttr = instantAt(cal, f.sla_since, f.sla_ttr_s, f.sla_ttr_target_s, 1);
    if (!(f.sla_alerts & ALERT.ttr75)) alerts.push(instantAt(cal, f.sla_since, f.sla_ttr_s, f.sla_ttr_target_s, WARN_AT));
    if (!(f.sla_alerts & ALERT.ttr100)) alerts.push(ttr);
  }
  const pending = alerts.filter((a): a is string => a !== null).sort();
  // Only the clocks' own columns: `f` may be a whole ticket row.
  return {
    sla_tto_s: f.sla_tto_s, sla_ttr_s: f.sla_ttr_s, sla_since: f.sla_since, sla_tto_target_s: f.sla_tto_target_s, sla_ttr_target_s: f.sla_ttr_target_s,
    sla_tto_met: f.sla_tto_met, sla_ttr_met: f.sla_ttr_met, sla_alerts: f.sla_alerts,
    sla_tto_due_at: tto, sla_ttr_due_at: ttr, sla_due_at: tto ?? ttr, sla_next_alert_at: pending[0] ?? null,
  };
}

export interface ClockStanding {
  /** Working seconds counted, up to now for a running clock. */
  used: number;
  target: number;
  running: boolean;
  met: boolean | null;
  due: string | null;
  /** Working seconds left (negative once late), for a running clock. */
  left: number | null;
  /** At or past 75 % of the target (running), or missed (stopped). */
  warn: boolean;
  late: boolean;
}

/** Where both clocks stand at `now`, for a page. Null for a ticket without clocks. */
export function standing(c: ClockColumns, status: string, now: Date, cal: WorkCalendar): { tto: ClockStanding; ttr: ClockStanding } | null {
  if (c.sla_tto_target_s === null || c.sla_ttr_target_s === null) return null;
  const f = advance(c, status, now, cal);
  const one = (used: number, target: number, running: boolean, met: boolean | null, due: string | null): ClockStanding => ({
    used, target, running, met, due,
    left: running ? target - used : null,
    warn: running ? used >= target * WARN_AT : met === false,
    late: running ? used > target : met === false,
  });
  return {
    tto: one(f.sla_tto_s, c.sla_tto_target_s, ttoRuns(c, status) && c.sla_since !== null, c.sla_tto_met, c.sla_tto_due_at),
    ttr: one(f.sla_ttr_s, c.sla_ttr_target_s, ttrRuns(c, status) && c.sla_since !== null, c.sla_ttr_met, c.sla_ttr_due_at),
  };
}

/** The alerts a ticket is due now and has not had: for each running clock, 75 % then 100 %. */
export function dueAlerts(c: ClockColumns, status: string, now: Date, cal: WorkCalendar): number {
  const s = standing(c, status, now, cal);
  if (!s) return 0;
  let bits = 0;
  if (s.tto.running && s.tto.used >= s.tto.target * WARN_AT) bits |= ALERT.tto75;
  if (s.tto.running && s.tto.used >= s.tto.target) bits |= ALERT.tto100;
  if (s.ttr.running && s.ttr.used >= s.ttr.target * WARN_AT) bits |= ALERT.ttr75;
  if (s.ttr.running && s.ttr.used >= s.ttr.target) bits |= ALERT.ttr100;
  return bits & ~c.sla_alerts;
}
