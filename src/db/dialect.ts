import type { Knex } from 'knex';
import type { Database, DatabaseTarget } from './database.js';
import type { Sql } from './sql.js';
import { sqliteDialect } from './sqlite.dialect.js';
import { postgresDialect } from './postgres.dialect.js';

// What only one engine understands, behind one interface: SQL written anywhere else is the
// same on SQLite and PostgreSQL. One module per engine implements it.

export type Engine = 'sqlite' | 'postgres';

/** The full-text indexes and the text columns each one searches, in their order. */
export const FULL_TEXT = {
  catalogue: { table: 'catalogue_fts', columns: ['domain', 'grp', 'family', 'service', 'subcategory', 'keywords'] },
  knowledge: { table: 'knowledge_fts', columns: ['title', 'body', 'keywords'] },
} as const;
export type FullTextIndex = keyof typeof FULL_TEXT;

/** A row trigger, as SQL both engines read: its statements may use NEW and OLD. */
export interface RowTrigger {
  name: string;
  table: string;
  /** 'INSERT', 'DELETE' or 'UPDATE OF a, b'. */
  event: string;
  when?: string;
  statements: string[];
}

/** What a backup copy holds, read from it (or from the snapshot it was taken from). */
export interface BackupContents {
  tickets: number;
  storedNames: string[];
}

export interface Dialect {
  readonly engine: Engine;

  /** A JSON array of `value` over the rows of `from` (FROM …), as one column; `[]` when there are none. */
  jsonArray(value: Sql, from: Sql): Sql;
  /** A JSON object of these named values. */
  jsonObject(fields: Record<string, Sql>): Sql;
  /** The whole number at `path` in a JSON column. */
  jsonInteger(column: Sql, path: readonly string[]): Sql;
  /** A JSON column's value as the driver hands it (text on SQLite, parsed on PostgreSQL). */
  parseJson<T>(value: unknown): T;
  /** The values of a group joined by `separator`. */
  stringAgg(value: Sql, separator: string): Sql;
  /** The UTC date (YYYY-MM-DD) of a timestamp column, as text; `length` 7 for the month (YYYY-MM). */
  utcDate(column: Sql, length: 10 | 7): Sql;
  /** A bound value typed as a column of this type (PostgreSQL types the values of a VALUES list as text). */
  typed(value: unknown, type: 'integer' | 'boolean' | 'timestamptz'): Sql;
  /** `value` contains `text`, letter case ignored (SQLite's LIKE ignores it; PostgreSQL's does not). */
  containsText(value: Sql, text: string): Sql;

  /** The ids whose document holds every word (each as a prefix), accents and case ignored. */
  fullTextIds(index: FullTextIndex, words: readonly string[]): Sql;
  /** Statements that index again every row of `source` (SELECT id, then the index's columns in order). */
  reindexAll(index: FullTextIndex, source: Sql): Sql[];
  /** Statements that index one row again (`values` in the index's column order). */
  reindexOne(index: FullTextIndex, id: number, values: readonly string[]): Sql[];
  /** The statement that takes one row out of an index. */
  unindex(index: FullTextIndex, id: number): Sql;

  /** After a claim's SELECT: rows another process claims at the same moment are left to it. */
  readonly skipLocked: Sql;
  /** Statements that refresh the planner's statistics, run after the migrations. */
  plannerStatistics(): Sql[];

  /** For migrations: a full-text index's table. */
  createFullTextTable(knex: Knex, index: FullTextIndex): Promise<void>;
  /** For migrations: a column the database computes from others (and keeps). */
  addGeneratedColumn(knex: Knex, table: string, column: string, type: 'integer', expression: string): Promise<void>;
  createRowTrigger(knex: Knex, trigger: RowTrigger): Promise<void>;
  dropRowTrigger(knex: Knex, trigger: Pick<RowTrigger, 'name' | 'table'>): Promise<void>;
  /** A ticket's reference from its id (`R-001678`): the database writes it, nothing else does. */
  ticketRef(id: string): string;

  /** The name of the database's copy in a backup folder. */
  readonly backupFile: string;
  /** A consistent copy of the whole database into `file`, taken while Guichet serves. */
  backup(db: Database, file: string): Promise<BackupContents>;
  /** Check a copy is whole and readable; what it holds, when the copy itself tells. */
  inspectBackup(file: string): Promise<BackupContents | null>;
  /** Put a copy in place of the database (Guichet stopped), what was there kept in the folder `aside`. */
  restore(target: DatabaseTarget, file: string, aside: string, opts: { force: boolean }): Promise<void>;
}

export function dialectFor(engine: Engine): Dialect {
  return engine === 'postgres' ? postgresDialect : sqliteDialect;
}

/** The dialect of a knex instance (migrations and seeds receive only knex). */
export function dialectOf(knex: Knex): Dialect {
  return dialectFor(knex.client.config.client === 'pg' ? 'postgres' : 'sqlite');
}

/** The words of what a user typed, for a full-text search: letters and digits only, twelve at most. */
export function searchWords(input: string): string[] {
  return input
    .normalize('NFC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 12);
}
