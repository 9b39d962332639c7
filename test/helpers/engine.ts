import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import type { Config } from '../../src/config.js';
import type { DatabaseTarget } from '../../src/db/database.js';
import { freshDatabase, onServer, testEngine } from './app.js';

const run = promisify(execFile);

// What a test must do differently on each engine, in one place.

/** Make the next ticket's id `id` (the database's own counter). */
export async function setNextTicketId(db: Knex, id: number): Promise<void> {
  if (testEngine === 'postgres') await db.raw("SELECT setval(pg_get_serial_sequence('tickets', 'id'), ?, false)", [id]);
  // AUTOINCREMENT: the next id is one past the highest ever given.
  else await db('sqlite_sequence').where({ name: 'tickets' }).update({ seq: id - 1 });
}

/** The environment that points a server process at this database. */
export function databaseEnv(target: DatabaseTarget): Record<string, string> {
  return target.engine === 'postgres' ? { DATABASE_URL: target.url } : {};
}

/** A Knex of the test's own on a database a server process runs on, to arrange and inspect rows. */
export function knexOn(target: DatabaseTarget): Knex {
  return target.engine === 'postgres'
    ? knexFactory({ client: 'pg', connection: target.url, pool: { min: 0, max: 2 } })
    : knexFactory({ client: 'sqlite3', connection: { filename: target.file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
}

/**
 * What the engine finds wrong in a database after a crash: SQLite checks its file and its foreign
 * keys; PostgreSQL replays its log at start and checks every constraint at each commit.
 */
export async function integrityProblems(db: Knex): Promise<unknown[]> {
  if (testEngine === 'postgres') return [];
  const integrity: Array<{ integrity_check: string }> = await db.raw('PRAGMA integrity_check');
  return [...integrity.filter((r) => r.integrity_check !== 'ok'), ...(await db.raw('PRAGMA foreign_key_check'))];
}

/** The database is lost with the data folder: the folder removed, and on PostgreSQL the database emptied. */
export async function loseEverything(config: Config): Promise<void> {
  fs.rmSync(config.dataDir, { recursive: true, force: true });
  if (config.database.engine !== 'postgres') return;
  const name = new URL(config.database.url).pathname.slice(1);
  await onServer(async (admin) => {
    await admin.raw(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${name} TEMPLATE template0`);
  });
}

/** A database copy written by a backup, opened to read (a dump is restored into a scratch database first). */
export async function openCopy(file: string): Promise<{ db: Knex; close: () => Promise<void> }> {
  if (testEngine === 'sqlite') {
    const db = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
    return { db, close: () => db.destroy() };
  }
  const { target, drop } = await freshDatabase(path.dirname(file), { empty: true });
  if (target.engine !== 'postgres') throw new Error('unreachable');
  await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${target.url}`, file]);
  const db = knexOn(target);
  return { db, close: async () => { await db.destroy(); await drop(); } };
}
