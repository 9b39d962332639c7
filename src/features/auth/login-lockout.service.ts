import type { Knex } from 'knex';
import { audit } from '../admin/audit.js';
import { normalizeIdentifiant } from './users.repo.js';

/** After this many failed logins in a row, an identifiant is locked… */
export const MAX_FAILURES = 10;
/** …for this long; each failure after that locks it again, one try per period. */
export const LOCK_MINUTES = 15;
/** Rows of identifiants that stopped failing are forgotten after a day. */
const FORGET_AFTER_MS = 24 * 3600_000;

export interface LockedIdentifiant {
  identifiant: string;
  failures: number;
  locked_until: string;
  last_failure_at: string;
}

/**
 * Login throttling per identifiant, in the database so that it holds across restarts. The
 * identifiant is counted as typed, known or not: a lockout tells nothing about who has an account.
 */
export class LoginLockoutService {
  constructor(private readonly deps: { db: Knex; now: () => Date }) {}

  /** The identifiant as it is counted (and shown to the admin). */
  key(identifiant: string): string {
    return normalizeIdentifiant(identifiant).slice(0, 64);
  }

  /**
   * Before the password is checked: the end of the lockout if the identifiant is locked (the
   * try is refused, and counted, so that the admin sees how hard it is tried), else null.
   */
  async refuseIfLocked(identifiant: string): Promise<Date | null> {
    const until = await this.lockedUntil(identifiant);
    if (until) await this.recordRefused(identifiant);
    return until;
  }

  /** After the password was checked: a good one wipes the slate; a wrong one returns the lockout it caused, if any. */
  async settle(identifiant: string, succeeded: boolean): Promise<Date | null> {
    if (!succeeded) return this.recordFailure(identifiant);
    await this.deps.db('login_lockouts').where({ identifiant: this.key(identifiant) }).del();
    return null;
  }

  /** The end of the lockout, or null when the identifiant may try. */
  async lockedUntil(identifiant: string): Promise<Date | null> {
    const row = await this.deps.db('login_lockouts').where({ identifiant: this.key(identifiant) }).first('locked_until');
    if (!row?.locked_until) return null;
    const until = new Date(row.locked_until);
    return until > this.deps.now() ? until : null;
  }

  /** Count one more failure; returns the end of the lockout it caused, if any. */
  private async recordFailure(identifiant: string): Promise<Date | null> {
    const now = this.deps.now();
    const lockEnd = new Date(now.getTime() + LOCK_MINUTES * 60_000).toISOString();
    // One statement: concurrent failures cannot lose a count.
    const [row] = await this.deps.db.raw<Array<{ failures: number; locked_until: string | null }>>(
      `INSERT INTO login_lockouts (identifiant, failures, last_failure_at, locked_until) VALUES (?, 1, ?, NULL)
       ON CONFLICT (identifiant) DO UPDATE SET
         failures = failures + 1,
         last_failure_at = excluded.last_failure_at,
         locked_until = CASE WHEN failures + 1 >= ? THEN ? ELSE locked_until END
       RETURNING failures, locked_until`,
      [this.key(identifiant), now.toISOString(), MAX_FAILURES, lockEnd],
    );
    return row && row.failures >= MAX_FAILURES && row.locked_until ? new Date(row.locked_until) : null;
  }

  private async recordRefused(identifiant: string): Promise<void> {
    await this.deps.db('login_lockouts')
      .where({ identifiant: this.key(identifiant) })
      .update({ failures: this.deps.db.raw('failures + 1'), last_failure_at: this.deps.now().toISOString() });
  }

  /** The identifiants locked now, newest first (the admin's list). */
  async locked(): Promise<LockedIdentifiant[]> {
    return this.deps.db('login_lockouts')
      .where('locked_until', '>', this.deps.now().toISOString())
      .orderBy('last_failure_at', 'desc')
      .limit(500)
      .select('identifiant', 'failures', 'locked_until', 'last_failure_at');
  }

  /** The admin lifts a lockout; the trace goes to the journal of changes. Returns false if there was none. */
  async unlock(actorId: number, identifiant: string): Promise<boolean> {
    const key = this.key(identifiant);
    const now = this.deps.now();
    return this.deps.db.transaction(async (trx) => {
      const before = await trx('login_lockouts').where({ identifiant: key }).first();
      if (!before) return false;
      await trx('login_lockouts').where({ identifiant: key }).del();
      await audit(trx, { actorId, action: 'unlock', entity: 'login', entityId: null, before }, now);
      return true;
    });
  }

  /** Forget identifiants that are not locked and stopped failing a day ago. */
  async forgetStale(): Promise<number> {
    const now = this.deps.now();
    return this.deps.db('login_lockouts')
      .where('last_failure_at', '<', new Date(now.getTime() - FORGET_AFTER_MS).toISOString())
      .where((w) => w.whereNull('locked_until').orWhere('locked_until', '<', now.toISOString()))
      .del();
  }
}
