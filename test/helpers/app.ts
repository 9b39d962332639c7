import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Express } from 'express';
import { loadConfig, type Config } from '../../src/config.js';
import { createKnex, createReadKnex, migrateAndSeed } from '../../src/db/knex.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';

export interface TestApp {
  app: Express;
  db: Knex;
  /** The read pool the app reads through outside transactions. */
  readDb: Knex;
  /** Close both database instances, as a stopped server would (close() does it too). */
  closeDatabases: () => Promise<void>;
  services: Services;
  config: Config;
  /** A clock the test may move. */
  clock: { now: Date };
  close: () => Promise<void>;
}

/** The real app on a fresh SQLite file in a temp folder, migrated and seeded with the demo data. */
export async function startTestApp(overrides: Partial<Config> = {}, opts: { logger?: Logger } = {}): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-test-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' }, { demoData: true, ...overrides });
  const db = createKnex(config.dbFile, { demo: true });
  await migrateAndSeed(db);
  // As the server runs: a read pool beside the writer.
  const readDb = createReadKnex(config.dbFile, 2);
  const clock = { now: new Date() };
  const { app, services } = createApp({ config, db, readDb, logger: opts.logger ?? createLogger(process.env.TEST_LOG ?? 'silent'), now: () => new Date(clock.now) });
  const closeDatabases = async () => {
    await readDb.destroy();
    await db.destroy();
  };
  return {
    app,
    db,
    readDb,
    closeDatabases,
    services,
    config,
    clock,
    close: async () => {
      await closeDatabases();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
