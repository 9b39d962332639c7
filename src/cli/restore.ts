// npm run restore -- --from DIR [--force]
// Put a folder written by "npm run backup" back: the database and DATA_DIR's attachments. Stop
// Guichet first. What was there is kept aside in DATA_DIR/before-restore-<time>/, never deleted.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { dialectFor } from '../db/dialect.js';
import { contentsOf } from '../db/contents.js';
import { BACKUP_UPLOADS, MANIFEST, copyTree, sha256, stamp, type BackupManifest } from './backup.js';

async function readManifest(from: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await fsp.readFile(path.join(from, MANIFEST), 'utf8'));
  } catch {
    throw new Error(`${from} is not a Guichet backup (no readable ${MANIFEST}).`);
  }
  if (manifest.format !== 1 || !manifest.database || !fs.existsSync(path.join(from, manifest.database)) || !fs.existsSync(path.join(from, BACKUP_UPLOADS))) {
    throw new Error(`${from} is not a complete Guichet backup.`);
  }
  return manifest;
}

/** What the database holds once restored. */
async function restoredContents(config: Config) {
  const db = openDatabase(config.database);
  try {
    return await contentsOf(db.reader);
  } finally {
    await db.close();
  }
}

/**
 * Check the backup (manifest, checksum, the copy itself, files), stage the files beside
 * DATA_DIR's, move the current ones aside, and swap the staged ones in.
 */
export async function restore(opts: { config: Config; from: string; force?: boolean; now?: Date }): Promise<{ previous: string | null; manifest: BackupManifest }> {
  const { dataDir, uploadDir, database } = opts.config;
  const from = path.resolve(opts.from);
  const manifest = await readManifest(from);
  if ((manifest.engine ?? 'sqlite') !== database.engine) throw new Error(`${from} is a backup of a ${manifest.engine} database; this Guichet runs on ${database.engine}.`);
  const dialect = dialectFor(database.engine);
  const copy = path.join(from, manifest.database);
  if ((await sha256(copy)) !== manifest.sha256) throw new Error(`${copy} does not match its manifest: refusing a damaged or edited copy.`);
  const contents = await dialect.inspectBackup(copy);
  if (contents && contents.tickets !== manifest.tickets) throw new Error(`${copy} does not hold the ${manifest.tickets} tickets its manifest announces.`);
  const files = new Set(await fsp.readdir(path.join(from, BACKUP_UPLOADS)));
  const stored = contents?.storedNames;
  const missing = (stored ?? []).filter((n) => !files.has(n) && !manifest.missingFiles.includes(n));
  if (missing.length > 0) throw new Error(`${missing.length} attachment file(s) are missing from ${path.join(from, BACKUP_UPLOADS)}.`);

  const when = stamp(opts.now ?? new Date());
  await fsp.mkdir(dataDir, { recursive: true });
  let previous = path.join(dataDir, `before-restore-${when}`);
  for (let i = 1; fs.existsSync(previous); i++) previous = path.join(dataDir, `before-restore-${when}-${i}`);
  // The files are staged inside DATA_DIR, so that the swap is renames on one disk.
  const staging = path.join(dataDir, `restoring-${when}`);
  await fsp.rm(staging, { recursive: true, force: true });
  await copyTree(path.join(from, BACKUP_UPLOADS), path.join(staging, BACKUP_UPLOADS)).catch(async (err: unknown) => {
    await fsp.rm(staging, { recursive: true, force: true });
    throw err;
  });
  await dialect.restore(database, copy, previous, { force: !!opts.force });
  if (fs.existsSync(uploadDir)) {
    await fsp.mkdir(previous, { recursive: true });
    await fsp.rename(uploadDir, path.join(previous, BACKUP_UPLOADS));
  }
  await fsp.rename(path.join(staging, BACKUP_UPLOADS), uploadDir);
  await fsp.rm(staging, { recursive: true, force: true });
  // A dump tells its rows only once restored: counted now.
  if (!contents) {
    const restored = await restoredContents(opts.config);
    if (restored.tickets !== manifest.tickets) throw new Error(`The restored database holds ${restored.tickets} tickets, not the ${manifest.tickets} of its manifest; the former one is kept in ${previous}.`);
  }
  return { previous: fs.existsSync(previous) ? previous : null, manifest };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, force: { type: 'boolean', default: false } } });
  if (!values.from) {
    console.error('Usage: npm run restore -- --from backups/guichet-YYYYMMDD-HHMMSSZ [--force]');
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const { previous, manifest } = await restore({ config, from: values.from, force: values.force });
  console.log(`Restored ${manifest.tickets} tickets and ${manifest.files} files (backup of ${manifest.createdAt}) into ${config.dataDir}.`);
  if (previous) console.log(`What was there is kept in ${previous}.`);
  console.log('Start Guichet: it applies any newer migrations on start.');
}

// Run only as a command (npm run restore), not when imported by the tests.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exitCode = 1;
  });
}
