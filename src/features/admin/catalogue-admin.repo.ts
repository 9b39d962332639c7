import type { Database, Trx } from '../../db/database.js';
import { assignments, insertRows, join, name, raw, sql, type Sql } from '../../db/sql.js';
import { CATALOGUE_DOCUMENTS } from '../catalogue/catalogue.repo.js';

export const ADMIN_LEVELS = ['domain', 'group', 'family', 'service', 'subcategory'] as const;
export type AdminLevel = (typeof ADMIN_LEVELS)[number];

export const LEVEL_TABLE: Record<AdminLevel, string> = {
  domain: 'cat_domains', group: 'cat_groups', family: 'cat_families', service: 'cat_services', subcategory: 'cat_subcategories',
};
export const CHILD: Record<AdminLevel, AdminLevel | null> = { domain: 'group', group: 'family', family: 'service', service: 'subcategory', subcategory: null };
export const PARENT: Record<AdminLevel, AdminLevel | null> = { domain: null, group: 'domain', family: 'group', service: 'family', subcategory: 'service' };

const table = (level: AdminLevel) => name(LEVEL_TABLE[level]);

export interface NodeRow {
  id: number;
  name: string;
  position: number;
  active: boolean | number;
  parent_id?: number;
  keywords?: string;
  team_id?: number | null;
  accepts_incident?: boolean | number;
  accepts_request?: boolean | number;
  establishment_types?: string;
}

/** The five levels of the service catalogue, as the admin edits them. */
export class CatalogueAdminRepo {
  constructor(private readonly db: Database) {}

  /** A level's nodes, whole, in catalogue order (all of them, or the children of one parent). */
  nodes(level: AdminLevel, parentId: number | null = null, trx?: Trx): Promise<NodeRow[]> {
    const under = parentId === null ? sql`` : sql`WHERE parent_id = ${parentId}`;
    return this.db.select(sql`SELECT * FROM ${table(level)} ${under} ORDER BY position, name`, trx);
  }

  node(level: AdminLevel, id: number, trx?: Trx): Promise<NodeRow | undefined> {
    return this.db.first(sql`SELECT * FROM ${table(level)} WHERE id = ${id}`, trx);
  }

  /** Every node of a level with the names of its path, domain first (`l0` … `lN`), to move a node under it. */
  pathsOf(level: AdminLevel): Promise<Array<Record<string, unknown> & { id: number }>> {
    const levels = ADMIN_LEVELS.slice(0, ADMIN_LEVELS.indexOf(level) + 1);
    const last = levels.length - 1;
    const joins = levels.slice(0, -1).map((l, i) => raw(`JOIN ${LEVEL_TABLE[l]} AS n${i} ON n${i}.id = n${i + 1}.parent_id`)).reverse();
    const names = levels.map((_, i) => raw(`n${i}.name AS l${i}`));
    const order = levels.map((_, i) => raw(`n${i}.position`));
    return this.db.select(sql`SELECT n${raw(String(last))}.id AS id, ${join(names, ', ')} FROM ${table(level)} AS ${raw(`n${last}`)} ${joins.length > 0 ? join(joins, ' ') : sql``} ORDER BY ${join(order, ', ')}`);
  }

  /** Tickets filed under this node or below. */
  async ticketCount(level: AdminLevel, id: number, trx?: Trx): Promise<number> {
    let ids: Sql = sql`${id}`;
    for (let l: AdminLevel = level; CHILD[l]; l = CHILD[l] as AdminLevel) ids = sql`SELECT id FROM ${table(CHILD[l] as AdminLevel)} WHERE parent_id IN (${ids})`;
    const row = await this.db.first<{ n: number }>(sql`SELECT count(*) AS n FROM tickets WHERE subcategory_id IN (${ids})`, trx);
    return Number(row?.n ?? 0);
  }

  /** The names beside which a node's must be unique: its siblings. */
  siblingNames(trx: Trx, level: AdminLevel, parentId: number | null): Promise<Array<{ id: number; name: string }>> {
    return this.db.select(sql`SELECT id, name FROM ${table(level)} ${PARENT[level] ? sql`WHERE parent_id = ${parentId ?? -1}` : sql``}`, trx);
  }

  async hasChildren(trx: Trx, level: AdminLevel, id: number): Promise<boolean> {
    const child = CHILD[level];
    return !!child && !!(await this.db.first(sql`SELECT id FROM ${table(child)} WHERE parent_id = ${id} LIMIT 1`, trx));
  }

  async hasArticles(trx: Trx, serviceId: number): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM knowledge_articles WHERE service_id = ${serviceId} LIMIT 1`, trx));
  }

  async teamExists(trx: Trx, id: number): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM teams WHERE id = ${id}`, trx));
  }

  async insert(trx: Trx, level: AdminLevel, row: Record<string, unknown>): Promise<number> {
    const [{ id }] = await this.db.execute<{ id: number }>(sql`${insertRows(LEVEL_TABLE[level], [row])} RETURNING id`, trx);
    return id;
  }

  async update(trx: Trx, level: AdminLevel, id: number, row: Record<string, unknown>): Promise<void> {
    await this.db.execute(sql`UPDATE ${table(level)} SET ${assignments(LEVEL_TABLE[level], row)} WHERE id = ${id}`, trx);
  }

  async remove(trx: Trx, level: AdminLevel, id: number): Promise<void> {
    await this.db.execute(sql`DELETE FROM ${table(level)} WHERE id = ${id}`, trx);
  }

  /** Build the search index again from the catalogue: a few hundred rows, after every change. */
  async reindex(trx: Trx): Promise<void> {
    for (const q of this.db.dialect.reindexAll('catalogue', CATALOGUE_DOCUMENTS)) await this.db.execute(q, trx);
  }

  /** Teams by id and by name, for the export and the import. */
  teams(trx?: Trx): Promise<Array<{ id: number; name: string }>> {
    return this.db.select(sql`SELECT id, name FROM teams`, trx);
  }
}
