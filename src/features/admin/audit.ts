import type { Knex } from 'knex';
import { NotFoundError } from '../../http/errors.js';

export interface AuditEntry {
  actorId: number | null;
  action: string;
  entity: string;
  entityId: number | null;
  before?: unknown;
  after?: unknown;
}

/** Record an admin change in the caller's transaction: no change without its trace. */
export async function audit(trx: Knex | Knex.Transaction, entry: AuditEntry, now: Date): Promise<void> {
  await trx('admin_audit').insert({
    actor_id: entry.actorId,
    action: entry.action,
    entity: entry.entity,
    entity_id: entry.entityId,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
    created_at: now.toISOString(),
  });
}

/** Insert (id null) or update one row, with its audit entry, in the caller's transaction. */
export async function writeAudited(
  trx: Knex.Transaction,
  actorId: number,
  target: { table: string; entity: string; id: number | null },
  row: Record<string, unknown>,
  now: Date,
): Promise<number> {
  const { table, entity, id } = target;
  if (id === null) {
    const [{ id: newId }] = await trx(table).insert(row).returning('id');
    await audit(trx, { actorId, action: 'create', entity, entityId: newId, after: row }, now);
    return newId;
  }
  const before = await trx(table).where({ id }).first();
  if (!before) throw new NotFoundError();
  await trx(table).where({ id }).update(row);
  await audit(trx, { actorId, action: 'update', entity, entityId: id, before, after: row }, now);
  return id;
}

export class AuditRepo {
  constructor(private readonly db: Knex) {}

  async list(limit: number, offset: number, entity?: string) {
    const base = () => {
      const q = this.db('admin_audit as a');
      if (entity) q.where('a.entity', entity);
      return q;
    };
    const [rows, [{ n }]] = await Promise.all([
      base()
        .leftJoin('users as u', 'u.id', 'a.actor_id')
        .orderBy('a.id', 'desc')
        .limit(limit)
        .offset(offset)
        .select(['a.*', this.db.raw("CASE WHEN u.id IS NULL THEN NULL ELSE u.first_name || ' ' || u.last_name END as actor_name")]),
      base().count({ n: '*' }),
    ]);
    return { rows, total: Number(n) };
  }
}
