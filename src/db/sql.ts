import type { Knex } from 'knex';
import sql, { join, raw, type Sql } from 'sql-template-tag';
import { CachedStatementsClient } from './sqlite-client.js';

// SQL written as text, with its values bound: for the few statements every list page sends,
// where building them with Knex's query builder cost more than running them (about 1 ms a page).
// Values always go in as `?` bindings; only our own identifiers and constants go in raw.

export { sql, join, raw, type Sql };

/** `column IN (…values)`; with no value, a condition that is never true (as Knex's whereIn). */
export function inList(column: string, values: readonly unknown[]): Sql {
  return values.length === 0 ? sql`1 = 0` : sql`${raw(identifier(column))} IN (${join(values, ', ')})`;
}

/** `column NOT IN (…values)`; with no value, a condition that is always true (as Knex's whereNotIn). */
export function notInList(column: string, values: readonly unknown[]): Sql {
  return values.length === 0 ? sql`1 = 1` : sql`${raw(identifier(column))} NOT IN (${join(values, ', ')})`;
}

/** Conditions joined by OR, each in parentheses; with none, a condition that is never true. */
export function anyOf(conditions: readonly Sql[]): Sql {
  return conditions.length === 0 ? sql`1 = 0` : join(conditions.map((c) => sql`(${c})`), ' OR ');
}

/** Conditions joined by AND, each in parentheses. */
export function allOf(conditions: readonly Sql[]): Sql {
  return join(conditions.map((c) => sql`(${c})`), ' AND ');
}

/** A column or alias of ours (`t.status`, `ouverts`), checked: it goes into the text as it is. */
export function identifier(name: string): string {
  if (!/^[a-z_]+(\.[a-z_]+)?$/.test(name)) throw new Error(`not an identifier: ${name}`);
  return name;
}

/**
 * `INSERT INTO table (columns) VALUES (…), (…)`: the columns are the first row's keys, every
 * row gives each of them a value (null, not undefined: a missing one is a mistake, not a default).
 */
export function insertRows(table: string, rows: readonly Record<string, unknown>[]): Sql {
  if (rows.length === 0) throw new Error('no row to insert');
  const columns = Object.keys(rows[0]).map(identifier);
  const values = rows.map((row) => {
    if (Object.keys(row).length !== columns.length) throw new Error(`rows of ${table} with different columns`);
    return sql`(${join(columns.map((c) => {
      if (row[c] === undefined) throw new Error(`no value for ${table}.${c}`);
      return row[c];
    }), ', ')})`;
  });
  return sql`INSERT INTO ${raw(identifier(table))} (${raw(columns.join(', '))}) VALUES ${join(values, ', ')}`;
}

/**
 * A whole number written into the text, for LIMIT and OFFSET: SQLite plans a LIMIT it can read
 * better than a bound one (a list's page statement: 570 µs bound, 357 µs written).
 */
export function wholeNumber(n: number): Sql {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a whole number: ${n}`);
  return raw(String(n));
}

/** Run a statement on Knex's connection (its pool, its transaction, its query events). */
export function rowsOf<T>(db: Knex | Knex.Transaction, q: Sql): Promise<T[]> {
  return rowsOfText<T>(db, q.sql, q.values);
}

/** A value SQLite binds as it is (knex would refuse `undefined`, and spread a list). */
const plainValue = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || Buffer.isBuffer(v);

/** `rowsOf` for SQL text with `?` placeholders. Outside a transaction, straight to the pool's connection. */
export function rowsOfText<T>(db: Knex | Knex.Transaction, text: string, values: readonly unknown[]): Promise<T[]> {
  // Knex reads `??` as an identifier to bind: two values side by side would be misread.
  if (text.includes('??')) throw new Error('two bound values side by side');
  if (!db.isTransaction && db.client instanceof CachedStatementsClient && values.every(plainValue)) return db.client.rows(text, values as unknown[]) as Promise<T[]>;
  return db.raw(text, values as Knex.RawBinding[]) as unknown as Promise<T[]>;
}

/** Add a condition to a Knex query. */
export function whereSql<Q extends Knex.QueryBuilder>(qb: Q, condition: Sql): Q {
  return qb.whereRaw(condition.sql, condition.values as Knex.RawBinding[]) as Q;
}
