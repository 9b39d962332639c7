import type { Database } from './database.js';
import { sql } from './sql.js';

/** The numbers that triggers move whenever a table kept in memory changes (migration 20261202100000). */
export class CacheVersionsRepo {
  constructor(private readonly db: Database) {}

  async all(): Promise<Map<string, number>> {
    const rows = await this.db.select<{ name: string; version: number }>(sql`SELECT name, version FROM cache_versions`);
    return new Map(rows.map((r) => [r.name, Number(r.version)]));
  }
}

/**
 * For processes that share one database: before a request, drop each copy kept in memory whose
 * version another process has moved since the last look. One process alone needs none of it:
 * its own changes already drop what they make stale.
 */
export function freshnessCheck(versions: CacheVersionsRepo, forget: Record<string, () => void>): () => Promise<void> {
  let seen = new Map<string, number>();
  return async () => {
    const now = await versions.all();
    for (const [name, drop] of Object.entries(forget)) {
      if (seen.has(name) && seen.get(name) !== now.get(name)) drop();
    }
    seen = now;
  };
}
