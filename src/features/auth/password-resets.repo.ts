import type { Database, Trx } from '../../db/database.js';
import { insertRows, sql } from '../../db/sql.js';

/** Single-use links by mail: only the token's hash is kept. */
export class PasswordResetsRepo {
  constructor(private readonly db: Database) {}

  async insert(trx: Trx, row: { user_id: number; token_hash: string; expires_at: string; created_at: string }): Promise<void> {
    await this.db.execute(insertRows('password_resets', [row]), trx);
  }

  /** An unused link by its token's hash. */
  findUnused(tokenHash: string): Promise<{ user_id: number; expires_at: string } | undefined> {
    return this.db.first(sql`SELECT user_id, expires_at FROM password_resets WHERE token_hash = ${tokenHash} AND used_at IS NULL`);
  }

  /** Spend one link, if nobody did meanwhile. */
  async spend(trx: Trx, tokenHash: string, at: string): Promise<boolean> {
    return (await this.db.execute(sql`UPDATE password_resets SET used_at = ${at} WHERE token_hash = ${tokenHash} AND used_at IS NULL RETURNING id`, trx)).length === 1;
  }

  /** Spend every other link of the user. */
  async spendAllOf(trx: Trx, userId: number, at: string): Promise<void> {
    await this.db.execute(sql`UPDATE password_resets SET used_at = ${at} WHERE user_id = ${userId} AND used_at IS NULL`, trx);
  }
}
