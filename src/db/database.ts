import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { ROOT } from '../config.js';
import { dialectFor, type Dialect, type Engine } from './dialect.js';
import { sql, type Sql } from './sql.js';
import { PgPool } from './pg-pool.js';
import { SqlitePool } from './sqlite-pool.js';

/**
 * A transaction, passed down from the service that opened it to every repo it calls. Once one
 * of its statements has failed, it runs no other: on SQLite the failure may already have rolled
 * it back, and what came next would run outside any transaction.
 */
export class Trx {
  private failure: unknown = null;

  constructor(private readonly send: (q: Sql) => Promise<unknown[]>) {}

  async run<T>(q: Sql): Promise<T[]> {
    if (this.failure) throw new Error('a statement after a failed one in the same transaction', { cause: this.failure });
    try {
      return (await this.send(q)) as T[];
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  /** The error of a failed statement, for a transaction whose work went on as if nothing happened. */
  get failed(): unknown {
    return this.failure;
  }
}

/** What a service needs of the database: a transaction to run its repos' statements in. */
export interface Transactions {
  transaction<T>(work: (trx: Trx) => Promise<T>): Promise<T>;
}

/** Where the database is: a SQLite file, or a PostgreSQL server. */
export type DatabaseTarget = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };

export interface DatabaseOptions {
  /** Seeds read it: demo accounts only outside production. */
  demo?: boolean;
  /** SQLite's read-only connections beside the writer. */
  readConnections?: number;
  /** PostgreSQL's pool per process. */
  poolSize?: number;
}

/** PostgreSQL's advisory lock key of migrations and seeds (any number of Guichet's own). */
const MIGRATION_LOCK = 7_340_001;

/** The transaction the current code runs in, if any: a statement sent beside it is a mistake. */
const inTransaction = new AsyncLocalStorage<Trx>();

/**
 * The database: `knex` writes (and runs migrations); `reader` reads outside transactions. On
 * SQLite, the writer is one connection (writes never contend for the lock) and the reader a few
 * `query_only` ones beside it (WAL lets them read during a write). On PostgreSQL the app's
 * statements go to one pg pool, and `knex` (both names) keeps a connection or two for
 * migrations, seeds and the tests.
 */
export class Database implements Transactions {
  readonly dialect: Dialect;
  private readonly writer: SqlitePool | PgPool;
  private readonly sqliteReader: SqlitePool | null;

  constructor(
    readonly engine: Engine,
    readonly knex: Knex,
    readonly reader: Knex,
    pgPool?: PgPool,
  ) {
    this.dialect = dialectFor(engine);
    this.writer = pgPool ?? new SqlitePool(knex);
    this.sqliteReader = pgPool ? null : new SqlitePool(reader);
  }

  /** One transaction: its statements commit together or not at all. */
  async transaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    if (inTransaction.getStore()) throw new Error('a transaction inside a transaction: pass the outer one down');
    const inside = async (send: (q: Sql) => Promise<unknown[]>) => {
      const trx = new Trx(send);
      const result = await inTransaction.run(trx, () => work(trx));
      // A failed statement whose error the work caught: nothing of it may commit.
      if (trx.failed) throw trx.failed;
      return result;
    };
    return this.writer.transaction(inside);
  }

  /** A statement that reads: in `trx` when given, else on the read connections. */
  async select<T>(q: Sql, trx?: Trx): Promise<T[]> {
    if (trx) return trx.run<T>(q);
    this.assertOutsideTransaction();
    return (this.sqliteReader ?? this.writer).all<T>(q);
  }

  async first<T>(q: Sql, trx?: Trx): Promise<T | undefined> {
    return (await this.select<T>(q, trx))[0];
  }

  /** A statement that writes, in `trx` or alone; its rows are those of its RETURNING. */
  async execute<T = unknown>(q: Sql, trx?: Trx): Promise<T[]> {
    if (trx) return trx.run<T>(q);
    this.assertOutsideTransaction();
    return this.writer.all<T>(q);
  }

  /**
   * Inside a transaction every statement goes through it: beside it, a read would not see its
   * writes, and on SQLite a write would wait for the one writer it holds. (Also for what a cache
   * may answer without a statement.)
   */
  assertOutsideTransaction(): void {
    if (inTransaction.getStore()) throw new Error('a statement beside the transaction it runs in: pass the transaction down');
  }

