import type { CurrentUser } from '../auth/current-user.js';
import { ESTABLISHMENT_TYPES } from '../tickets/vocabulary.js';
import type { CatalogueRepo, CatalogueRow, Level, NodeSummary } from './catalogue.repo.js';
import { NotFoundError } from '../../http/errors.js';

/** The establishment types whose offers a user sees (all when attached to none). */
export function typesOf(user: CurrentUser): string[] {
  const types = [...new Set(user.establishments.map((e) => e.type))];
  return types.length > 0 ? types : [...ESTABLISHMENT_TYPES];
}

export interface BrowseStep {
  level: Level | null;
  node: NodeSummary | null;
  breadcrumb: Array<{ level: Level; id: number; name: string }>;
  children: NodeSummary[];
  /** At the service level: its sub-categories, with the two request kinds. */
  subcategories: CatalogueRow[] | null;
}

const PARENT: Record<Level, Level | null> = { domain: null, group: 'domain', family: 'group', service: 'family' };

export class CatalogueService {
  constructor(private readonly repo: CatalogueRepo) {}

  search(user: CurrentUser, q: string, limit: number, offset: number) {
    return this.repo.search(q, typesOf(user), limit, offset);
  }

  /** One step of "Nouveau ticket": Domaine → Groupe de famille → Famille de service → Service → Sous catégorie. */
  async browse(user: CurrentUser, level: Level | null, id: number | null): Promise<BrowseStep> {
    const types = typesOf(user);
    const catalogue = await this.repo.current();
    if (level === null || id === null) {
      return { level: null, node: null, breadcrumb: [], children: catalogue.children(null, null, types), subcategories: null };
    }
    const node = catalogue.node(level, id);
    if (!node || !node.active) throw new NotFoundError();
    const breadcrumb: BrowseStep['breadcrumb'] = [{ level, id: node.id, name: node.name }];
    let cursor: { level: Level; parentId: number | null } = { level, parentId: node.parentId };
    while (PARENT[cursor.level] && cursor.parentId !== null) {
      const parentLevel = PARENT[cursor.level] as Level;
      const parent = catalogue.node(parentLevel, cursor.parentId);
      if (!parent) break;
      breadcrumb.unshift({ level: parentLevel, id: parent.id, name: parent.name });
      cursor = { level: parentLevel, parentId: parent.parentId };
    }
    if (level === 'service') {
      const subs = catalogue.subcategoriesOfService(id, types);
      if (subs.length === 0) throw new NotFoundError();
      return { level, node, breadcrumb, children: [], subcategories: subs };
    }
    const children = catalogue.children(level, id, types);
    if (children.length === 0) throw new NotFoundError();
    return { level, node, breadcrumb, children, subcategories: null };
  }
}
