import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../../http/errors.js';
import { rebuildCatalogueIndex } from '../catalogue/catalogue-index.js';
import { audit } from './audit.js';
import { nameTaken } from './names.js';

export const ADMIN_LEVELS = ['domain', 'group', 'family', 'service', 'subcategory'] as const;
export type AdminLevel = (typeof ADMIN_LEVELS)[number];

export const LEVEL_TABLE: Record<AdminLevel, string> = {
  domain: 'cat_domains', group: 'cat_groups', family: 'cat_families', service: 'cat_services', subcategory: 'cat_subcategories',
};
export const LEVEL_LABEL: Record<AdminLevel, string> = {
  domain: 'Domaine de service', group: 'Groupe de famille', family: 'Famille de service', service: 'Service', subcategory: 'Sous catégorie de service',
};
export const CHILD: Record<AdminLevel, AdminLevel | null> = { domain: 'group', group: 'family', family: 'service', service: 'subcategory', subcategory: null };
export const PARENT: Record<AdminLevel, AdminLevel | null> = { domain: null, group: 'domain', family: 'group', service: 'family', subcategory: 'service' };

export const catalogueMessages = {
  duplicate: 'Un élément de ce niveau porte déjà ce nom sous le même parent.',
  inUse: (tickets: number) => `Cet élément est utilisé par ${tickets} ticket${tickets > 1 ? 's' : ''} : désactivez-le plutôt que de le supprimer.`,
  hasChildren: 'Cet élément contient des éléments : supprimez-les ou déplacez-les d’abord, ou désactivez-le.',
  hasArticles: 'Des articles de la FAQ sont liés à ce service : détachez-les d’abord, ou désactivez-le.',
  badParent: 'Choisissez un parent du niveau supérieur.',
  badTeam: "Cette équipe n'existe pas.",
} as const;

export interface NodeFields {
  name: string;
  position: number;
  active: boolean;
  parent_id?: number;
  keywords?: string;
  team_id?: number | null;
  accepts_incident?: boolean;
  accepts_request?: boolean;
  establishment_types?: string[];
}

export interface TreeNode {
  id: number;
  level: AdminLevel;
  name: string;
  active: boolean;
  position: number;
  children: TreeNode[];
}

/** Row → stored fields of a node, as written. */
function toRow(level: AdminLevel, f: NodeFields): Record<string, unknown> {
  const row: Record<string, unknown> = { name: f.name, position: f.position, active: f.active };
  if (level !== 'domain' && f.parent_id !== undefined) row.parent_id = f.parent_id;
  if (level === 'subcategory') {
    if (f.keywords !== undefined) row.keywords = f.keywords;
    if (f.team_id !== undefined) row.team_id = f.team_id;
    if (f.accepts_incident !== undefined) row.accepts_incident = f.accepts_incident;
    if (f.accepts_request !== undefined) row.accepts_request = f.accepts_request;
    if (f.establishment_types !== undefined) row.establishment_types = f.establishment_types.join(',');
  }
  return row;
}

/** The service catalogue editor: five levels, each change audited and the search index rebuilt in its transaction. */
export class CatalogueAdminService {
  constructor(private readonly deps: { db: Knex; now: () => Date }) {}

  async tree(): Promise<TreeNode[]> {
    const { db } = this.deps;
    const all = await Promise.all(ADMIN_LEVELS.map((l) => db(LEVEL_TABLE[l]).orderBy(['position', 'name']).select('id', 'name', 'active', 'position', ...(l === 'domain' ? [] : ['parent_id']))));
    const byLevel = ADMIN_LEVELS.map((level, i) =>
      all[i].map((r: { id: number; name: string; active: number | boolean; position: number; parent_id?: number }) => ({
        node: { id: r.id, level, name: r.name, active: !!r.active, position: r.position, children: [] as TreeNode[] },
        parentId: r.parent_id ?? null,
      })),
    );
    for (let i = ADMIN_LEVELS.length - 1; i > 0; i--) {
      const parents = new Map(byLevel[i - 1].map((p) => [p.node.id, p.node]));
      for (const c of byLevel[i]) parents.get(c.parentId!)?.children.push(c.node);
    }
    return byLevel[0].map((d) => d.node);
  }

  async node(level: AdminLevel, id: number) {
    const { db } = this.deps;
    const row = await db(LEVEL_TABLE[level]).where({ id }).first();
    if (!row) throw new NotFoundError();
    const child = CHILD[level];
    const parentLevel = PARENT[level];
    const [children, parents, tickets, path] = await Promise.all([
      child ? db(LEVEL_TABLE[child]).where({ parent_id: id }).orderBy(['position', 'name']).select('id', 'name', 'active') : Promise.resolve([]),
      parentLevel ? this.parentChoices(parentLevel) : Promise.resolve([]),
      this.ticketCount(level, id),
      this.path(level, row),
    ]);
    return { level, row, children, parents, tickets, path };
  }

