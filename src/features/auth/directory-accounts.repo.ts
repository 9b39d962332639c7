import type { Database, Trx } from '../../db/database.js';
import { assignments, inList, insertRows, sql } from '../../db/sql.js';
import type { EstablishmentType } from '../tickets/vocabulary.js';

export interface DirectorySyncRow {
  id: number; started_at: string; finished_at: string | null; dry_run: boolean | number; status: 'running' | 'done' | 'failed';
  entries: number; created: number; updated: number; unchanged: number; deactivated: number; reactivated: number; establishments_created: number; errors: string;
}
export type SyncCounts = Pick<DirectorySyncRow, 'entries' | 'created' | 'updated' | 'unchanged' | 'deactivated' | 'reactivated' | 'establishments_created'>;

/** What the directory's accounts and its syncs write: establishments it names, accounts it no longer lists, the syncs' record. */
export class DirectoryAccountsRepo {
  constructor(private readonly db: Database) {}

  /** The ids of the establishments of these UAIs that exist. */
  async establishmentIds(trx: Trx, rnes: readonly string[]): Promise<Map<string, number>> {
    if (rnes.length === 0) return new Map();
    const rows = await this.db.select<{ id: number; rne: string }>(sql`SELECT id, rne FROM establishments WHERE ${inList('rne', rnes)}`, trx);
    return new Map(rows.map((r) => [r.rne, r.id]));
  }

  /** An establishment the directory names and Guichet did not know: the admin completes its name and type. */
  async createToComplete(trx: Trx, rne: string, type: EstablishmentType): Promise<number> {
    const [{ id }] = await this.db.execute<{ id: number }>(
      sql`${insertRows('establishments', [{ rne, name: `Établissement ${rne}`, type, city: '', to_complete: true }])} RETURNING id`,
      trx,
    );
    return id;
  }

  /** Active accounts from the directory, by identifiant. */
  async activeDirectoryAccounts(): Promise<Array<{ id: number; identifiant: string }>> {
    return this.db.select(sql`SELECT id, identifiant FROM users WHERE source = 'directory' AND active`);
  }

  /** Deactivate these directory accounts, marking the directory as the one who did. */
  async deactivate(trx: Trx, ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.db.execute(sql`UPDATE users SET active = FALSE, deactivated_by = 'directory' WHERE ${inList('id', ids)}`, trx);
  }

  async startSync(startedAt: Date, dryRun: boolean): Promise<number> {
    const [{ id }] = await this.db.execute<{ id: number }>(
      sql`${insertRows('directory_syncs', [{ started_at: startedAt.toISOString(), dry_run: dryRun, status: 'running' }])} RETURNING id`,
    );
    return id;
  }

  async finishSync(id: number, status: 'done' | 'failed', counts: SyncCounts, errors: string[], finishedAt: Date): Promise<void> {
    await this.db.execute(sql`UPDATE directory_syncs SET ${assignments('directory_syncs', { ...counts, status, errors: errors.join('\n'), finished_at: finishedAt.toISOString() })} WHERE id = ${id}`);
  }

  lastSync(): Promise<DirectorySyncRow | undefined> {
    return this.db.first(sql`SELECT * FROM directory_syncs ORDER BY id DESC LIMIT 1`);
  }

  /** A sync started after `since` and still running (in this process or another). */
  async running(since: Date): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM directory_syncs WHERE status = 'running' AND started_at > ${since.toISOString()}`));
  }
}
