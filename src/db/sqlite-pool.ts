import type { Knex } from 'knex';
import { sql, type Sql } from './sql.js';

interface Statement {
  all(values: unknown[], done: (err: Error | null, rows: unknown[]) => void): void;
  finalize(done?: (err: Error | null) => void): void;
}
interface Connection {
  prepare(text: string, done: (err: Error | null) => void): Statement;
}
type Client = { acquireConnection(): Promise<Connection>; releaseConnection(c: Connection): Promise<void> };

const KEPT_STATEMENTS = 200;
const BEGIN = sql`BEGIN IMMEDIATE`;
const COMMIT = sql`COMMIT`;
const ROLLBACK = sql`ROLLBACK`;

/**
 * Statements on SQLite connections taken from a Knex pool: each is prepared once per
 * connection and kept (the most recent 200), and runs straight on the connection, without
 * Knex's query runner. Whoever listens to the pool's "query" events still hears every one. The
 * pool keeps its connections open (min = max): a statement kept would stop one from closing.
 */
export class SqlitePool {
  private readonly prepared = new Map<Connection, Map<string, Statement>>();

  constructor(private readonly pool: Knex) {}

  /** One statement on a connection of the pool. */
  async all<T>(q: Sql): Promise<T[]> {
    const conn = await this.client().acquireConnection();
    try {
      return await this.run<T>(conn, q);
    } finally {
      await this.client().releaseConnection(conn);
    }
  }

  /**
   * `work` on one connection between BEGIN IMMEDIATE and COMMIT. When a statement fails, SQLite
   * may already have rolled the transaction back by itself (a full disk): ROLLBACK then finds
   * nothing to undo, and the statement's own error is the one thrown.
   */
  async transaction<T>(work: (run: (q: Sql) => Promise<unknown[]>) => Promise<T>): Promise<T> {
    const conn = await this.client().acquireConnection();
    try {
      await this.run(conn, BEGIN);
      let result: T;
      try {
        result = await work((q) => this.run(conn, q));
      } catch (err) {
        await this.run(conn, ROLLBACK).catch(() => undefined);
        throw err;
      }
      await this.run(conn, COMMIT);
      return result;
    } finally {
      await this.client().releaseConnection(conn);
    }
  }

  /** Let every kept statement go, before the connections close (SQLite closes none that still has one). */
  async finalize(): Promise<void> {
    const all = [...this.prepared.values()].flatMap((kept) => [...kept.values()]);
    this.prepared.clear();
    await Promise.all(all.map((s) => new Promise((resolve) => s.finalize(resolve))));
  }

  private client(): Client {
    return this.pool.client as Client;
  }

  private async run<T>(conn: Connection, q: Sql): Promise<T[]> {
    if (q.values.some((v) => v === undefined)) throw new Error(`Undefined binding(s) detected when compiling RAW query: ${q.sql}`);
    if (this.pool.listenerCount('query') > 0) this.pool.emit('query', { sql: q.sql, bindings: q.values });
    const statement = await this.statement(conn, q.sql);
    return new Promise<T[]>((resolve, reject) => statement.all(q.values, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
  }

  private async statement(conn: Connection, text: string): Promise<Statement> {
    let kept = this.prepared.get(conn);
    if (!kept) this.prepared.set(conn, (kept = new Map()));
    const found = kept.get(text);
    if (found) {
      // Most recent last: the first one is the one to drop.
      kept.delete(text);
      kept.set(text, found);
      return found;
    }
    const statement = await new Promise<Statement>((resolve, reject) => {
      const s = conn.prepare(text, (err) => (err ? reject(err) : resolve(s)));
    });
    kept.set(text, statement);
    if (kept.size > KEPT_STATEMENTS) {
      const [oldest, dropped] = kept.entries().next().value as [string, Statement];
      kept.delete(oldest);
      dropped.finalize();
    }
    return statement;
  }
}
