import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { MailKind } from './mail-kinds.js';
import { insertRows, rowsOf } from '../../db/sql.js';

export interface OutboxRow {
  id: number;
  kind: string;
  to_user_id: number | null;
  to_address: string;
  ticket_id: number | null;
  subject: string;
  text_body: string;
  html_body: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: string;
  lock_id: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface NewMail {
  kind: MailKind;
  toUserId: number | null;
  toAddress: string;
  ticketId: number | null;
  subject: string;
  text: string;
  html: string;
}

export class OutboxRepo {
  constructor(private readonly db: Knex) {}

  /** Queue mails in the caller's transaction, in one statement: they exist only if the change commits. */
  async enqueue(trx: Knex | Knex.Transaction, mails: NewMail[], now: Date): Promise<void> {
    if (mails.length === 0) return;
    await rowsOf(
      trx,
      insertRows('outbox', mails.map((mail) => ({
        kind: mail.kind,
        to_user_id: mail.toUserId,
        to_address: mail.toAddress,
        ticket_id: mail.ticketId,
        subject: mail.subject,
        text_body: mail.text,
        html_body: mail.html,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now.toISOString(),
        created_at: now.toISOString(),
      }))),
    );
  }

  /**
   * Claim up to `limit` due mails for one worker, atomically: two workers (two processes)
   * never claim the same mail while its lock holds.
   */
  async claim(now: Date, lockMs: number, limit: number): Promise<OutboxRow[]> {
    const lockId = crypto.randomUUID();
    const iso = now.toISOString();
    await this.db('outbox')
      .whereIn(
        'id',
        this.db('outbox')
          .where('status', 'pending')
          .where('next_attempt_at', '<=', iso)
          .where((q) => q.whereNull('locked_until').orWhere('locked_until', '<', iso))
          .orderBy('id')
          .limit(limit)
          .select('id'),
      )
      .update({ lock_id: lockId, locked_until: new Date(now.getTime() + lockMs).toISOString() });
    return this.db('outbox').where({ lock_id: lockId, status: 'pending' }).orderBy('id');
  }

  async markSent(id: number, lockId: string, now: Date): Promise<void> {
    await this.db('outbox').where({ id, lock_id: lockId }).update({ status: 'sent', sent_at: now.toISOString(), locked_until: null, last_error: null });
  }

  async markFailed(id: number, lockId: string, attempts: number, error: string, next: Date | null): Promise<void> {
    await this.db('outbox')
      .where({ id, lock_id: lockId })
      .update({
        attempts,
        last_error: error.slice(0, 1000),
        status: next ? 'pending' : 'failed',
        next_attempt_at: (next ?? new Date()).toISOString(),
        locked_until: null,
      });
  }

  /** Give back the rest of a batch the worker will not try now. */
  async release(lockId: string): Promise<void> {
    await this.db('outbox').where({ lock_id: lockId, status: 'pending' }).update({ locked_until: null, lock_id: null });
  }

  async list(limit: number, offset: number): Promise<{ rows: OutboxRow[]; total: number }> {
    const [rows, [{ n }]] = await Promise.all([
      this.db('outbox').orderBy('id', 'desc').limit(limit).offset(offset),
      this.db('outbox').count({ n: '*' }),
    ]);
    return { rows, total: Number(n) };
  }

  find(id: number): Promise<OutboxRow | undefined> {
    return this.db('outbox').where({ id }).first();
  }

  async counts(): Promise<Record<string, number>> {
    const rows: Array<{ status: string; n: number }> = await this.db('outbox').groupBy('status').select('status').count({ n: '*' });
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
