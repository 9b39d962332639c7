import type { BackupContents } from './dialect.js';
import { rowsOf, sql, type Executor } from './sql.js';

/** What a backup reports of a database: its tickets, and the files its attachments name. */
export async function contentsOf(on: Executor): Promise<BackupContents> {
  const [{ n }] = await rowsOf<{ n: number }>(on, sql`SELECT count(*) AS n FROM tickets`);
  const names = await rowsOf<{ stored_name: string }>(on, sql`SELECT stored_name FROM attachments`);
  return { tickets: Number(n), storedNames: names.map((r) => r.stored_name) };
}
