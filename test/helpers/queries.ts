import type { Knex } from 'knex';

export interface CapturedQuery {
  sql: string;
  bindings: unknown[];
}

/** Every statement the app sends to these database instances until stop(), with its bindings. */
export function captureQueries(...dbs: Knex[]): { queries: CapturedQuery[]; stop: () => void } {
  const queries: CapturedQuery[] = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => queries.push({ sql: q.sql, bindings: q.bindings ?? [] });
  for (const db of dbs) db.on('query', listener);
  return { queries, stop: () => { for (const db of dbs) db.off('query', listener); } };
}
