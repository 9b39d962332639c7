import type { Transactions, Trx } from '../../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../http/errors.js';
import type { AuditRepo } from './audit.repo.js';
import { ADMIN_LEVELS, CHILD, PARENT, type AdminLevel, type CatalogueAdminRepo } from './catalogue-admin.repo.js';
import { nameTaken } from './names.js';

export { ADMIN_LEVELS, CHILD, PARENT, type AdminLevel };

export const LEVEL_LABEL: Record<AdminLevel, string> = {
  domain: 'Domaine de service', group: 'Groupe de famille', family: 'Famille de service', service: 'Service', subcategory: 'Sous catégorie de service',
};

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
  constructor(private readonly deps: { db: Transactions; catalogue: CatalogueAdminRepo; audit: AuditRepo; now: () => Date }) {}

  async tree(): Promise<TreeNode[]> {
    const { catalogue } = this.deps;
    const all = await Promise.all(ADMIN_LEVELS.map((l) => catalogue.nodes(l)));
    const byLevel = ADMIN_LEVELS.map((level, i) =>
      all[i].map((r) => ({
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
    const { catalogue } = this.deps;
    const row = await catalogue.node(level, id);
    if (!row) throw new NotFoundError();
    const child = CHILD[level];
    const parentLevel = PARENT[level];
    const [children, parents, tickets, path] = await Promise.all([
      child ? catalogue.nodes(child, id) : Promise.resolve([]),
      parentLevel ? this.parentChoices(parentLevel) : Promise.resolve([]),
      catalogue.ticketCount(level, id),
      this.path(level, row),
    ]);
    return { level, row, children, parents, tickets, path };
  }

  /** Every node of a level, named by its path, to move a node under it. */
  async parentChoices(level: AdminLevel): Promise<Array<{ id: number; label: string }>> {
    const depth = ADMIN_LEVELS.indexOf(level) + 1;
    const rows = await this.deps.catalogue.pathsOf(level);
    return rows.map((r) => ({ id: Number(r.id), label: Array.from({ length: depth }, (_, i) => String(r[`l${i}`])).join(' › ') }));
  }

  private async path(level: AdminLevel, row: { parent_id?: number }): Promise<Array<{ level: AdminLevel; id: number; name: string }>> {
    const out: Array<{ level: AdminLevel; id: number; name: string }> = [];
    let l = PARENT[level];
    let parentId = row.parent_id;
    while (l && parentId) {
      const p = await this.deps.catalogue.node(l, parentId);
      if (!p) break;
      out.unshift({ level: l, id: p.id, name: p.name });
      parentId = p.parent_id;
      l = PARENT[l];
    }
    return out;
  }

  private async checkFields(trx: Trx, level: AdminLevel, f: NodeFields, selfId: number | null) {
    const { catalogue } = this.deps;
    const errors: Record<string, string> = {};
    const parentLevel = PARENT[level];
    if (parentLevel && (!f.parent_id || !(await catalogue.node(parentLevel, f.parent_id, trx)))) errors.parent_id = catalogueMessages.badParent;
    if (level === 'subcategory' && f.team_id && !(await catalogue.teamExists(trx, f.team_id))) errors.team_id = catalogueMessages.badTeam;
    if (nameTaken(await catalogue.siblingNames(trx, level, f.parent_id ?? null), f.name, selfId)) errors.name = catalogueMessages.duplicate;
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  }

  async create(actorId: number, level: AdminLevel, f: NodeFields): Promise<number> {
    const { db, catalogue, audit } = this.deps;
    return db.transaction(async (trx) => {
      await this.checkFields(trx, level, f, null);
      const row = toRow(level, f);
      const id = await catalogue.insert(trx, level, row);
      await audit.record(trx, { actorId, action: 'create', entity: level, entityId: id, after: row }, this.deps.now());
      await catalogue.reindex(trx);
      return id;
    });
  }

  async update(actorId: number, level: AdminLevel, id: number, f: NodeFields): Promise<void> {
    const { db, catalogue, audit } = this.deps;
    await db.transaction(async (trx) => {
      const before = await catalogue.node(level, id, trx);
      if (!before) throw new NotFoundError();
      await this.checkFields(trx, level, f, id);
      const row = toRow(level, f);
      await catalogue.update(trx, level, id, row);
      await audit.record(trx, { actorId, action: 'update', entity: level, entityId: id, before, after: row }, this.deps.now());
      await catalogue.reindex(trx);
    });
  }

  /** Delete only what nothing uses; anything referenced is deactivated instead. */
  async remove(actorId: number, level: AdminLevel, id: number): Promise<void> {
    const { db, catalogue, audit } = this.deps;
    await db.transaction(async (trx) => {
      const before = await catalogue.node(level, id, trx);
      if (!before) throw new NotFoundError();
      const tickets = await catalogue.ticketCount(level, id, trx);
      if (tickets > 0) throw new ConflictError(catalogueMessages.inUse(tickets));
      if (await catalogue.hasChildren(trx, level, id)) throw new ConflictError(catalogueMessages.hasChildren);
      if (level === 'service' && (await catalogue.hasArticles(trx, id))) throw new ConflictError(catalogueMessages.hasArticles);
      await catalogue.remove(trx, level, id);
      await audit.record(trx, { actorId, action: 'delete', entity: level, entityId: id, before }, this.deps.now());
      await catalogue.reindex(trx);
    });
  }
}
