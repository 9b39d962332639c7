import type { Knex } from 'knex';

export interface CapturedQuery {
  sql: string;
  bindings: unknown[];
}

/** Every statement the app sent to these database instances while `fn` ran, with its bindings, and what `fn` returned. */
export async function queriesDuring<T>(dbs: Knex[], fn: () => Promise<T>): Promise<{ queries: CapturedQuery[]; result: T }> {
  const queries: CapturedQuery[] = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => queries.push({ sql: q.sql, bindings: q.bindings ?? [] });
  dbs = [...new Set(dbs)];
  for (const db of dbs) db.on('query', listener);
  try {
    return { queries, result: await fn() };
  } finally {
    for (const db of dbs) db.off('query', listener);
  }
}
