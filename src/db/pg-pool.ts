import type { Knex } from 'knex';
import pg from 'pg';
import { sql, type Sql } from './sql.js';

/** Statement texts that get a name: past them (IN lists of every length), statements run unnamed. */
const NAMED_STATEMENTS = 200;
const BEGIN = sql`BEGIN`;
const COMMIT = sql`COMMIT`;
const ROLLBACK = sql`ROLLBACK`;

/**
 * Statements straight on a pg pool, without Knex's query runner. Each text is a named statement:
 * PostgreSQL parses it once per connection, and after a few runs keeps one plan for it instead of
 * planning every run, which costs more than running most of Guichet's statements. Whoever listens
 * to `events`' "query" (the Knex beside it, for the tests) still hears every one.
 */
export class PgPool {
  private readonly pool: pg.Pool;
  private readonly names = new Map<string, string>();
  private renamed = 0;

  constructor(
    url: string,
    size: number,
    private readonly events: Knex,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: size, application_name: 'guichet', connectionTimeoutMillis: 10_000 });
    // A connection lost while idle: the pool drops it and opens another when asked.
    this.pool.on('error', () => undefined);
  }

  /** One statement on a connection of the pool. */
  async all<T>(q: Sql): Promise<T[]> {
    try {
      return (await this.pool.query(this.config(q))).rows as T[];
    } catch (err) {
      // Another process migrated the schema under a kept statement: prepared again, under a new name.
      if (!this.stale(err, q)) throw err;
      return (await this.pool.query(this.config(q))).rows as T[];
    }
  }

  /** `work` on one connection between BEGIN and COMMIT; ROLLBACK when it fails. */
  async transaction<T>(work: (run: (q: Sql) => Promise<unknown[]>) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection lost while checked out: its statement fails, and the client says so too.
    const onError = () => undefined;
    client.on('error', onError);
    // A connection that failed BEGIN, COMMIT or ROLLBACK other than by an SQL error is lost: the
    // pool must not hand it to anyone else.
    let lost: Error | undefined;
    const control = (q: Sql) =>
      client.query(this.config(q)).catch((err: Error) => {
        if (!(err instanceof pg.DatabaseError)) lost = err;
        throw err;
      });
    try {
      await control(BEGIN);
      let result: T;
      try {
        result = await work(async (q) => (await client.query(this.config(q)).catch((err: unknown) => { this.stale(err, q); throw err; })).rows);
      } catch (err) {
        await control(ROLLBACK).catch(() => undefined);
        throw err;
      }
      await control(COMMIT);
      return result;
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  /** Connections in use or awaited. */
  busy(): boolean {
    return this.pool.totalCount - this.pool.idleCount + this.pool.waitingCount > 0;
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  /**
   * "cached plan must not change result type": the statement's tables changed since it was
   * prepared (a migration by another process). Its name is given up, so that every connection
   * prepares the text again; true when that was the error.
   */
  private stale(err: unknown, q: Sql): boolean {
    if (!(err instanceof pg.DatabaseError) || err.code !== '0A000' || !/cached plan/.test(err.message)) return false;
    if (this.names.has(q.text)) this.names.set(q.text, `guichet_${++this.renamed}_${this.names.size}`);
    return true;
  }

  private config(q: Sql): pg.QueryConfig {
    if (q.values.some((v) => v === undefined)) throw new Error(`Undefined binding(s) in: ${q.sql}`);
    if (this.events.listenerCount('query') > 0) this.events.emit('query', { sql: q.text, bindings: q.values });
    let name = this.names.get(q.text);
    if (!name && this.names.size < NAMED_STATEMENTS) this.names.set(q.text, (name = `guichet_0_${this.names.size + 1}`));
    return { name, text: q.text, values: q.values };
  }
}
