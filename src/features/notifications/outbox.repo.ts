import crypto from 'node:crypto';
import type { Database, Trx } from '../../db/database.js';
import type { MailKind } from './mail-kinds.js';
import { insertRows, sql, wholeNumber } from '../../db/sql.js';

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
  constructor(private readonly db: Database) {}

  /** Queue mails in the caller's transaction, in one statement: they exist only if the change commits. */
  async enqueue(trx: Trx, mails: NewMail[], now: Date): Promise<void> {
    if (mails.length === 0) return;
    await this.db.execute(
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
      trx,
    );
  }

  /**
   * Claim up to `limit` due mails for one worker, in one statement: two workers (two processes)
   * never claim the same mail while its lock holds. On PostgreSQL the rows another worker is
   * claiming at that moment are skipped, not waited for and then taken again.
   */
  async claim(now: Date, lockMs: number, limit: number): Promise<OutboxRow[]> {
    const iso = now.toISOString();
    const due = sql`status = 'pending' AND next_attempt_at <= ${iso} AND (locked_until IS NULL OR locked_until < ${iso})`;
    const rows = await this.db.execute<OutboxRow>(sql`
      UPDATE outbox SET lock_id = ${crypto.randomUUID()}, locked_until = ${new Date(now.getTime() + lockMs).toISOString()}
      WHERE id IN (SELECT id FROM outbox WHERE ${due} ORDER BY id LIMIT ${wholeNumber(limit)} ${this.db.dialect.skipLocked}) AND ${due}
      RETURNING *`);
    return rows.sort((a, b) => a.id - b.id);
  }

  async markSent(id: number, lockId: string, now: Date): Promise<void> {
    await this.db.execute(sql`UPDATE outbox SET status = 'sent', sent_at = ${now.toISOString()}, locked_until = NULL, last_error = NULL WHERE id = ${id} AND lock_id = ${lockId}`);
  }

  /**
   * The living demo's mails kept as sent without sending them (they have nowhere to go): those
   * about tickets, written on its clock, before `before`; a real one is written after.
   */
  async markDemoSent(before: Date): Promise<void> {
    await this.db.execute(sql`UPDATE outbox SET status = 'sent', sent_at = ${before.toISOString()}
      WHERE status = 'pending' AND ticket_id IS NOT NULL AND created_at < ${before.toISOString()}`);
  }

  async markFailed(id: number, lockId: string, attempts: number, error: string, next: Date | null): Promise<void> {
    await this.db.execute(sql`
      UPDATE outbox SET attempts = ${attempts}, last_error = ${error.slice(0, 1000)}, status = ${next ? 'pending' : 'failed'},
        next_attempt_at = ${(next ?? new Date()).toISOString()}, locked_until = NULL
      WHERE id = ${id} AND lock_id = ${lockId}`);
  }

  /** Give back the rest of a batch the worker will not try now. */
  async release(lockId: string): Promise<void> {
    await this.db.execute(sql`UPDATE outbox SET locked_until = NULL, lock_id = NULL WHERE lock_id = ${lockId} AND status = 'pending'`);
  }

  async list(limit: number, offset: number): Promise<{ rows: OutboxRow[]; total: number }> {
    const [rows, count] = await Promise.all([
      this.db.select<OutboxRow>(sql`SELECT * FROM outbox ORDER BY id DESC LIMIT ${wholeNumber(limit)} OFFSET ${wholeNumber(offset)}`),
      this.db.first<{ n: number }>(sql`SELECT count(*) AS n FROM outbox`),
    ]);
    return { rows, total: Number(count?.n ?? 0) };
  }

  find(id: number): Promise<OutboxRow | undefined> {
    return this.db.first(sql`SELECT * FROM outbox WHERE id = ${id}`);
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.db.select<{ status: string; n: number }>(sql`SELECT status, count(*) AS n FROM outbox GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
