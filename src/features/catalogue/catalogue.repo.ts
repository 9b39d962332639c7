import type { Database } from '../../db/database.js';
import { searchWords } from '../../db/dialect.js';
import { CatalogueSnapshot } from './catalogue-snapshot.js';
import { name, sql, type Sql } from '../../db/sql.js';

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

/** The catalogue's version: triggers on its five tables move it, whoever writes (migration 20261202100000). */
const VERSION = sql`(SELECT version FROM cache_versions WHERE name = 'catalogue')`;

/** What the full-text index holds of each sub-category: its path's names and its keywords. */
export const CATALOGUE_DOCUMENTS = sql`
  SELECT s.id, d.name, g.name, f.name, v.name, s.name, s.keywords
  FROM cat_subcategories AS s
  JOIN cat_services AS v ON v.id = s.parent_id
  JOIN cat_families AS f ON f.id = v.parent_id
  JOIN cat_groups AS g ON g.id = f.parent_id
  JOIN cat_domains AS d ON d.id = g.parent_id`;

type LoadedRow = { version: number } & Record<'domains' | 'groups' | 'families' | 'services' | 'subcategories', unknown>;

/**
 * The catalogue is a few hundred rows, read on every search and browse step and written a few
 * times a year: it is kept in memory and read again when its version is no longer the one kept.
 */
export class CatalogueRepo {
  private kept: CatalogueSnapshot | null = null;
  private readonly load: Sql;

  constructor(private readonly db: Database) {
    const d = db.dialect;
    // A level's nodes as one JSON array; `more` adds the columns beyond those every level has.
    const nodes = (table: string, more: Record<string, Sql> = { parentId: sql`parent_id` }) =>
      d.jsonArray(d.jsonObject({ id: sql`id`, name: sql`name`, position: sql`position`, active: sql`active`, ...more }), sql`FROM ${name(table)}`);
    // The whole catalogue and its version in one statement, so both come from the same moment.
    this.load = sql`
      SELECT ${VERSION} AS version, ${nodes('cat_domains', {})} AS domains, ${nodes('cat_groups')} AS groups,
        ${nodes('cat_families')} AS families, ${nodes('cat_services')} AS services,
        ${nodes('cat_subcategories', {
          parentId: sql`parent_id`, teamId: sql`team_id`, types: sql`establishment_types`, acceptsIncident: sql`accepts_incident`, acceptsRequest: sql`accepts_request`,
        })} AS subcategories`;
  }

  /** The catalogue as it is now. */
  async current(): Promise<CatalogueSnapshot> {
    const row = await this.db.first<{ version: number }>(sql`SELECT ${VERSION} AS version`);
    return this.at(row!.version);
  }

  private async at(version: number): Promise<CatalogueSnapshot> {
    if (this.kept?.version === version) return this.kept;
    const row = (await this.db.first<LoadedRow>(this.load))!;
    const json = <T>(v: unknown) => this.db.dialect.parseJson<T>(v);
    const snapshot = new CatalogueSnapshot({
      version: row.version,
      domains: json(row.domains), groups: json(row.groups), families: json(row.families), services: json(row.services), subcategories: json(row.subcategories),
    });
    this.kept = snapshot;
    return snapshot;
  }

  /** Keyword search through the full-text index (accent- and case-insensitive, each word a prefix), paged. */
  async search(input: string, types: readonly string[], limit: number, offset: number): Promise<{ rows: CatalogueRow[]; total: number }> {
    const words = searchWords(input);
    if (words.length === 0 || types.length === 0) return { rows: [], total: 0 };
    const d = this.db.dialect;
    // The matches and the version in one statement: one round trip when the kept catalogue is current.
    const row = (await this.db.first<{ version: number; ids: unknown }>(
      sql`SELECT ${VERSION} AS version, ${d.jsonArray(sql`m.id`, sql`FROM (${d.fullTextIds('catalogue', words)}) AS m`)} AS ids`,
    ))!;
    return (await this.at(row.version)).search(new Set(d.parseJson<number[]>(row.ids)), types, limit, offset);
  }

  /** A sub-category with its whole path, whatever its state (the service decides what to allow). */
  async subcategoryPath(id: number): Promise<SubcategoryPath | undefined> {
    return (await this.current()).subcategoryPath(id);
  }
}
