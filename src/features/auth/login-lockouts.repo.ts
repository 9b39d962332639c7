import type { Database, Trx } from '../../db/database.js';
import { sql } from '../../db/sql.js';

export interface LockedIdentifiant {
  identifiant: string;
  failures: number;
  locked_until: string;
  last_failure_at: string;
}

/** Failed logins per identifiant typed, known or not. */
export class LoginLockoutsRepo {
  constructor(private readonly db: Database) {}

  find(identifiant: string, trx?: Trx): Promise<(LockedIdentifiant & { locked_until: string | null }) | undefined> {
    return this.db.first(sql`SELECT identifiant, failures, locked_until, last_failure_at FROM login_lockouts WHERE identifiant = ${identifiant}`, trx);
  }

  async remove(identifiant: string, trx?: Trx): Promise<void> {
    await this.db.execute(sql`DELETE FROM login_lockouts WHERE identifiant = ${identifiant}`, trx);
  }

  /** One more failure, in one statement (concurrent failures cannot lose a count); locked once `max` is reached. */
  async recordFailure(identifiant: string, now: Date, max: number, lockEnd: Date): Promise<{ failures: number; locked_until: string | null }> {
    const [row] = await this.db.execute<{ failures: number; locked_until: string | null }>(sql`
      INSERT INTO login_lockouts (identifiant, failures, last_failure_at, locked_until) VALUES (${identifiant}, 1, ${now.toISOString()}, NULL)
      ON CONFLICT (identifiant) DO UPDATE SET
        failures = login_lockouts.failures + 1,
        last_failure_at = excluded.last_failure_at,
        locked_until = CASE WHEN login_lockouts.failures + 1 >= ${max} THEN ${lockEnd.toISOString()} ELSE login_lockouts.locked_until END
      RETURNING failures, locked_until`);
    return row;
  }

  /** A try refused while locked: counted, so that the admin sees how hard it is tried. */
  async recordRefused(identifiant: string, now: Date): Promise<void> {
    await this.db.execute(sql`UPDATE login_lockouts SET failures = failures + 1, last_failure_at = ${now.toISOString()} WHERE identifiant = ${identifiant}`);
  }

  /** The identifiants locked now, newest first. */
  locked(now: Date): Promise<LockedIdentifiant[]> {
    return this.db.select(sql`
      SELECT identifiant, failures, locked_until, last_failure_at FROM login_lockouts
      WHERE locked_until > ${now.toISOString()} ORDER BY last_failure_at DESC LIMIT 500`);
  }

  /** Forget identifiants not locked now that stopped failing before `before`; returns how many. */
  async forgetStale(now: Date, before: Date): Promise<number> {
    const rows = await this.db.execute(sql`
      DELETE FROM login_lockouts WHERE last_failure_at < ${before.toISOString()} AND (locked_until IS NULL OR locked_until < ${now.toISOString()})
      RETURNING identifiant`);
    return rows.length;
  }
}
