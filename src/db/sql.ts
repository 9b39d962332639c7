import type { Knex } from 'knex';
import sql, { empty, join, raw, type Sql } from 'sql-template-tag';

// Guichet's one query style: every statement is SQL text built with the `sql` tag, its values
// bound (`?`), run by a repo through Database (src/db/database.ts). Only our own names and
// constants go in raw, each checked.

export { sql, empty, join, raw, type Sql };

/** `column IN (…values)`; with no value, a condition that is never true. */
export function inList(column: string, values: readonly unknown[]): Sql {
  return values.length === 0 ? sql`1 = 0` : sql`${raw(identifier(column))} IN (${join(values, ', ')})`;
}

/** `column NOT IN (…values)`; with no value, a condition that is always true. */
export function notInList(column: string, values: readonly unknown[]): Sql {
  return values.length === 0 ? sql`1 = 1` : sql`${raw(identifier(column))} NOT IN (${join(values, ', ')})`;
}

/** Conditions joined by OR, each in parentheses; with none, a condition that is never true. */
export function anyOf(conditions: readonly Sql[]): Sql {
  return conditions.length === 0 ? sql`1 = 0` : join(conditions.map((c) => sql`(${c})`), ' OR ');
}

/** Conditions joined by AND, each in parentheses; with none, a condition that is always true. */
export function allOf(conditions: readonly Sql[]): Sql {
  return conditions.length === 0 ? sql`1 = 1` : join(conditions.map((c) => sql`(${c})`), ' AND ');
}

/** A column, table or alias of ours (`t.status`, `ouverts`), checked: it goes into the text as it is. */
export function identifier(name: string): string {
  if (!/^[a-z_]+(\.[a-z_]+)?$/.test(name)) throw new Error(`not an identifier: ${name}`);
  return name;
}

/** A column or table name of ours, as a fragment. */
export const name = (n: string): Sql => raw(identifier(n));

/** A value checked to be one of our own constants, written into the text (what a partial index's WHERE needs). */
export function constant(value: string): Sql {
  if (!/^[A-Za-z_]+$/.test(value)) throw new Error(`not a constant: ${value}`);
  return raw(`'${value}'`);
}

/** Every value given to a statement: a missing one is a mistake, not a default. */
function defined(table: string, column: string, value: unknown): unknown {
  if (value === undefined) throw new Error(`no value for ${table}.${column}`);
  return value;
}

/**
 * `INSERT INTO table (columns) VALUES (…), (…)`: the columns are the first row's keys, every
 * row gives each of them a value (null, not undefined).
 */
export function insertRows(table: string, rows: readonly object[]): Sql {
  if (rows.length === 0) throw new Error('no row to insert');
  const columns = Object.keys(rows[0]).map(identifier);
  const values = rows.map((r) => {
    const row = r as Record<string, unknown>;
    if (Object.keys(row).length !== columns.length) throw new Error(`rows of ${table} with different columns`);
    return sql`(${join(columns.map((c) => defined(table, c, row[c])), ', ')})`;
  });
  return sql`INSERT INTO ${name(table)} (${raw(columns.join(', '))}) VALUES ${join(values, ', ')}`;
}

/** `column = value, …` for an UPDATE, from an object's own keys. */
export function assignments(table: string, fields: object): Sql {
  const entries = Object.entries(fields);
  if (entries.length === 0) throw new Error(`nothing to update in ${table}`);
  return join(entries.map(([column, value]) => sql`${name(column)} = ${defined(table, column, value)}`), ', ');
}

/** A whole number written into the text, for LIMIT and OFFSET: planners read a written LIMIT better than a bound one. */
export function wholeNumber(n: number): Sql {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a whole number: ${n}`);
  return raw(String(n));
}

/** Where a statement runs: a connection pool, or a transaction. */
export type Executor = Knex | Knex.Transaction;

/**
 * Run one statement and give its rows (those of RETURNING for a write), whatever the engine:
 * knex hands SQLite's rows as they are and PostgreSQL's inside a result.
 */
export async function rowsOf<T>(on: Executor, q: Sql): Promise<T[]> {
  // Knex reads `??` as an identifier to bind: two values side by side would be misread.
  if (q.sql.includes('??')) throw new Error('two bound values side by side');
  const result: unknown = await on.raw(q.sql, q.values as Knex.RawBinding[]);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
