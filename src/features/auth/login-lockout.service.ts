import type { Transactions } from '../../db/database.js';
import type { AuditRepo } from '../admin/audit.repo.js';
import type { LockedIdentifiant, LoginLockoutsRepo } from './login-lockouts.repo.js';
import { normalizeIdentifiant } from './users.repo.js';

/** After this many failed logins in a row, an identifiant is locked… */
export const MAX_FAILURES = 10;
/** …for this long; each failure after that locks it again, one try per period. */
export const LOCK_MINUTES = 15;
/** Rows of identifiants that stopped failing are forgotten after a day. */
const FORGET_AFTER_MS = 24 * 3600_000;

export type { LockedIdentifiant };

/**
 * Login throttling per identifiant, in the database so that it holds across restarts. The
 * identifiant is counted as typed, known or not: a lockout tells nothing about who has an account.
 */
export class LoginLockoutService {
  constructor(private readonly deps: { db: Transactions; lockouts: LoginLockoutsRepo; audit: AuditRepo; now: () => Date }) {}

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
    await this.deps.lockouts.remove(this.key(identifiant));
    return null;
  }

  /** The end of the lockout, or null when the identifiant may try. */
  async lockedUntil(identifiant: string): Promise<Date | null> {
    const row = await this.deps.lockouts.find(this.key(identifiant));
    if (!row?.locked_until) return null;
    const until = new Date(row.locked_until);
    return until > this.deps.now() ? until : null;
  }

  /** Count one more failure; returns the end of the lockout it caused, if any. */
  private async recordFailure(identifiant: string): Promise<Date | null> {
    const now = this.deps.now();
    const row = await this.deps.lockouts.recordFailure(this.key(identifiant), now, MAX_FAILURES, new Date(now.getTime() + LOCK_MINUTES * 60_000));
    return row.failures >= MAX_FAILURES && row.locked_until ? new Date(row.locked_until) : null;
  }

  private async recordRefused(identifiant: string): Promise<void> {
    await this.deps.lockouts.recordRefused(this.key(identifiant), this.deps.now());
  }

  /** The identifiants locked now, newest first (the admin's list). */
  locked(): Promise<LockedIdentifiant[]> {
    return this.deps.lockouts.locked(this.deps.now());
  }

  /** The admin lifts a lockout; the trace goes to the journal of changes. Returns false if there was none. */
  async unlock(actorId: number, identifiant: string): Promise<boolean> {
    const key = this.key(identifiant);
    const now = this.deps.now();
    return this.deps.db.transaction(async (trx) => {
      const before = await this.deps.lockouts.find(key, trx);
      if (!before) return false;
      await this.deps.lockouts.remove(key, trx);
      await this.deps.audit.record(trx, { actorId, action: 'unlock', entity: 'login', entityId: null, before }, now);
      return true;
    });
  }

  /** Forget identifiants that are not locked and stopped failing a day ago. */
  forgetStale(): Promise<number> {
    const now = this.deps.now();
    return this.deps.lockouts.forgetStale(now, new Date(now.getTime() - FORGET_AFTER_MS));
  }
}
