import type { Request } from 'express';
import session, { type SessionData } from 'express-session';
import type { Dialect } from '../../db/dialect.js';
import type { CurrentUser } from './current-user.js';
import { currentUserFrom, type CurrentUserRow } from './users.repo.js';
import type { SessionsRepo } from './sessions.repo.js';

/** The user a session's statement brought: for which id, and the user (null: gone or deactivated). */
interface Preloaded {
  id: number;
  user: CurrentUser | null;
}

const bySession = new WeakMap<object, Preloaded>();
const byRequest = new WeakMap<Request, Preloaded>();

/** express-session's callbacks, from a promise. */
function settle<T>(work: Promise<T>, callback?: (err: unknown, value?: T) => void): void {
  work.then((value) => callback?.(null, value), (err: unknown) => callback?.(err));
}

/**
 * Sessions in the database (so that every process sees them). A page's read brings the
 * signed-in user in the same statement: a deactivated account, a removed role or establishment
 * shows on the very next page, and no page reads the user twice.
 */
export class SessionStore extends session.Store {
  private readonly sweeper: NodeJS.Timeout | null;

  constructor(
    private readonly sessions: SessionsRepo,
    private readonly dialect: Dialect,
    /** How often expired rows are removed (0: never, for tests). */
    cleanupIntervalMs: number,
  ) {
    super();
    this.sweeper = cleanupIntervalMs > 0 ? setInterval(() => void this.sessions.removeExpired(new Date()).catch(() => undefined), cleanupIntervalMs) : null;
    this.sweeper?.unref();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    settle(
      this.sessions.read(sid, new Date()).then((row) => {
        if (!row) return null;
        const stored = this.dialect.parseJson<SessionData & { passport?: { user?: unknown } }>(row.sess);
        const userId = stored.passport?.user;
        if (typeof userId === 'number') bySession.set(stored, { id: userId, user: row.id === null ? null : currentUserFrom(this.dialect, row as CurrentUserRow) });
        return stored;
      }),
      callback,
    );
  }

  override set(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    const expires = sess.cookie.expires ? new Date(sess.cookie.expires) : new Date(Date.now() + 86_400_000);
    settle(this.sessions.save(sid, JSON.stringify(sess), expires), callback);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    settle(this.sessions.destroy(sid), callback);
  }

  /**
   * Sessions do not slide (rolling: false): the cookie ends 8 h after login whatever happens, so
   * touching (rewriting the row's expiry on every page) would be one write per request for nothing.
   */
  override touch(_sid: string, _sess: SessionData, callback?: () => void): void {
    callback?.();
  }

  /** express-session builds the request's session from what get() gave: the user goes along. */
  override createSession(req: Request, sess: SessionData) {
    const preloaded = bySession.get(sess);
    if (preloaded) byRequest.set(req, preloaded);
    return super.createSession(req, sess);
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
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
