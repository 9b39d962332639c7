import type { Transactions, Trx } from '../../db/database.js';
import type { Settings, SettingsRepo } from '../admin/settings.repo.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { AuditRepo } from '../admin/audit.repo.js';
import { timeZoneOf, WorkCalendar, type WorkCalendarSettings } from './calendar.js';
import { NotFoundError, ValidationError } from '../../http/errors.js';
import {
  ALERT, advance, dueAlerts, replay, standing, start, targetsFor, transition, withDeadlines,
  type ClockColumns, type ClockFacts, type PriorityTargets,
} from './clock.js';
import type { ClockRow, SlaRepo } from './sla.repo.js';

export interface SlaServiceDeps {
  db: Transactions;
  repo: SlaRepo;
  settings: SettingsRepo;
  notifications: NotificationsService;
  audit: AuditRepo;
  /** The catalogue's services, named by their path (the admin's own list). */
  catalogue: { parentChoices(level: 'service'): Promise<Array<{ id: number; label: string }>> };
  now: () => Date;
}

export const slaMessages = {
  unknownService: 'Ce service n’existe pas.',
  saved: (moved: number) => `Niveaux de service enregistrés : échéances recalculées pour ${moved} ticket${moved > 1 ? 's' : ''} en cours.`,
} as const;

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

  private async calendar(): Promise<WorkCalendar> {
    return this.calendarOf(await this.deps.settings.all());
  }

  /** A new ticket's clocks (`serviceId`: its sub-category's catalogue service). */
  async started(trx: Trx, ticket: { status: string; priority: number }, serviceId: number, at: string): Promise<ClockColumns> {
    const settings = await this.deps.settings.all(trx);
    return start(ticket.status, new Date(at), targetsFor(settings.sla, ticket.priority, serviceId), this.calendarOf(settings));
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
    // The service matters only when one has targets of its own.
    const serviceId = Object.keys(settings.sla.services).length > 0 ? await this.deps.repo.serviceOf(ticket.subcategory_id, trx) : null;
    const targets = targetsFor(settings.sla, priority, serviceId);
    const { sla_alerts: _sent, ...columns } = transition(facts, ticket.status, to, new Date(at), targets, this.calendarOf(settings));
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
      const history = await repo.transitions(rows.map((r) => r.id));
      for (const row of rows) {
        const targets = targetsFor(s.sla, row.priority, row.service_id);
        const steps = history.filter((h) => h.ticket_id === row.id).map((h) => ({ from: h.from_status, to: h.to_status, at: new Date(h.created_at), targets }));
        // A ticket without its creation recorded starts now: nothing to replay.
        const replayed = replay(steps, cal) ?? start(row.status, now, targets, cal);
        const clocks = withDeadlines({ ...replayed, sla_alerts: replayed.sla_alerts | dueAlerts(replayed, row.status, now, cal) }, row.status, cal);
        await db.transaction((trx) => repo.fillIfUntracked(trx, row.id, clocks));
        filled++;
      }
    }
    return filled;
  }

  /** What the admin page shows: the services to choose from, those with targets of their own, the holidays. */
  async adminPage() {
    const s = await this.deps.settings.all();
    const services = await this.deps.catalogue.parentChoices('service');
    const labelOf = new Map(services.map((c) => [String(c.id), c.label]));
    const cal = this.calendarOf(s);
    const year = this.deps.now().getUTCFullYear();
    return {
      settings: s,
      services,
      overrides: Object.entries(s.sla.services).map(([id, targets]) => ({ id, label: labelOf.get(id) ?? `Service n° ${id} (supprimé)`, targets })),
      holidays: [...cal.holidaysOf(year), ...cal.holidaysOf(year + 1)],
      hoursPerDay: cal.secondsPerDay() / 3600,
    };
  }

  /** The targets of every service without its own. Returns the open tickets moved. */
  saveDefaults(actorId: number, targets: PriorityTargets): Promise<number> {
    return this.save(actorId, (s) => ({ sla: { ...s.sla, default: targets } }));
  }

  /** One service's own targets, added or replaced. */
  async saveServiceTargets(actorId: number, serviceId: number, targets: PriorityTargets): Promise<number> {
    if (!(await this.deps.catalogue.parentChoices('service')).some((c) => c.id === serviceId)) throw new ValidationError({ service_id: slaMessages.unknownService });
    return this.save(actorId, (s) => ({ sla: { ...s.sla, services: { ...s.sla.services, [serviceId]: targets } } }));
  }

  /** A service back to the default targets. */
  removeServiceTargets(actorId: number, serviceId: string): Promise<number> {
    return this.save(actorId, (s) => {
      if (!Object.hasOwn(s.sla.services, serviceId)) throw new NotFoundError();
      const { [serviceId]: _removed, ...rest } = s.sla.services;
      return { sla: { ...s.sla, services: rest } };
    });
  }

  /** Opening hours, holidays (and the region's time zone), closing days. */
  saveCalendar(actorId: number, c: Omit<WorkCalendarSettings, 'time_zone'>): Promise<number> {
    return this.save(actorId, () => ({ work_calendar: { ...c, time_zone: timeZoneOf(c.holiday_region) } }));
  }

  /**
   * A change of targets or calendar, made from the settings as the transaction reads them, and
   * every open ticket's deadlines again from its facts in the same transaction: nothing counted
   * so far is lost (GLPI #15605). Returns the tickets moved.
   */
  private save(actorId: number, change: (current: Settings) => Partial<Pick<Settings, 'sla' | 'work_calendar'>>): Promise<number> {
    const { db, settings, audit } = this.deps;
    return db.transaction(async (trx) => {
      const current = await settings.all(trx);
      const after = change(current);
      const before: Record<string, unknown> = {};
      for (const key of Object.keys(after) as Array<'sla' | 'work_calendar'>) {
        before[key] = current[key];
        await settings.set(trx, key, after[key] as never);
      }
      await audit.record(trx, { actorId, action: 'update', entity: 'setting', entityId: null, before, after }, this.deps.now());
      return this.recomputeOpen(trx, current, { ...current, ...after });
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
      // Counted up to now on the old calendar; `transition` then adds nothing (since = now).
      await repo.writeClocks(trx, rows.map(clockFacts).map((row) => ({
        id: row.id, clocks: transition(advance(row, row.status, now, oldCal), row.status, row.status, now, targetsFor(after.sla, row.priority, row.service_id), newCal),
      })));
      last = rows[rows.length - 1].id;
      done += rows.length;
    }
  }
}
