// npm run backup -- [--to DIR]        (default: ./backups)
// A consistent copy of the database and the attachments, taken while Guichet keeps running:
// the database first, then the files, checked, in a timestamped folder DIR/guichet-YYYYMMDD-HHMMSSZ.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import type { Engine } from '../db/dialect.js';

export const BACKUP_UPLOADS = 'uploads';
export const MANIFEST = 'manifest.json';

/** What a backup folder holds, written last: a folder without it is not a backup. */
export interface BackupManifest {
  format: 1;
  engine: Engine;
  /** The database's copy in the folder (guichet.sqlite, guichet.dump). */
  database: string;
  createdAt: string;
  /** The DATA_DIR it was taken from. */
  source: string;
  /** Of the database's copy: restore refuses a copy that changed since. */
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

async function freeName(root: string, base: string): Promise<string> {
  for (let i = 0; ; i++) {
    const name = i === 0 ? base : `${base}-${i}`;
    if (!fs.existsSync(path.join(root, name)) && !fs.existsSync(path.join(root, `${name}.partial`))) return name;
  }
}

/**
 * Back up into a new folder under `to`, while the app runs. `db` is the app's own database when
 * called from inside the process (tests); the command opens its own connection.
 */
export async function backup(opts: { config: Config; to: string; db?: Database; now?: Date }): Promise<{ dir: string; manifest: BackupManifest }> {
  const { config } = opts;
  if (config.database.engine === 'sqlite' && !fs.existsSync(config.database.file)) throw new Error(`No database at ${config.database.file}: check DATA_DIR.`);
  const root = path.resolve(opts.to);
  await fsp.mkdir(root, { recursive: true });
  const createdAt = opts.now ?? new Date();
  const name = await freeName(root, `guichet-${stamp(createdAt)}`);
  // Written under a .partial name and renamed at the end: a half-done backup never looks complete.
  const partial = path.join(root, `${name}.partial`);
  await fsp.mkdir(partial);
  try {
    const db = opts.db ?? openDatabase(config.database);
    const copy = path.join(partial, db.dialect.backupFile);
    let contents;
    try {
      contents = await db.dialect.backup(db, copy);
    } finally {
      if (!opts.db) await db.close();
    }
    // The files after the database: a file lands in uploads/ before its row commits, so every
    // attachment of the snapshot already has its file (files added since are harmless extras).
    const files = await copyTree(config.uploadDir, path.join(partial, BACKUP_UPLOADS));
    const copied = new Set(await fsp.readdir(path.join(partial, BACKUP_UPLOADS)));
    const manifest: BackupManifest = {
      format: 1,
      engine: db.engine,
      database: db.dialect.backupFile,
      createdAt: createdAt.toISOString(),
      source: config.dataDir,
      sha256: await sha256(copy),
      tickets: contents.tickets,
      attachments: contents.storedNames.length,
      files,
      missingFiles: contents.storedNames.filter((n) => !copied.has(n)),
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
