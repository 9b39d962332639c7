// Knex's SQLite client, with each connection keeping its prepared statements.
// @ts-expect-error: knex ships no types for its dialect modules.
import Client_SQLite3 from 'knex/lib/dialects/sqlite3/index.js';

/** What Guichet uses of a node-sqlite3 statement. */
interface Statement {
  all(params: unknown[], cb: (this: Statement, err: Error | null, rows: unknown[]) => void): void;
  run(params: unknown[], cb: (this: Statement & { lastID: number; changes: number }, err: Error | null) => void): void;
  reset(cb?: () => void): void;
  finalize(cb?: () => void): void;
}
interface Connection {
  prepare(sql: string, cb: (err: Error | null) => void): Statement;
}
interface QueryObject {
  sql: string;
  bindings?: unknown[];
  method?: string;
  returning?: unknown;
  response?: unknown;
  context?: { lastID?: number; changes?: number };
}

/** Statements kept per connection; the least recently used is finalized beyond this. */
const KEPT = 200;
/** Per connection, not per client: knex runs a transaction's queries through a copy of the client. */
const kept = new WeakMap<Connection, Map<string, Promise<Statement>>>();

/**
 * node-sqlite3's `Database#all` prepares, runs and finalizes a statement at each query: three
 * trips through the thread pool, and as many callbacks on the main thread. A page runs the same
 * few statements over and over, so each connection keeps them prepared (least recently used
 * first out) and a query is one trip. Statements run to completion, so a kept one holds no lock;
 * one stopped by an error is reset. All are finalized before the connection closes.
 */
const KnexSqliteClient = Client_SQLite3 as new (config: unknown) => {
  destroyRawConnection(connection: Connection): Promise<void>;
  acquireConnection(): Promise<Connection>;
  releaseConnection(connection: Connection): Promise<void>;
  query(connection: Connection, obj: QueryObject): Promise<QueryObject>;
};

export class CachedStatementsClient extends KnexSqliteClient {
  private statement(connection: Connection, sql: string): Promise<Statement> {
    let cache = kept.get(connection);
    if (!cache) kept.set(connection, (cache = new Map()));
    let ready = cache.get(sql);
    if (ready) {
      // Most recently used last.
      cache.delete(sql);
      cache.set(sql, ready);
      return ready;
    }
    ready = new Promise<Statement>((resolve, reject) => {
      const stmt = connection.prepare(sql, (err) => {
        if (err) {
          cache.delete(sql);
          reject(err);
        } else resolve(stmt);
      });
    });
    cache.set(sql, ready);
    if (cache.size > KEPT) this.drop(cache, cache.keys().next().value as string);
    return ready;
  }

  private drop(cache: Map<string, Promise<Statement>>, sql: string): void {
    const ready = cache.get(sql);
    cache.delete(sql);
    ready?.then((s) => s.finalize(), () => {});
  }

  async _query(connection: Connection, obj: QueryObject): Promise<QueryObject> {
    if (!obj.sql) throw new Error('The query is empty');
    // As knex's own client: a write without RETURNING answers with lastID/changes, anything else with rows.
    const write = obj.method === 'counter' || obj.method === 'del' || ((obj.method === 'insert' || obj.method === 'update') && !obj.returning);
    const stmt = await this.statement(connection, obj.sql);
    const bindings = obj.bindings ?? [];
    return new Promise<QueryObject>((resolve, reject) => {
      const failed = (err: Error) => {
        // A statement stopped by an error may still hold its read lock until it is reset.
        stmt.reset();
        reject(err);
      };
      if (!write) {
        stmt.all(bindings, function (err, result) {
          if (err) return failed(err);
          obj.response = result;
          resolve(obj);
        });
      } else {
        stmt.run(bindings, function (err) {
          if (err) return failed(err);
          // Copied now: the statement object is shared by the next run.
          obj.context = { lastID: this.lastID, changes: this.changes };
          resolve(obj);
        });
      }
    });
  }

  /**
   * A statement outside any transaction, on a connection of the pool: what knex's runner does for
   * `db.raw()` (the same `query` event, bindings and error message), without building a query
   * object first. About 20 µs of the main thread less per statement (37 against 60 µs, a
   * primary-key select under 10 concurrent callers), and a page runs one to five of them.
   */
  async rows(sql: string, bindings: unknown[]): Promise<unknown[]> {
    const connection = await this.acquireConnection();
    try {
      const obj = await this.query(connection, { sql, bindings, method: 'raw' });
      return obj.response as unknown[];
    } finally {
      await this.releaseConnection(connection);
    }
  }

  override async destroyRawConnection(connection: Connection): Promise<void> {
    const cache = kept.get(connection);
    if (cache) {
      const statements = await Promise.allSettled([...cache.values()]);
      cache.clear();
      await Promise.all(statements.map((s) => (s.status === 'fulfilled' ? new Promise<void>((done) => s.value.finalize(() => done())) : undefined)));
    }
    return super.destroyRawConnection(connection);
  }
}
