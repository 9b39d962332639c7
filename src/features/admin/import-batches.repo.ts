import type { Database, Trx } from '../../db/database.js';
import { insertRows, sql } from '../../db/sql.js';

/** A CSV file between its preview and its import: the admin confirms what they saw. */
export class ImportBatchesRepo {
  constructor(private readonly db: Database) {}

  async keep(row: { token: string; kind: string; content: string; created_by: number; created_at: string }, forgetBefore: Date): Promise<void> {
    await this.db.transaction(async (trx) => {
      await this.db.execute(sql`DELETE FROM import_batches WHERE created_at < ${forgetBefore.toISOString()}`, trx);
      await this.db.execute(insertRows('import_batches', [row]), trx);
    });
  }

  async content(token: string, kind: string, createdBy: number): Promise<string | undefined> {
    return (await this.db.first<{ content: string }>(sql`SELECT content FROM import_batches WHERE token = ${token} AND kind = ${kind} AND created_by = ${createdBy}`))?.content;
  }

  async remove(trx: Trx, token: string): Promise<void> {
    await this.db.execute(sql`DELETE FROM import_batches WHERE token = ${token}`, trx);
  }
}
