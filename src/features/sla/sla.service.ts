import type { Transactions, Trx } from '../../db/database.js';
import type { Settings, SettingsRepo } from '../admin/settings.repo.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { AuditRepo } from '../admin/audit.repo.js';
import { WorkCalendar } from './calendar.js';
import {
  ALERT, advance, dueAlerts, replay, standing, start, targetsFor, transition, withDeadlines,
  type ClockColumns, type ClockFacts, type Targets,
} from './clock.js';
import type { ClockRow, SlaRepo } from './sla.repo.js';

export interface SlaServiceDeps {
  db: Transactions;
  repo: SlaRepo;
  settings: SettingsRepo;
  notifications: NotificationsService;
  audit: AuditRepo;
  now: () => Date;
}

/** What the engines hand back for a clock row: booleans as 0/1 on SQLite. */
export function clockFacts<T extends ClockFacts>(row: T): T {
  const verdict = (v: unknown) => (v === null || v === undefined ? null : Boolean(v));
  return { ...row, sla_tto_met: verdict(row.sla_tto_met), sla_ttr_met: verdict(row.sla_ttr_met), sla_alerts: Number(row.sla_alerts ?? 0) };
}

/** Where the clocks stand at a transition: recorded in its history row. */
export interface ClockRecord {
  sla_tto_s: number;
  sla_ttr_s: number;
}

/**
 * The service levels: the clocks of a ticket at each of its transitions (for the services that
 * change tickets), the deadlines pages show, and the scheduler's alerts.
 */
export class SlaService {
  private calendars = new WeakMap<object, WorkCalendar>();

  constructor(private readonly deps: SlaServiceDeps) {}

  /** The working calendar of these settings (kept while the settings are). */
  calendarOf(settings: Settings): WorkCalendar {
    let cal = this.calendars.get(settings.work_calendar);
    if (!cal) {
      cal = new WorkCalendar(settings.work_calendar);
      this.calendars.set(settings.work_calendar, cal);
    }
    return cal;
  }

  serviceChoices() {
    return this.deps.repo.services();
  }

  async calendar(trx?: Trx): Promise<WorkCalendar> {
    return this.calendarOf(await this.deps.settings.all(trx));
  }

  private async targets(settings: Settings, priority: number, subcategoryId: number, trx?: Trx): Promise<Targets> {
    const serviceId = Object.keys(settings.sla.services).length > 0 ? await this.deps.repo.serviceOf(subcategoryId, trx) : null;
    return targetsFor(settings.sla, priority, serviceId);
  }

  /** A new ticket's clocks. */
  async started(trx: Trx, ticket: { status: string; priority: number; subcategory_id: number }, at: string): Promise<ClockColumns> {
    const settings = await this.deps.settings.all(trx);
    return start(ticket.status, new Date(at), await this.targets(settings, ticket.priority, ticket.subcategory_id, trx), this.calendarOf(settings));
  }

  /**
   * The clocks after a change of status (or of priority, `to` being the same status): the
   * columns to write with the change, and where the clocks stand for its history row.
   */
  async changed(
    trx: Trx, ticket: ClockFacts & { status: string; priority: number; subcategory_id: number }, to: string, at: string, priority = ticket.priority,
  ): Promise<{ columns: Omit<ClockColumns, 'sla_alerts'> | Record<string, never>; record: ClockRecord | Record<string, never> }> {
    const facts = clockFacts(ticket);
    if (facts.sla_ttr_target_s === null) return { columns: {}, record: {} }; // not yet replayed: the backfill will
    const settings = await this.deps.settings.all(trx);
    const { sla_alerts: _sent, ...columns } = transition(facts, ticket.status, to, new Date(at), await this.targets(settings, priority, ticket.subcategory_id, trx), this.calendarOf(settings));
    // The alerts sent are the scheduler's to write: a change read before one was sent must not undo it.
    return { columns, record: { sla_tto_s: columns.sla_tto_s, sla_ttr_s: columns.sla_ttr_s } };
  }

  /** Where a ticket's clocks stand now, for its page or a list row. */
  async standingOf(ticket: ClockColumns & { status: string }) {
    return standing(clockFacts(ticket), ticket.status, this.deps.now(), await this.calendar());
  }

  /** The standings of a list's rows, by id. */
  async standings<T extends ClockColumns & { id: number; status: string }>(rows: readonly T[]) {
    const cal = await this.calendar();
    const now = this.deps.now();
    return new Map(rows.map((r) => [r.id, standing(clockFacts(r), r.status, now, cal)]));
  }

