import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import knexFactory, { type Knex } from 'knex';
import { ROOT } from '../config.js';
import { CachedStatementsClient } from './sqlite-client.js';

type SqliteConnection = { exec: (sql: string, cb: (err: Error | null) => void) => void };

/** Knex on one SQLite file: `connections` in the pool, each opened with `pragmas`. */
function sqliteKnex(dbFile: string, connections: number, pragmas: string): Knex.Config {
  return {
    client: CachedStatementsClient as unknown as Knex.Config['client'],
    connection: { filename: dbFile },
    useNullAsDefault: true,
    acquireConnectionTimeout: 10_000,
    pool: {
      min: 1,
      max: connections,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        conn.exec(pragmas, (err) => done(err, conn));
      },
    },
  };
}

/** Build the Knex instance on one SQLite file, tuned as for a server: the one writer. */
export function createKnex(dbFile: string, userParams: { demo: boolean } = { demo: false }): Knex {
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const knex = knexFactory({
    // WAL, a busy timeout, foreign keys; one connection, so writes never contend for the lock.
    ...sqliteKnex(dbFile, 1, 'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;'),
    migrations: {
      directory: path.join(ROOT, 'dist', 'migrations'),
      loadExtensions: ['.js'],
    },
    seeds: {
      directory: path.join(ROOT, 'dist', 'seeds'),
      loadExtensions: ['.js'],
    },
  });
  // Seeds read it: demo accounts only outside production.
  return knex.withUserParams(userParams);
}

/**
 * A second instance on the same file for reads outside transactions: several connections, so
 * that pages read side by side (WAL lets readers run beside the one writer) and a long list
 * never holds up a write. Each connection is `query_only`: a write sent here by mistake fails.
 */
export function createReadKnex(dbFile: string, connections = Math.max(2, os.availableParallelism())): Knex {
  return knexFactory(sqliteKnex(dbFile, connections, 'PRAGMA query_only = 1; PRAGMA busy_timeout = 5000;'));
}

/** Bring the schema up to date, then load the seeds (each seed is idempotent). */
export async function migrateAndSeed(knex: Knex): Promise<void> {
  await knex.migrate.latest();
  await knex.seed.run();
  await refreshPlannerStats(knex);
}

/**
 * Give SQLite's planner fresh statistics (sampled, so quick on any size) for the tables whose
 * size changed a lot: without them it may pick the wrong index for a large team's queue.
 */
export async function refreshPlannerStats(knex: Knex): Promise<void> {
  await knex.raw('PRAGMA analysis_limit = 1000');
  await knex.raw('PRAGMA optimize = 0x10002');
}
