import type { Knex } from 'knex';
import { toFtsQuery } from './catalogue-index.js';
import { CatalogueSnapshot } from './catalogue-snapshot.js';
import { identifier, raw, rowsOf, sql, type Sql } from '../../db/sql.js';

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

/** The catalogue's version: triggers on its five tables move it (migration 20261126100000). */
const VERSION = raw('(SELECT version FROM catalogue_version WHERE id = 1)');

/** A level's nodes as one JSON array; `more` adds the columns beyond those every level has. */
function nodesOf(table: string, more = `'parentId', parent_id`): Sql {
  return raw(`(SELECT json_group_array(json_object('id', id, 'name', name, 'position', position, 'active', active, ${more})) FROM ${identifier(table)})`);
}

/** The whole catalogue and its version in one statement, so both come from the same moment. */
const LOAD_CATALOGUE = sql`
  SELECT ${VERSION} AS version, ${nodesOf('cat_domains', `'parentId', NULL`)} AS domains, ${nodesOf('cat_groups')} AS groups,
    ${nodesOf('cat_families')} AS families, ${nodesOf('cat_services')} AS services,
    ${nodesOf('cat_subcategories', `'parentId', parent_id, 'teamId', team_id, 'types', establishment_types, 'acceptsIncident', accepts_incident, 'acceptsRequest', accepts_request`)} AS subcategories`;

type LoadedRow = { version: number } & Record<'domains' | 'groups' | 'families' | 'services' | 'subcategories', string>;

/**
 * The catalogue is a few hundred rows, read on every search and browse step and written a few
 * times a year: it is kept in memory and read again when its version (moved by triggers on the
 * five tables, whoever writes) is no longer the one kept.
 */
export class CatalogueRepo {
  private kept: CatalogueSnapshot | null = null;

  constructor(private readonly db: Knex) {}

  /** The catalogue as it is now. */
  async current(): Promise<CatalogueSnapshot> {
    const [{ version }] = await rowsOf<{ version: number }>(this.db, sql`SELECT ${VERSION} AS version`);
    return this.at(version);
  }

  private async at(version: number): Promise<CatalogueSnapshot> {
    if (this.kept?.version === version) return this.kept;
    const [row] = await rowsOf<LoadedRow>(this.db, LOAD_CATALOGUE);
    const snapshot = new CatalogueSnapshot({
      version: row.version,
      domains: JSON.parse(row.domains), groups: JSON.parse(row.groups), families: JSON.parse(row.families),
      services: JSON.parse(row.services), subcategories: JSON.parse(row.subcategories),
    });
    this.kept = snapshot;
    return snapshot;
  }

  /** Keyword search through the FTS index (accent- and case-insensitive), paged. */
  async search(input: string, types: readonly string[], limit: number, offset: number): Promise<{ rows: CatalogueRow[]; total: number }> {
    const match = toFtsQuery(input);
    if (!match || types.length === 0) return { rows: [], total: 0 };
    // The matches and the version in one statement: one round trip when the kept catalogue is current.
    const [{ version, ids }] = await rowsOf<{ version: number; ids: string }>(
      this.db,
      sql`SELECT ${VERSION} AS version,
                 (SELECT json_group_array(rowid) FROM catalogue_fts WHERE catalogue_fts MATCH ${match}) AS ids`,
    );
    return (await this.at(version)).search(new Set(JSON.parse(ids) as number[]), types, limit, offset);
  }

  /** A sub-category with its whole path, whatever its state (the service decides what to allow). */
  async subcategoryPath(id: number): Promise<SubcategoryPath | undefined> {
    return (await this.current()).subcategoryPath(id);
  }
}
