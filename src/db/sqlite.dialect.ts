import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import sqlite3 from 'sqlite3';
import { FULL_TEXT, type BackupContents, type Dialect, type FullTextIndex, type RowTrigger } from './dialect.js';
import { constant, empty, identifier, join, raw, sql } from './sql.js';

/** Open a file read-only with the driver itself (knex always opens read-write), check it is sound, read what a backup reports. */
async function inspect(file: string): Promise<BackupContents> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const handle = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(handle)));
  });
  const all = <T>(q: string) => new Promise<T[]>((resolve, reject) => db.all(q, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
  try {
    const rows = await all<{ integrity_check: string }>('PRAGMA integrity_check');
    if (rows.length !== 1 || rows[0].integrity_check !== 'ok') throw new Error(`${file} is damaged: ${rows.map((r) => r.integrity_check).join('; ')}`);
    const [{ n }] = await all<{ n: number }>('SELECT count(*) AS n FROM tickets');
    const names = await all<{ stored_name: string }>('SELECT stored_name FROM attachments');
    return { tickets: Number(n), storedNames: names.map((r) => r.stored_name) };
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

const columnsOf = (index: FullTextIndex) => FULL_TEXT[index].columns.join(', ');

/** SQLite: JSON1, FTS5 (accents folded by its tokenizer), triggers, PRAGMAs. */
export const sqliteDialect: Dialect = {
  engine: 'sqlite',

  // json_object's result keeps its JSON type only within one query level: the value is built
  // where it is aggregated, from the columns of `from`.
  jsonArray: (value, from) => sql`(SELECT json_group_array(${value}) ${from})`,
  jsonObject: (fields) => sql`json_object(${join(Object.entries(fields).map(([k, v]) => sql`${constant(k)}, ${v}`), ', ')})`,
  jsonInteger: (column, path) => sql`json_extract(${column}, ${raw(`'$.${path.map(identifier).join('.')}'`)})`,
  parseJson: <T>(value: unknown) => JSON.parse(String(value)) as T,
  stringAgg: (value, separator) => sql`group_concat(${value}, ${separator})`,
  // Timestamps are ISO text (UTC) here.
  utcDate: (column, length) => sql`substr(${column}, 1, ${raw(String(length))})`,
  // Column affinity converts on write; a CAST to a timestamp type would turn ISO text into a number.
  typed: (value) => sql`${value}`,
  containsText: (value, text) => sql`${value} LIKE ${`%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`} ESCAPE '\\'`,

  // Each word a quoted prefix term: FTS syntax typed by a user (AND, NEAR, *, columns) is only text.
  fullTextIds: (index, words) =>
    sql`SELECT rowid AS id FROM ${raw(FULL_TEXT[index].table)} WHERE ${raw(FULL_TEXT[index].table)} MATCH ${words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ')}`,
  reindexAll: (index, source) => [
    sql`DELETE FROM ${raw(FULL_TEXT[index].table)}`,
    sql`INSERT INTO ${raw(FULL_TEXT[index].table)} (rowid, ${raw(columnsOf(index))}) ${source}`,
  ],
  reindexOne: (index, id, values) => [
    sqliteDialect.unindex(index, id),
    sql`INSERT INTO ${raw(FULL_TEXT[index].table)} (rowid, ${raw(columnsOf(index))}) VALUES (${id}, ${join(values)})`,
  ],
  unindex: (index, id) => sql`DELETE FROM ${raw(FULL_TEXT[index].table)} WHERE rowid = ${id}`,

  // One writer at a time: a claim is never contested.
  skipLocked: empty,
  // Sampled, so quick on any size: without fresh statistics the planner may pick the wrong index for a large queue.
  plannerStatistics: () => [sql`PRAGMA analysis_limit = 1000`, sql`PRAGMA optimize = 0x10002`],

  async createFullTextTable(knex: Knex, index: FullTextIndex) {
    await knex.raw(`CREATE VIRTUAL TABLE ${FULL_TEXT[index].table} USING fts5(${columnsOf(index)}, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')`);
  },
  async addGeneratedColumn(knex, table, column, type, expression) {
    await knex.raw(`ALTER TABLE ${table} ADD COLUMN ${column} ${type.toUpperCase()} GENERATED ALWAYS AS (${expression}) VIRTUAL`);
  },
  async createRowTrigger(knex: Knex, t: RowTrigger) {
    await knex.raw(`CREATE TRIGGER ${t.name} AFTER ${t.event} ON ${t.table}${t.when ? ` WHEN ${t.when}` : ''}
      BEGIN ${t.statements.map((s) => `${s};`).join(' ')} END`);
  },
  async dropRowTrigger(knex, t) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${t.name}`);
  },
  ticketRef: (id) => `printf('R-%06d', ${id})`,

  backupFile: 'guichet.sqlite',
  // VACUUM INTO, not the driver's backup API: one statement in one read transaction gives a
  // consistent, compact, self-contained file (no -wal to carry) while the app goes on writing.
  async backup(db, file) {
    await db.execute(sql`VACUUM INTO ${file}`);
    return inspect(file);
  },
  inspectBackup: inspect,
  async restore(target, file, aside, { force }) {
    if (target.engine !== 'sqlite') throw new Error('not a SQLite database');
    const live = target.file;
    // SQLite removes the -wal file when the last connection closes: if it is there, Guichet is running (or crashed).
    if (fs.existsSync(`${live}-wal`) && !force) throw new Error(`${live} looks in use (${path.basename(live)}-wal exists): stop Guichet first, or pass --force.`);
    // Copied beside the live file first, so that the swap is a rename on one disk.
    const staged = `${live}.restoring`;
    await fsp.copyFile(file, staged);
    for (const p of [live, `${live}-wal`, `${live}-shm`]) {
      if (!fs.existsSync(p)) continue;
      await fsp.mkdir(aside, { recursive: true });
      await fsp.rename(p, path.join(aside, path.basename(p)));
    }
    await fsp.rename(staged, live);
  },
};
