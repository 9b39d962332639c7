import type { Knex } from 'knex';
import { toFtsQuery } from './catalogue-index.js';

export interface CatalogueRow {
  subcategoryId: number;
  domain: string;
  group: string;
  family: string;
  service: string;
  subcategory: string;
  acceptsIncident: boolean;
  acceptsRequest: boolean;
}

export interface SubcategoryPath extends CatalogueRow {
  serviceId: number;
  familyId: number;
  groupId: number;
  domainId: number;
  teamId: number | null;
  establishmentTypes: string[];
  /** The sub-category and all its ancestors are active. */
  active: boolean;
}

export interface NodeSummary {
  id: number;
  name: string;
}

export const LEVELS = ['domain', 'group', 'family', 'service'] as const;
export type Level = (typeof LEVELS)[number];
const TABLE: Record<Level, string> = { domain: 'cat_domains', group: 'cat_groups', family: 'cat_families', service: 'cat_services' };

/** The five levels joined, with only active nodes, seen by one of the establishment types. */
function visibleSubcategories(db: Knex, types: readonly string[]) {
  return db('cat_subcategories as s')
    .join('cat_services as v', 'v.id', 's.parent_id')
    .join('cat_families as f', 'f.id', 'v.parent_id')
    .join('cat_groups as g', 'g.id', 'f.parent_id')
    .join('cat_domains as d', 'd.id', 'g.parent_id')
    .where({ 's.active': true, 'v.active': true, 'f.active': true, 'g.active': true, 'd.active': true })
    .where((q) => {
      for (const t of types) q.orWhereRaw("(',' || s.establishment_types || ',') LIKE ?", [`%,${t},%`]);
    });
}

const ROW_COLUMNS = [
  's.id as subcategoryId', 'd.name as domain', 'g.name as group', 'f.name as family', 'v.name as service',
  's.name as subcategory', 's.accepts_incident as acceptsIncident', 's.accepts_request as acceptsRequest',
];
const ORDER = ['d.position', 'g.position', 'f.position', 'v.position', 's.position'];

function toRow<T extends CatalogueRow>(r: T): T {
  return { ...r, acceptsIncident: !!r.acceptsIncident, acceptsRequest: !!r.acceptsRequest };
}

export class CatalogueRepo {
  constructor(private readonly db: Knex) {}

  /** Keyword search through the FTS index (accent- and case-insensitive), paged. */
  async search(input: string, types: readonly string[], limit: number, offset: number): Promise<{ rows: CatalogueRow[]; total: number }> {
    const match = toFtsQuery(input);
    if (!match || types.length === 0) return { rows: [], total: 0 };
    const base = () =>
      visibleSubcategories(this.db, types).whereRaw('s.id IN (SELECT rowid FROM catalogue_fts WHERE catalogue_fts MATCH ?)', [match]);
    const [rows, [{ n }]] = await Promise.all([
      base().select(ROW_COLUMNS).orderBy(ORDER).limit(limit).offset(offset),
      base().count({ n: '*' }),
    ]);
    return { rows: rows.map(toRow), total: Number(n) };
  }

  /** Children of a node (or the domains), keeping only those with a visible sub-category below. */
  async children(level: Level | null, parentId: number | null, types: readonly string[]): Promise<NodeSummary[]> {
    const childLevel: Level | 'subcategory' = level === null ? 'domain' : level === 'service' ? 'subcategory' : LEVELS[LEVELS.indexOf(level) + 1];
    const alias = { domain: 'd', group: 'g', family: 'f', service: 'v', subcategory: 's' }[childLevel];
    const q = visibleSubcategories(this.db, types)
      .distinct(`${alias}.id as id`, `${alias}.name as name`, `${alias}.position as position`)
      .orderBy([`${alias}.position`, `${alias}.name`]);
    if (level !== null) q.where(`${{ domain: 'd', group: 'g', family: 'f', service: 'v' }[level]}.id`, parentId);
    const rows: Array<{ id: number; name: string }> = await q;
    return rows.map((r) => ({ id: r.id, name: r.name }));
  }

  /** The sub-categories of a service, as catalogue rows (for the last browse step). */
  async subcategoriesOfService(serviceId: number, types: readonly string[]): Promise<CatalogueRow[]> {
    const rows = await visibleSubcategories(this.db, types).where('v.id', serviceId).select(ROW_COLUMNS).orderBy(ORDER);
    return rows.map(toRow);
  }

  /** One node of the upper levels, active or not (for breadcrumbs). */
  async node(level: Level, id: number): Promise<(NodeSummary & { parentId: number | null; active: boolean }) | undefined> {
    const row = await this.db(TABLE[level]).where({ id }).first();
    if (!row) return undefined;
    return { id: row.id, name: row.name, parentId: row.parent_id ?? null, active: !!row.active };
  }

  /** A sub-category with its whole path, whatever its state (the service decides what to allow). */
  async subcategoryPath(id: number): Promise<SubcategoryPath | undefined> {
    const r = await this.db('cat_subcategories as s')
      .join('cat_services as v', 'v.id', 's.parent_id')
      .join('cat_families as f', 'f.id', 'v.parent_id')
      .join('cat_groups as g', 'g.id', 'f.parent_id')
      .join('cat_domains as d', 'd.id', 'g.parent_id')
      .where('s.id', id)
      .first([
        ...ROW_COLUMNS, 'v.id as serviceId', 'f.id as familyId', 'g.id as groupId', 'd.id as domainId', 's.team_id as teamId',
        's.establishment_types as types', 's.active as sActive', 'v.active as vActive', 'f.active as fActive', 'g.active as gActive', 'd.active as dActive',
      ]);
    if (!r) return undefined;
    return {
      ...toRow(r),
      serviceId: r.serviceId, familyId: r.familyId, groupId: r.groupId, domainId: r.domainId, teamId: r.teamId,
      establishmentTypes: String(r.types).split(',').filter(Boolean),
      active: !!(r.sActive && r.vActive && r.fActive && r.gActive && r.dActive),
    };
  }
}
