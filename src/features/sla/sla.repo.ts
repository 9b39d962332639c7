import type { Database, Trx } from '../../db/database.js';
import { assignments, inList, join, raw, sql, wholeNumber } from '../../db/sql.js';
import { statusIn } from '../tickets/tickets.repo.js';
import { IN_PROGRESS_STATUSES } from '../tickets/vocabulary.js';
import type { ClockColumns } from './clock.js';

/** A ticket's clocks as the row holds them, with what decides its targets. */
export interface ClockRow extends ClockColumns {
  id: number;
  status: string;
  priority: number;
  /** The catalogue service (cat_services.id) of its sub-category. */
  service_id: number | null;
}

const CLOCK_TYPES: Record<keyof ClockColumns, 'integer' | 'boolean' | 'timestamptz'> = {
  sla_tto_s: 'integer', sla_ttr_s: 'integer', sla_since: 'timestamptz', sla_tto_target_s: 'integer', sla_ttr_target_s: 'integer',
  sla_tto_met: 'boolean', sla_ttr_met: 'boolean', sla_alerts: 'integer', sla_tto_due_at: 'timestamptz', sla_ttr_due_at: 'timestamptz',
  sla_due_at: 'timestamptz', sla_next_alert_at: 'timestamptz',
};

/** The tickets `t` with their clocks, and their sub-category's service. */
const CLOCK_ROWS = sql`SELECT t.id, t.status, t.priority, sub.parent_id AS service_id, t.sla_tto_s, t.sla_ttr_s, t.sla_since, t.sla_tto_target_s,
  t.sla_ttr_target_s, t.sla_tto_met, t.sla_ttr_met, t.sla_alerts, t.sla_tto_due_at, t.sla_ttr_due_at, t.sla_due_at, t.sla_next_alert_at
  FROM tickets AS t LEFT JOIN cat_subcategories AS sub ON sub.id = t.subcategory_id`;

export class SlaRepo {
  constructor(private readonly db: Database) {}

  /** The catalogue service (cat_services.id) a sub-category belongs to. */
  async serviceOf(subcategoryId: number, trx?: Trx): Promise<number | null> {
    const row = await this.db.first<{ parent_id: number }>(sql`SELECT parent_id FROM cat_subcategories WHERE id = ${subcategoryId}`, trx);
    return row?.parent_id ?? null;
  }

  /** Tickets whose next alert is due. */
  async alertsDue(now: Date, limit: number): Promise<ClockRow[]> {
    return this.db.select<ClockRow>(sql`${CLOCK_ROWS}
      WHERE t.sla_next_alert_at <= ${now.toISOString()} ORDER BY t.sla_next_alert_at LIMIT ${wholeNumber(limit)}`);
  }

  /** Record the alerts sent, only if the clocks are still as they were read: true for the one who wins. */
  async markAlerted(trx: Trx, row: ClockRow, alerts: number, nextAlertAt: string | null): Promise<boolean> {
    const updated = await this.db.execute(sql`UPDATE tickets SET sla_alerts = ${alerts}, sla_next_alert_at = ${nextAlertAt}
      WHERE id = ${row.id} AND sla_alerts = ${row.sla_alerts} AND status = ${row.status} AND sla_since = ${row.sla_since}
        AND sla_tto_s = ${row.sla_tto_s} AND sla_ttr_s = ${row.sla_ttr_s}
        AND sla_tto_target_s = ${row.sla_tto_target_s} AND sla_ttr_target_s = ${row.sla_ttr_target_s} RETURNING id`, trx);
    return updated.length === 1;
  }

  /** Tickets filed before service levels, a batch. */
  async untracked(limit: number): Promise<ClockRow[]> {
    return this.db.select<ClockRow>(sql`${CLOCK_ROWS} WHERE t.sla_ttr_target_s IS NULL ORDER BY t.id LIMIT ${wholeNumber(limit)}`);
  }

  /** These tickets' status changes, each ticket's oldest first. */
  async transitions(ticketIds: readonly number[]): Promise<Array<{ ticket_id: number; from_status: string | null; to_status: string; created_at: string }>> {
    return this.db.select(sql`SELECT ticket_id, from_status, to_status, created_at FROM ticket_history
      WHERE ${inList('ticket_id', ticketIds)} AND to_status IS NOT NULL ORDER BY ticket_id, created_at, id`);
  }

  /** Fill a ticket's clocks once (another process may have done it). */
  async fillIfUntracked(trx: Trx, id: number, clocks: ClockColumns): Promise<void> {
    await this.db.execute(sql`UPDATE tickets SET ${assignments('tickets', clocks)} WHERE id = ${id} AND sla_ttr_target_s IS NULL`, trx);
  }

  /** The open tickets' clocks, a batch after `afterId`, for new targets or a new calendar. */
  async openClocks(trx: Trx, afterId: number, limit: number): Promise<ClockRow[]> {
    return this.db.select<ClockRow>(sql`${CLOCK_ROWS}
      WHERE ${statusIn('t.status', IN_PROGRESS_STATUSES)} AND t.id > ${afterId} AND t.sla_ttr_target_s IS NOT NULL ORDER BY t.id LIMIT ${wholeNumber(limit)}`, trx);
  }

  /** Many tickets' clocks in one statement. */
  async writeClocks(trx: Trx, rows: ReadonlyArray<{ id: number; clocks: ClockColumns }>): Promise<void> {
    if (rows.length === 0) return;
    const d = this.db.dialect;
    const columns = Object.keys(CLOCK_TYPES) as Array<keyof ClockColumns>;
    const values = rows.map(({ id, clocks }) => sql`(${join([d.typed(id, 'integer'), ...columns.map((c) => d.typed(clocks[c], CLOCK_TYPES[c]))], ', ')})`);
    await this.db.execute(sql`WITH v (id, ${raw(columns.join(', '))}) AS (VALUES ${join(values, ', ')})
      UPDATE tickets SET ${raw(columns.map((c) => `${c} = v.${c}`).join(', '))} FROM v WHERE tickets.id = v.id`, trx);
  }
}
