import type { Database, Trx } from '../../db/database.js';
import { join, sql } from '../../db/sql.js';
import { currentUserColumns, type CurrentUserRow } from './users.repo.js';

/** The sessions table: one row per signed-in browser, the session as JSON, its user at passport.user. */
export class SessionsRepo {
  constructor(private readonly db: Database) {}

  private userId = () => this.db.dialect.jsonInteger(sql`s.sess`, ['passport', 'user']);

  /** A live session and, in the same statement, its user if active (the id null otherwise). */
  read(sid: string, now: Date): Promise<(Partial<CurrentUserRow> & { sess: unknown; id: number | null }) | undefined> {
    return this.db.first(sql`
      SELECT s.sess, ${currentUserColumns(this.db.dialect)}
      FROM sessions AS s LEFT JOIN users AS u ON u.id = ${this.userId()} AND u.active
      WHERE s.sid = ${sid} AND s.expired > ${now.toISOString()}`);
  }

  async save(sid: string, sess: string, expires: Date): Promise<void> {
    await this.db.execute(sql`
      INSERT INTO sessions (sid, sess, expired) VALUES (${sid}, ${sess}, ${expires.toISOString()})
      ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expired = excluded.expired`);
  }

  async destroy(sid: string): Promise<void> {
    await this.db.execute(sql`DELETE FROM sessions WHERE sid = ${sid}`);
  }

  async removeExpired(now: Date): Promise<void> {
    await this.db.execute(sql`DELETE FROM sessions WHERE expired <= ${now.toISOString()}`);
  }

  /** End every session of a user (deactivated, or after a password change), except optionally one. */
  /** Every session of these users, in one statement (the directory's leavers). */
  async endSessionsOfAll(trx: Trx, userIds: readonly number[]): Promise<void> {
    if (userIds.length > 0) await this.db.execute(sql`DELETE FROM sessions AS s WHERE ${this.userId()} IN (${join(userIds, ', ')})`, trx);
  }

  async endSessionsOf(trx: Trx, userId: number, keepSid?: string): Promise<void> {
    await this.db.execute(sql`DELETE FROM sessions AS s WHERE ${this.userId()} = ${userId} ${keepSid ? sql`AND s.sid <> ${keepSid}` : sql``}`, trx);
  }

  async count(): Promise<number> {
    const row = await this.db.first<{ n: number }>(sql`SELECT count(*) AS n FROM sessions`);
    return Number(row?.n ?? 0);
  }
}
