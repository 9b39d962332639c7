import type { CatalogueRow, Level, NodeSummary, SubcategoryPath } from './catalogue.repo.js';

/** One node of the catalogue as the database holds it (the JSON the repo reads). */
export interface StoredNode {
  id: number;
  parentId?: number;
  name: string;
  position: number;
  active: number | boolean;
}

export interface StoredSubcategory extends StoredNode {
  parentId: number;
  teamId: number | null;
  types: string;
  acceptsIncident: number | boolean;
  acceptsRequest: number | boolean;
}

export interface StoredCatalogue {
  version: number;
  domains: StoredNode[];
  groups: StoredNode[];
  families: StoredNode[];
  services: StoredNode[];
  subcategories: StoredSubcategory[];
}

interface CatalogueNode {
  id: number;
  name: string;
  position: number;
  parentId: number | null;
  active: boolean;
}

interface Entry {
  path: SubcategoryPath;
  /** The five nodes, domain first. */
  chain: [CatalogueNode, CatalogueNode, CatalogueNode, CatalogueNode, CatalogueNode];
}

const DEPTH: Record<Level | 'subcategory', number> = { domain: 0, group: 1, family: 2, service: 3, subcategory: 4 };

const byPositionThenName = (a: CatalogueNode, b: CatalogueNode) => a.position - b.position || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Catalogue order: by position at each level, parents first; ids break ties so that siblings stay together. */
function catalogueOrder(a: Entry, b: Entry): number {
  for (let i = 0; i < 5; i++) {
    const d = a.chain[i].position - b.chain[i].position || a.chain[i].id - b.chain[i].id;
    if (d !== 0) return d;
  }
  return 0;
}

function toRow(p: SubcategoryPath): CatalogueRow {
  const { subcategoryId, domain, group, family, service, subcategory, acceptsIncident, acceptsRequest } = p;
  return { subcategoryId, domain, group, family, service, subcategory, acceptsIncident, acceptsRequest };
}

function toNode(n: StoredNode): CatalogueNode {
  return { id: n.id, name: n.name, position: n.position, parentId: n.parentId ?? null, active: !!n.active };
}

/**
 * The whole catalogue at one version, in memory: the five levels joined once, then every search
 * and browse step is a filter over a few hundred entries. Answers are copies; the snapshot never changes.
 */
export class CatalogueSnapshot {
  readonly version: number;
  private readonly levels: Record<Level, Map<number, CatalogueNode>>;
  /** Every sub-category whose whole path exists, in catalogue order. */
  private readonly entries: Entry[];
  private readonly byId: Map<number, Entry>;

  constructor(stored: StoredCatalogue) {
    this.version = stored.version;
    const index = (nodes: StoredNode[]) => new Map(nodes.map((n) => [n.id, toNode(n)]));
    this.levels = { domain: index(stored.domains), group: index(stored.groups), family: index(stored.families), service: index(stored.services) };
    this.entries = [];
    for (const s of stored.subcategories) {
      const v = this.levels.service.get(s.parentId);
      const f = v && this.levels.family.get(v.parentId ?? -1);
      const g = f && this.levels.group.get(f.parentId ?? -1);
      const d = g && this.levels.domain.get(g.parentId ?? -1);
      if (!v || !f || !g || !d) continue;
      const sub = toNode(s);
      this.entries.push({
        chain: [d, g, f, v, sub],
        path: {
          subcategoryId: s.id, domain: d.name, group: g.name, family: f.name, service: v.name, subcategory: s.name,
          acceptsIncident: !!s.acceptsIncident, acceptsRequest: !!s.acceptsRequest,
          serviceId: v.id, familyId: f.id, groupId: g.id, domainId: d.id, teamId: s.teamId ?? null,
          establishmentTypes: String(s.types).split(',').filter(Boolean),
          active: sub.active && v.active && f.active && g.active && d.active,
        },
      });
    }
    this.entries.sort(catalogueOrder);
    this.byId = new Map(this.entries.map((e) => [e.path.subcategoryId, e]));
  }

  /** The sub-categories a user may file on: active down the whole path, offered to one of the user's establishment types. */
  private visible(types: readonly string[]): Entry[] {
    return this.entries.filter((e) => e.path.active && e.path.establishmentTypes.some((t) => types.includes(t)));
  }

  /** The visible sub-categories among `ids` (what the full-text index matched), paged. */
  search(ids: ReadonlySet<number>, types: readonly string[], limit: number, offset: number): { rows: CatalogueRow[]; total: number } {
    const found = this.visible(types).filter((e) => ids.has(e.path.subcategoryId));
    return { rows: found.slice(offset, offset + limit).map((e) => toRow(e.path)), total: found.length };
  }

  /** Children of a node (or the domains), keeping only those with a visible sub-category below. */
  children(level: Level | null, parentId: number | null, types: readonly string[]): NodeSummary[] {
    const childDepth = level === null ? 0 : DEPTH[level] + 1;
    const seen = new Map<number, CatalogueNode>();
    for (const e of this.visible(types)) {
      if (level !== null && e.chain[DEPTH[level]].id !== parentId) continue;
      const child = e.chain[childDepth];
      seen.set(child.id, child);
    }
    return [...seen.values()].sort(byPositionThenName).map((n) => ({ id: n.id, name: n.name }));
  }

  /** The visible sub-categories of a service, as catalogue rows (for the last browse step). */
  subcategoriesOfService(serviceId: number, types: readonly string[]): CatalogueRow[] {
    return this.visible(types).filter((e) => e.path.serviceId === serviceId).map((e) => toRow(e.path));
  }

  /** One node of the upper levels, active or not (for breadcrumbs). */
  node(level: Level, id: number): (NodeSummary & { parentId: number | null; active: boolean }) | undefined {
    const n = this.levels[level].get(id);
    return n && { id: n.id, name: n.name, parentId: n.parentId, active: n.active };
  }

  /** A sub-category with its whole path, whatever its state (the caller decides what to allow). */
  subcategoryPath(id: number): SubcategoryPath | undefined {
    const e = this.byId.get(id);
    return e && { ...e.path, establishmentTypes: [...e.path.establishmentTypes] };
  }
}
