import type { Request } from 'express';
import type { Knex } from 'knex';
import type { SessionData } from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import { rowsOfText } from '../../db/sql.js';
import type { CurrentUser } from './current-user.js';
import { CURRENT_USER_COLUMNS, currentUserFrom, type CurrentUserRow } from './users.repo.js';

// Dialect-specific (SQLite JSON): the session is JSON text, its user id at $.passport.user.
const READ_SESSION = `SELECT s.sess, ${CURRENT_USER_COLUMNS}
  FROM sessions s LEFT JOIN users u ON u.id = json_extract(s.sess, '$.passport.user') AND u.active = 1
  WHERE s.sid = ? AND datetime(?) <= datetime(s.expired)`;

/** The user a session's statement brought: for which id, and the user (null: gone or deactivated). */
interface Preloaded {
  id: number;
  user: CurrentUser | null;
}

const bySession = new WeakMap<object, Preloaded>();
const byRequest = new WeakMap<Request, Preloaded>();

/**
 * The session store: connect-session-knex writing through the single writer; a page's read
 * goes to the read pool, and brings the signed-in user in the same statement.
 * - On the writer, each page's read waited behind the ticket creations in progress. A session
 *   written by one request is committed before its response leaves (express-session saves
 *   before it ends the response), so the next request's read sees it.
 * - The user was a second statement on every page. Read together, they come from one snapshot:
 *   a deactivated account, a removed role or establishment shows on the very next page.
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
      const rows: Array<CurrentUserRow & { sess: string; id: number | null }> = await rowsOfText(this.reads, READ_SESSION, [sid, new Date().toISOString()]);
      const row = rows[0];
      const session = row ? (JSON.parse(row.sess) as SessionData & { passport?: { user?: unknown } }) : null;
      const userId = session?.passport?.user;
      if (session && typeof userId === 'number') bySession.set(session, { id: userId, user: row!.id === null ? null : currentUserFrom(row!) });
      callback(null, session);
      return session;
    } catch (err) {
      callback(err);
      throw err;
    }
  }

  /** express-session builds the request's session from what get() gave: the user goes along. */
  override createSession(req: Request, sess: SessionData) {
    const preloaded = bySession.get(sess);
    if (preloaded) byRequest.set(req, preloaded);
    return super.createSession(req, sess);
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

/**
 * The user that this request's session statement brought for `id`: a user, null (gone or
 * deactivated), or undefined when it brought none for that id (passport then reads it).
 */
export function preloadedUser(req: Request, id: number): CurrentUser | null | undefined {
  const preloaded = byRequest.get(req);
  return preloaded && preloaded.id === id ? preloaded.user : undefined;
}
