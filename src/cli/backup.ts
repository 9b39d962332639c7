// npm run backup -- [--to DIR]        (default: ./backups)
// A consistent copy of DATA_DIR taken while Guichet keeps running: the SQLite database first,
// then the attachments, checked, in a timestamped folder DIR/guichet-YYYYMMDD-HHMMSSZ.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import sqlite3 from 'sqlite3';
import { loadConfig, type Config } from '../config.js';
import { createKnex } from '../db/knex.js';

export const BACKUP_DB = 'guichet.sqlite';
export const BACKUP_UPLOADS = 'uploads';
export const MANIFEST = 'manifest.json';

/** What a backup folder holds, written last: a folder without it is not a backup. */
export interface BackupManifest {
  format: 1;
  createdAt: string;
  /** The DATA_DIR it was taken from. */
  source: string;
  /** Of guichet.sqlite: restore refuses a copy that changed since. */
  sha256: string;
  tickets: number;
  attachments: number;
  files: number;
  /** Attachment rows whose file was not found: empty unless files were removed by hand. */
  missingFiles: string[];
}

/** "20261123-193000Z", UTC: sorts as it reads. */
export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '').replace('T', '-');
}

export async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Copy a folder's files and sub-folders (the uploads folder is flat: random names). */
export async function copyTree(from: string, to: string): Promise<number> {
  await fsp.mkdir(to, { recursive: true });
  if (!fs.existsSync(from)) return 0;
  let n = 0;
  for (const entry of await fsp.readdir(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (entry.isDirectory()) n += await copyTree(src, dest);
    else if (entry.isFile()) {
      await fsp.copyFile(src, dest, fs.constants.COPYFILE_EXCL);
      n++;
    }
  }
  return n;
}

/** Open a database file read-only (the driver itself: knex always adds read-write), check it is sound, read what a backup reports. */
export async function inspectDatabase(file: string): Promise<{ tickets: number; storedNames: string[] }> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const handle = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(handle)));
  });
  const all = <T>(sql: string) => new Promise<T[]>((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
  try {
    const rows = await all<{ integrity_check: string }>('PRAGMA integrity_check');
    if (rows.length !== 1 || rows[0].integrity_check !== 'ok') {
      throw new Error(`${file} is damaged: ${rows.map((r) => r.integrity_check).join('; ')}`);
    }
    const [{ n }] = await all<{ n: number }>('SELECT count(*) AS n FROM tickets');
    const names = await all<{ stored_name: string }>('SELECT stored_name FROM attachments');
    return { tickets: Number(n), storedNames: names.map((r) => r.stored_name) };
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

async function freeName(root: string, base: string): Promise<string> {
  for (let i = 0; ; i++) {
    const name = i === 0 ? base : `${base}-${i}`;
    if (!fs.existsSync(path.join(root, name)) && !fs.existsSync(path.join(root, `${name}.partial`))) return name;
  }
}

/**
 * Back up DATA_DIR into a new folder under `to`, while the app runs. `db` is the app's own
 * connection when called from inside the process (tests); the CLI opens a second connection.
 */
export async function backup(opts: { config: Config; to: string; db?: Knex; now?: Date }): Promise<{ dir: string; manifest: BackupManifest }> {
  const { config } = opts;
  if (!fs.existsSync(config.dbFile)) throw new Error(`No database at ${config.dbFile}: check DATA_DIR.`);
  const root = path.resolve(opts.to);
  await fsp.mkdir(root, { recursive: true });
  const createdAt = opts.now ?? new Date();
  const name = await freeName(root, `guichet-${stamp(createdAt)}`);
  // Written under a .partial name and renamed at the end: a half-done backup never looks complete.
  const partial = path.join(root, `${name}.partial`);
  await fsp.mkdir(partial);
  try {
    const dbCopy = path.join(partial, BACKUP_DB);
    const db = opts.db ?? createKnex(config.dbFile);
    try {
      // VACUUM INTO, not the driver's backup API: one statement in one read transaction gives a consistent, compact, self-contained file (no -wal to carry) while the app goes on writing (WAL).
      await db.raw('VACUUM INTO ?', [dbCopy]);
    } finally {
      if (!opts.db) await db.destroy();
    }
    // The files after the database: a file lands in uploads/ before its row commits, so every
    // attachment of the snapshot already has its file (files added since are harmless extras).
    const files = await copyTree(config.uploadDir, path.join(partial, BACKUP_UPLOADS));
    const { tickets, storedNames } = await inspectDatabase(dbCopy);
    const copied = new Set(await fsp.readdir(path.join(partial, BACKUP_UPLOADS)));
    const manifest: BackupManifest = {
      format: 1,
      createdAt: createdAt.toISOString(),
      source: config.dataDir,
      sha256: await sha256(dbCopy),
      tickets,
      attachments: storedNames.length,
      files,
      missingFiles: storedNames.filter((n) => !copied.has(n)),
    };
    await fsp.writeFile(path.join(partial, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    const dir = path.join(root, name);
    await fsp.rename(partial, dir);
    return { dir, manifest };
  } catch (err) {
    await fsp.rm(partial, { recursive: true, force: true });
    throw err;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { to: { type: 'string', default: './backups' } } });
  const config = loadConfig();
  const { dir, manifest } = await backup({ config, to: values.to! });
  console.log(`Backup written to ${dir}: ${manifest.tickets} tickets, ${manifest.attachments} attachments, ${manifest.files} files.`);
  if (manifest.missingFiles.length > 0) {
    console.warn(`Warning: ${manifest.missingFiles.length} attachment file(s) were already missing from ${config.uploadDir}.`);
  }
}

// Run only as a command (npm run backup), not when imported by restore.ts or the tests.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exitCode = 1;
  });
}
