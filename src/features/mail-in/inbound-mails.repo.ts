import type { Database, Trx } from '../../db/database.js';
import { insertRows, sql } from '../../db/sql.js';

export type InboundOutcome = 'entry' | 'refused' | 'ignored' | 'error';

export interface InboundMailRow {
  message_id: string; mailbox_uid: number | null; from_address: string; subject: string;
  outcome: InboundOutcome; ticket_id: number | null; reason: string; answered: boolean; created_at: string;
}

/** The mails read from the helpdesk's mailbox, each once, with what it became. */
export class InboundMailsRepo {
  constructor(private readonly db: Database) {}

  async known(messageId: string): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM inbound_mails WHERE message_id = ${messageId}`));
  }

  async record(trx: Trx, row: InboundMailRow): Promise<void> {
    await this.db.execute(insertRows('inbound_mails', [row]), trx);
  }

  /** Was this address answered since `since` (one polite answer per sender per hour)? */
  async answeredSince(trx: Trx, address: string, since: Date): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM inbound_mails WHERE from_address = ${address} AND answered AND created_at > ${since.toISOString()}`, trx));
  }
}
