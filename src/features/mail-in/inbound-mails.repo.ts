import type { Database, Trx } from '../../db/database.js';
import { insertRows, sql, wholeNumber } from '../../db/sql.js';

export type InboundOutcome = 'entry' | 'ticket' | 'refused' | 'ignored' | 'set_aside' | 'error';

export interface InboundMailRow {
  message_id: string; mailbox_uid: number | null; from_address: string; subject: string;
  outcome: InboundOutcome; ticket_id: number | null; reason: string; answered: boolean; created_at: string;
}

/** The mails read from the helpdesk's mailbox, each once, with what it became. */
export class InboundMailsRepo {
  constructor(private readonly db: Database) {}

  /** The record of a mail already read, if any. */
  find(messageId: string): Promise<{ id: number; outcome: InboundOutcome | 'retry' } | undefined> {
    return this.db.first(sql`SELECT id, outcome FROM inbound_mails WHERE message_id = ${messageId}`);
  }

  async record(trx: Trx, row: InboundMailRow): Promise<void> {
    await this.db.execute(insertRows('inbound_mails', [row]), trx);
  }

  /** How many mails this address sent since `since`. */
  async countFrom(address: string, since: Date): Promise<number> {
    const row = await this.db.first<{ n: number }>(sql`SELECT count(*) AS n FROM inbound_mails WHERE from_address = ${address} AND created_at > ${since.toISOString()}`);
    return Number(row?.n ?? 0);
  }

  /** The latest mails, newest first, with the reference of the ticket each went to. */
  latest(limit: number) {
    return this.db.select<InboundMailRow & { id: number; ticket_ref: string | null; retry_requested: boolean | number }>(sql`
      SELECT m.*, t.ref AS ticket_ref FROM inbound_mails AS m LEFT JOIN tickets AS t ON t.id = m.ticket_id
      ORDER BY m.id DESC LIMIT ${wholeNumber(limit)}`);
  }

  /** Ask that a set-aside mail be read again; false when there is no such mail set aside. */
  async requestRetry(id: number): Promise<boolean> {
    const rows = await this.db.execute(sql`UPDATE inbound_mails SET retry_requested = TRUE WHERE id = ${id} AND outcome = 'set_aside' RETURNING id`);
    return rows.length === 1;
  }

  retries(): Promise<Array<{ id: number; message_id: string }>> {
    return this.db.select(sql`SELECT id, message_id FROM inbound_mails WHERE retry_requested ORDER BY id`);
  }

  /** A set-aside mail put back in the inbox: the next reading takes it whatever the sender's hourly count. */
  async markPutBack(id: number): Promise<void> {
    await this.db.execute(sql`UPDATE inbound_mails SET outcome = 'retry', retry_requested = FALSE WHERE id = ${id}`);
  }

  async forget(id: number): Promise<void> {
    await this.db.execute(sql`DELETE FROM inbound_mails WHERE id = ${id}`);
  }

  /** Was this address answered since `since` (one polite answer per sender per hour)? */
  async answeredSince(trx: Trx, address: string, since: Date): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM inbound_mails WHERE from_address = ${address} AND answered AND created_at > ${since.toISOString()}`, trx));
  }
}
