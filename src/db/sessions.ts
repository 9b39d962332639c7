import type { Knex } from 'knex';
import type { SessionData } from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';

// Dialect-specific (SQLite JSON): the sessions table stores the session as JSON text.

/** End every session of a user (after a password change), except optionally one. */
export async function endSessionsOf(db: Knex | Knex.Transaction, userId: number, keepSid?: string): Promise<number> {
  const q = db('sessions').whereRaw("json_extract(sess, '$.passport.user') = ?", [userId]);
  if (keepSid) q.whereNot('sid', keepSid);
  return q.delete();
}

const READ_SESSION = 'SELECT sess FROM sessions WHERE sid = ? AND datetime(?) <= datetime(expired)';

/**
 * The session store: connect-session-knex, writing through the single writer, but reading a
 * page's session on the read pool. Every page reads its session and few write it; on the
 * writer, each read waited behind the ticket creations in progress. A session written by one
 * request is committed before its response leaves (express-session saves before it ends the
 * response), so the next request's read sees it.
 */
export class SessionStore extends ConnectSessionKnexStore {
  private readonly reads: Knex;

  constructor(db: Knex, reads: Knex, cleanupInterval: number) {
    super({ knex: db, tableName: 'sessions', createTable: false, cleanupInterval });
    this.reads = reads;
  }

  override async get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): Promise<SessionData | null> {
    try {
      await this.ready;
      const rows: Array<{ sess: string }> = await this.reads.raw(READ_SESSION, [sid, new Date().toISOString()]);
      const session = rows[0] ? (JSON.parse(rows[0].sess) as SessionData) : null;
      callback(null, session);
      return session;
    } catch (err) {
      callback(err);
      throw err;
    }
  }

  /**
   * Sessions do not slide (rolling: false): the browser's cookie ends 8 h after login whatever
   * happens, so the default touch (rewriting the row's expiry on every page) would be one write
   * per request on the single writer, for nothing.
   */
  override async touch(_sid: string, _sess: SessionData, callback?: () => void): Promise<void> {
    callback?.();
  }
}