  /**
   * The scheduler's pass: for each ticket whose clock passed 75 % or 100 % of a target, one mail
   * to the agent in charge (the team when nobody has it). The conditional write makes a second
   * process, or a second pass, send nothing more.
   */
  async sendDueAlerts(limit = 200): Promise<number> {
    const { db, repo, notifications } = this.deps;
    const now = this.deps.now();
    const cal = await this.calendar();
    let sent = 0;
    for (const raw of await repo.alertsDue(now, limit)) {
      const row = clockFacts(raw);
      const fresh = dueAlerts(row, row.status, now, cal);
      const alerts = row.sla_alerts | fresh | (fresh & ALERT.tto100 ? ALERT.tto75 : 0) | (fresh & ALERT.ttr100 ? ALERT.ttr75 : 0);
      const next = withDeadlines({ ...row, sla_alerts: alerts }, row.status, cal).sla_next_alert_at;
      await db.transaction(async (trx) => {
        if (!(await repo.markAlerted(trx, row, alerts, next))) return;
        // The breach says it all: a ticket found past 100 % gets no 75 % mail as well.
        for (const clock of ['tto', 'ttr'] as const) {
          if (fresh & ALERT[`${clock}100`]) await notifications.slaAlert(trx, row.id, clock, 'breach');
          else if (fresh & ALERT[`${clock}75`]) await notifications.slaAlert(trx, row.id, clock, 'warning');
          if (fresh & (ALERT[`${clock}100`] | ALERT[`${clock}75`])) sent++;
        }
      });
    }
    return sent;
  }

  /**
   * Tickets filed before service levels: their clocks replayed from their recorded history, a
   * bounded number a pass. Thresholds a replayed ticket passed long ago count as alerted: an
   * upgrade mails nobody about old tickets.
   */
  async backfill(batch = 200, batches = 50): Promise<number> {
    const { db, repo, settings } = this.deps;
    const s = await settings.all();
    const cal = this.calendarOf(s);
    const now = this.deps.now();
    let filled = 0;
    for (let b = 0; b < batches; b++) {
      const rows = await repo.untracked(batch);
      if (rows.length === 0) break;
      for (const row of rows) {
        const targets = await this.targets(s, row.priority, row.subcategory_id);
        const steps = (await repo.transitions(row.id)).map((h) => ({ from: h.from_status, to: h.to_status, at: new Date(h.created_at), targets }));
        // A ticket without its creation recorded starts now: nothing to replay.
        const replayed = replay(steps, cal) ?? start(row.status, now, targets, cal);
        const clocks = withDeadlines({ ...replayed, sla_alerts: replayed.sla_alerts | dueAlerts(replayed, row.status, now, cal) }, row.status, cal);
        await db.transaction((trx) => repo.fillIfUntracked(trx, row.id, clocks));
        filled++;
      }
    }
    return filled;
  }

  /**
   * An admin's new targets or calendar, and every open ticket's deadlines again from its facts,
   * in one transaction: nothing counted so far is lost (GLPI #15605). Returns the tickets moved.
   */
  async save(actorId: number, change: Partial<Pick<Settings, 'sla' | 'work_calendar'>>): Promise<number> {
    const { db, settings, audit } = this.deps;
    return db.transaction(async (trx) => {
      const current = await settings.all(trx);
      const before: Record<string, unknown> = {};
      for (const key of Object.keys(change) as Array<'sla' | 'work_calendar'>) {
        before[key] = current[key];
        await settings.set(trx, key, change[key] as never);
      }
      await audit.record(trx, { actorId, action: 'update', entity: 'setting', entityId: null, before, after: change }, this.deps.now());
      return this.recomputeOpen(trx, current, { ...current, ...change });
    });
  }

  /**
   * Every open ticket's deadlines again: the time up to now counted on the calendar it ran under
   * (`before`), what is left on the new one (`after`).
   */
  private async recomputeOpen(trx: Trx, before: Settings, after: Settings): Promise<number> {
    const { repo } = this.deps;
    const [oldCal, newCal] = [this.calendarOf(before), new WorkCalendar(after.work_calendar)];
    const now = this.deps.now();
    let last = 0;
    let done = 0;
    for (;;) {
      const rows = await repo.openClocks(trx, last, 500);
      if (rows.length === 0) return done;
      for (const raw of rows) {
        const row = clockFacts(raw);
        const targets = await this.targets(after, row.priority, row.subcategory_id, trx);
        // Counted up to now on the old calendar; `transition` then adds nothing (since = now).
        await repo.writeClocks(trx, row.id, transition(advance(row, row.status, now, oldCal), row.status, row.status, now, targets, newCal));
        last = row.id;
        done++;
      }
    }
  }
}