  /** Bring the schema up to date, load the seeds (each is idempotent), refresh the planner's statistics. */
  async migrateAndSeed(): Promise<void> {
    const work = async () => {
      await this.knex.migrate.latest();
      await this.knex.seed.run();
    };
    // Several processes starting at once on one PostgreSQL: one migrates and seeds, the others
    // wait for it, then find nothing left to do.
    if (this.writer instanceof PgPool) {
      await this.writer.transaction(async (run) => {
        await run(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
        await work();
      });
    } else await work();
    await this.refreshPlannerStatistics();
  }

  async refreshPlannerStatistics(): Promise<void> {
    for (const q of this.dialect.plannerStatistics()) await this.execute(q);
  }

  /** Connections in use or awaited, for a shutdown that waits for the last request. */
  busy(): boolean {
    type Pool = { numUsed(): number; numPendingAcquires(): number } | undefined;
    if (this.writer instanceof PgPool && this.writer.busy()) return true;
    return [this.knex, this.reader].some((k) => {
      const pool = (k.client as { pool?: Pool }).pool;
      return !!pool && pool.numUsed() + pool.numPendingAcquires() > 0;
    });
  }

  async close(): Promise<void> {
    await this.sqliteReader?.finalize();
    await (this.writer instanceof PgPool ? this.writer.end() : this.writer.finalize());
    if (this.reader !== this.knex) await this.reader.destroy();
    await this.knex.destroy();
  }
}

const migrationsAndSeeds = {
  migrations: { directory: path.join(ROOT, 'dist', 'migrations'), loadExtensions: ['.js'] },
  seeds: { directory: path.join(ROOT, 'dist', 'seeds'), loadExtensions: ['.js'] },
};

type SqliteConnection = { exec: (sql: string, cb: (err: Error | null) => void) => void };

/** Knex on one SQLite file: `connections` in the pool, each opened with `pragmas`. */
function sqliteKnex(file: string, connections: number, pragmas: string): Knex.Config {
  return {
    client: 'sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    acquireConnectionTimeout: 10_000,
    pool: {
      min: connections,
      max: connections,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        conn.exec(pragmas, (err) => done(err, conn));
      },
    },
  };
}

// PostgreSQL hands counts (bigint) and averages (numeric) as text, and timestamps as Date
// objects; SQLite gives numbers and the ISO text Guichet wrote. Read alike on both.
const INT8 = 20, NUMERIC = 1700, TIMESTAMP = 1114, TIMESTAMPTZ = 1184;
pg.types.setTypeParser(INT8, (v) => Number(v));
pg.types.setTypeParser(NUMERIC, (v) => Number(v));
pg.types.setTypeParser(TIMESTAMPTZ, (v) => new Date(v).toISOString());
pg.types.setTypeParser(TIMESTAMP, (v) => new Date(v + 'Z').toISOString());

export function openDatabase(target: DatabaseTarget, opts: DatabaseOptions = {}): Database {
  const userParams = { demo: opts.demo ?? false };
  if (target.engine === 'postgres') {
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: target.url, application_name: 'guichet' },
      pool: { min: 0, max: 2 },
      acquireConnectionTimeout: 10_000,
      ...migrationsAndSeeds,
    }).withUserParams(userParams);
    return new Database('postgres', knex, knex, new PgPool(target.url, opts.poolSize ?? 10, knex));
  }
  fs.mkdirSync(path.dirname(target.file), { recursive: true });
  // WAL (reads beside the write), NORMAL sync (safe in WAL), foreign keys, a busy timeout.
  const writer = knexFactory({
    ...sqliteKnex(target.file, 1, 'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;'),
    ...migrationsAndSeeds,
  }).withUserParams(userParams);
  // Each read connection is `query_only`: a write sent there by mistake fails.
  const connections = opts.readConnections ?? Math.max(2, os.availableParallelism());
  const reader = knexFactory(sqliteKnex(target.file, connections, 'PRAGMA query_only = 1; PRAGMA busy_timeout = 5000;'));
  return new Database('sqlite', writer, reader);
}
