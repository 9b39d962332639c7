import type { Database, Trx } from '../../db/database.js';
import { assignments, insertRows, name, sql, wholeNumber } from '../../db/sql.js';
import { NotFoundError } from '../../http/errors.js';

export interface AuditEntry {
  actorId: number | null;
  action: string;
  entity: string;
  entityId: number | null;
  before?: unknown;
  after?: unknown;
}

/** The journal of admin changes: each recorded in the change's own transaction, so no change goes without its trace. */
export class AuditRepo {
  constructor(private readonly db: Database) {}

  async record(trx: Trx, entry: AuditEntry, now: Date): Promise<void> {
    await this.db.execute(insertRows('admin_audit', [{
      actor_id: entry.actorId,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      created_at: now.toISOString(),
    }]), trx);
  }

  /** Insert (id null) or update one row of `table`, with its audit entry; returns its id. */
  async saveAudited(trx: Trx, actorId: number, target: { table: string; entity: string; id: number | null }, row: Record<string, unknown>, now: Date): Promise<number> {
    const { table, entity, id } = target;
    if (id === null) {
      const [{ id: newId }] = await this.db.execute<{ id: number }>(sql`${insertRows(table, [row])} RETURNING id`, trx);
      await this.record(trx, { actorId, action: 'create', entity, entityId: newId, after: row }, now);
      return newId;
    }
    const before = await this.db.first(sql`SELECT * FROM ${name(table)} WHERE id = ${id}`, trx);
    if (!before) throw new NotFoundError();
    await this.db.execute(sql`UPDATE ${name(table)} SET ${assignments(table, row)} WHERE id = ${id}`, trx);
    await this.record(trx, { actorId, action: 'update', entity, entityId: id, before, after: row }, now);
    return id;
  }

  async list(limit: number, offset: number, entity?: string) {
    const where = entity ? sql`WHERE a.entity = ${entity}` : sql``;
    const [rows, count] = await Promise.all([
      this.db.select(sql`
        SELECT a.*, u.first_name || ' ' || u.last_name AS actor_name
        FROM admin_audit AS a LEFT JOIN users AS u ON u.id = a.actor_id ${where}
        ORDER BY a.id DESC LIMIT ${wholeNumber(limit)} OFFSET ${wholeNumber(offset)}`),
      this.db.first<{ n: number }>(sql`SELECT count(*) AS n FROM admin_audit AS a ${where}`),
    ]);
    return { rows, total: Number(count?.n ?? 0) };
  }
}