  /** Every node of a level, named by its path, to move a node under it. */
  async parentChoices(level: AdminLevel): Promise<Array<{ id: number; label: string }>> {
    const { db } = this.deps;
    const levels = ADMIN_LEVELS.slice(0, ADMIN_LEVELS.indexOf(level) + 1);
    const q = db(`${LEVEL_TABLE[levels[levels.length - 1]]} as n${levels.length - 1}`);
    for (let i = levels.length - 2; i >= 0; i--) q.join(`${LEVEL_TABLE[levels[i]]} as n${i}`, `n${i}.id`, `n${i + 1}.parent_id`);
    const rows: Array<Record<string, unknown>> = await q
      .select([`n${levels.length - 1}.id as id`, ...levels.map((_, i) => `n${i}.name as l${i}`)])
      .orderBy(levels.map((_, i) => `n${i}.position`));
    return rows.map((r) => ({ id: Number(r.id), label: levels.map((_, i) => String(r[`l${i}`])).join(' › ') }));
  }

  private async path(level: AdminLevel, row: { parent_id?: number }): Promise<Array<{ level: AdminLevel; id: number; name: string }>> {
    const out: Array<{ level: AdminLevel; id: number; name: string }> = [];
    let l = PARENT[level];
    let parentId = row.parent_id;
    while (l && parentId) {
      const p = await this.deps.db(LEVEL_TABLE[l]).where({ id: parentId }).first();
      if (!p) break;
      out.unshift({ level: l, id: p.id, name: p.name });
      parentId = p.parent_id;
      l = PARENT[l];
    }
    return out;
  }

  /** Tickets filed under this node or below. */
  async ticketCount(level: AdminLevel, id: number, db: Knex = this.deps.db): Promise<number> {
    let subs = db('cat_subcategories').select('id');
    if (level === 'subcategory') subs = subs.where('id', id);
    else {
      let ids = db(LEVEL_TABLE[level]).where('id', id).select('id');
      let l: AdminLevel = level;
      while (CHILD[l] && CHILD[l] !== 'subcategory') {
        const c = CHILD[l] as AdminLevel;
        ids = db(LEVEL_TABLE[c]).whereIn('parent_id', ids).select('id');
        l = c;
      }
      subs = subs.whereIn('parent_id', ids);
    }
    const [{ n }] = await db('tickets').whereIn('subcategory_id', subs).count({ n: '*' });
    return Number(n);
  }

  private async checkFields(trx: Knex.Transaction, level: AdminLevel, f: NodeFields, selfId: number | null) {
    const errors: Record<string, string> = {};
    const parentLevel = PARENT[level];
    if (parentLevel) {
      if (!f.parent_id || !(await trx(LEVEL_TABLE[parentLevel]).where({ id: f.parent_id }).first('id'))) errors.parent_id = catalogueMessages.badParent;
    }
    if (level === 'subcategory' && f.team_id) {
      if (!(await trx('teams').where({ id: f.team_id }).first('id'))) errors.team_id = catalogueMessages.badTeam;
    }
    const siblings = trx(LEVEL_TABLE[level]);
    if (parentLevel) siblings.where('parent_id', f.parent_id ?? -1);
    if (await nameTaken(siblings, f.name, selfId)) errors.name = catalogueMessages.duplicate;
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  }

  async create(actorId: number, level: AdminLevel, f: NodeFields): Promise<number> {
    const now = this.deps.now();
    return this.deps.db.transaction(async (trx) => {
      await this.checkFields(trx, level, f, null);
      const row = toRow(level, f);
      const [{ id }] = await trx(LEVEL_TABLE[level]).insert(row).returning('id');
      await audit(trx, { actorId, action: 'create', entity: level, entityId: id, after: row }, now);
      await rebuildCatalogueIndex(trx);
      return id;
    });
  }

  async update(actorId: number, level: AdminLevel, id: number, f: NodeFields): Promise<void> {
    const now = this.deps.now();
    await this.deps.db.transaction(async (trx) => {
      const before = await trx(LEVEL_TABLE[level]).where({ id }).first();
      if (!before) throw new NotFoundError();
      await this.checkFields(trx, level, f, id);
      const row = toRow(level, f);
      await trx(LEVEL_TABLE[level]).where({ id }).update(row);
      await audit(trx, { actorId, action: 'update', entity: level, entityId: id, before, after: row }, now);
      await rebuildCatalogueIndex(trx);
    });
  }

  /** Delete only what nothing uses; anything referenced is deactivated instead. */
  async remove(actorId: number, level: AdminLevel, id: number): Promise<void> {
    const now = this.deps.now();
    await this.deps.db.transaction(async (trx) => {
      const before = await trx(LEVEL_TABLE[level]).where({ id }).first();
      if (!before) throw new NotFoundError();
      const tickets = await this.ticketCount(level, id, trx);
      if (tickets > 0) throw new ConflictError(catalogueMessages.inUse(tickets));
      const child = CHILD[level];
      if (child && (await trx(LEVEL_TABLE[child]).where({ parent_id: id }).first('id'))) throw new ConflictError(catalogueMessages.hasChildren);
      if (level === 'service' && (await trx('knowledge_articles').where({ service_id: id }).first('id'))) throw new ConflictError(catalogueMessages.hasArticles);
      await trx(LEVEL_TABLE[level]).where({ id }).delete();
      await audit(trx, { actorId, action: 'delete', entity: level, entityId: id, before }, now);
      await rebuildCatalogueIndex(trx);
    });
  }
}
