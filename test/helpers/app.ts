import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Logger } from 'pino';
import type { Express } from 'express';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Database, type DatabaseTarget } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';

export interface TestApp {
  app: Express;
  /** The app's database. */
  database: Database;
  /** Its writer, through which tests arrange and inspect rows with Knex's query builder. */
  db: Knex;
  /** Where the app reads outside transactions (on PostgreSQL, the same pool as `db`). */
  readDb: Knex;
  /** Close the database, as a stopped server would (close() does it too). */
  closeDatabases: () => Promise<void>;
  services: Services;
  config: Config;
  /** A clock the test may move. */
  clock: { now: Date };
  close: () => Promise<void>;
}

/**
 * The engine the suite runs on: SQLite files in temporary folders, or, when TEST_DATABASE_URL
 * names a PostgreSQL server (a role that may create databases), a fresh database on it per app.
 */
export const testEngine: 'sqlite' | 'postgres' = process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite';

/** In a `before`: skip a suite that is about one engine's own behaviour when the suite runs on the other. */
export function skipUnless(engine: 'sqlite' | 'postgres', ctx: Mocha.Context): void {
  if (testEngine !== engine) ctx.skip();
}

let databases = 0;
let template: Promise<string> | null = null;

/** A URL of the test server with another database name. */
export function databaseUrl(name: string): string {
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Run statements on the test server's maintenance database. */
export async function onServer<T>(work: (admin: Knex) => Promise<T>): Promise<T> {
  const admin = knexFactory({ client: 'pg', connection: process.env.TEST_DATABASE_URL, pool: { min: 0, max: 1 } });
  try {
    return await work(admin);
  } finally {
    await admin.destroy();
  }
}

/** Migrated and seeded once per run; each app's database is a copy of it (CREATE DATABASE … TEMPLATE). */
function postgresTemplate(): Promise<string> {
  template ??= (async () => {
    const name = 'guichet_template';
    await onServer(async (admin) => {
      await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
      await admin.raw(`CREATE DATABASE ${name}`);
    });
    const db = openDatabase({ engine: 'postgres', url: databaseUrl(name) }, { demo: true });
    await db.migrateAndSeed();
    await db.close();
    return name;
  })();
  return template;
}

/**
 * A fresh database for one app (SQLite: a file in `dir`), and how to drop it: migrated and
 * seeded with the demo data on PostgreSQL, unless `empty` (as a new installation finds it).
 */
export async function freshDatabase(dir: string, opts: { empty?: boolean } = {}): Promise<{ target: DatabaseTarget; drop: () => Promise<void> }> {
  if (testEngine === 'sqlite') return { target: { engine: 'sqlite', file: path.join(dir, 'guichet.sqlite') }, drop: async () => undefined };
  const from = opts.empty ? 'template0' : await postgresTemplate();
  const name = `guichet_test_${process.pid}_${++databases}`;
  await onServer((admin) => admin.raw(`CREATE DATABASE ${name} TEMPLATE ${from}`));
  return {
    target: { engine: 'postgres', url: databaseUrl(name) },
    drop: () => onServer((admin) => admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** The real app on a fresh database (SQLite file or PostgreSQL database), migrated and seeded with the demo data. */
export async function startTestApp(overrides: Partial<Config> = {}, opts: { logger?: Logger } = {}): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-test-'));
  const fresh = await freshDatabase(dir);
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' }, { demoData: true, database: fresh.target, ...overrides });
  // As the server runs: on SQLite, read connections beside the writer.
  const database = openDatabase(config.database, { demo: true, readConnections: 2 });
  await database.migrateAndSeed();
  const clock = { now: new Date() };
  const { app, services } = createApp({ config, db: database, logger: opts.logger ?? createLogger(process.env.TEST_LOG ?? 'silent'), now: () => new Date(clock.now) });
  let closed = false;
  const closeDatabases = async () => {
    if (closed) return;
    closed = true;
    await database.close();
  };
  return {
    app,
    database,
    db: database.knex,
    readDb: database.reader,
    closeDatabases,
    services,
    config,
    clock,
    close: async () => {
      await closeDatabases();
      await fresh.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
