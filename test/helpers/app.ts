import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Express } from 'express';
import { loadConfig, type Config } from '../../src/config.js';
import { createKnex, migrateAndSeed } from '../../src/db/knex.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';

export interface TestApp {
  app: Express;
  db: Knex;
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
  const clock = { now: new Date() };
  const { app, services } = createApp({ config, db, logger: opts.logger ?? createLogger(process.env.TEST_LOG ?? 'silent'), now: () => new Date(clock.now) });
  return {
    app,
    db,
    services,
    config,
    clock,
    close: async () => {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
