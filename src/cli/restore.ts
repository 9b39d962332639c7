// npm run restore -- --from DIR [--force]
// Put a folder written by "npm run backup" back into DATA_DIR. Stop Guichet first. What was in
// DATA_DIR is kept aside in DATA_DIR/before-restore-<time>/, never deleted.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../config.js';
import { BACKUP_DB, BACKUP_UPLOADS, MANIFEST, copyTree, inspectDatabase, sha256, stamp, type BackupManifest } from './backup.js';

async function readManifest(from: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await fsp.readFile(path.join(from, MANIFEST), 'utf8'));
  } catch {
    throw new Error(`${from} is not a Guichet backup (no readable ${MANIFEST}).`);
  }
  if (manifest.format !== 1 || !fs.existsSync(path.join(from, BACKUP_DB)) || !fs.existsSync(path.join(from, BACKUP_UPLOADS))) {
    throw new Error(`${from} is not a complete Guichet backup.`);
  }
  return manifest;
}

/**
 * Check the backup (manifest, checksum, integrity, files), stage it beside DATA_DIR's files,
 * move the current ones aside, and swap the staged ones in with renames.
 */
export async function restore(opts: { config: Config; from: string; force?: boolean; now?: Date }): Promise<{ previous: string | null; manifest: BackupManifest }> {
  const { dataDir, dbFile, uploadDir } = opts.config;
  const from = path.resolve(opts.from);
  const manifest = await readManifest(from);
  const dbCopy = path.join(from, BACKUP_DB);
  if ((await sha256(dbCopy)) !== manifest.sha256) throw new Error(`${dbCopy} does not match its manifest: refusing a damaged or edited copy.`);
  const { tickets, storedNames } = await inspectDatabase(dbCopy);
  if (tickets !== manifest.tickets) throw new Error(`${dbCopy} does not hold the ${manifest.tickets} tickets its manifest announces.`);
  const files = new Set(await fsp.readdir(path.join(from, BACKUP_UPLOADS)));
  const missing = storedNames.filter((n) => !files.has(n) && !manifest.missingFiles.includes(n));
  if (missing.length > 0) throw new Error(`${missing.length} attachment file(s) are missing from ${path.join(from, BACKUP_UPLOADS)}.`);
  // SQLite removes the -wal file when the last connection closes: if it is there, Guichet is running (or crashed).
  if (fs.existsSync(`${dbFile}-wal`) && !opts.force) {
    throw new Error(`${dbFile} looks in use (${path.basename(dbFile)}-wal exists): stop Guichet first, or pass --force.`);
  }

  const when = stamp(opts.now ?? new Date());
  await fsp.mkdir(dataDir, { recursive: true });
  // Staged inside DATA_DIR, so that the swap is renames on one disk.
  const staging = path.join(dataDir, `restoring-${when}`);
  await fsp.rm(staging, { recursive: true, force: true });
  await fsp.mkdir(staging);
  try {
    await fsp.copyFile(dbCopy, path.join(staging, BACKUP_DB));
    await copyTree(path.join(from, BACKUP_UPLOADS), path.join(staging, BACKUP_UPLOADS));
  } catch (err) {
    await fsp.rm(staging, { recursive: true, force: true });
    throw err;
  }
  const current = [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, uploadDir].filter((p) => fs.existsSync(p));
  let previous: string | null = null;
  if (current.length > 0) {
    previous = path.join(dataDir, `before-restore-${when}`);
    for (let i = 1; fs.existsSync(previous); i++) previous = path.join(dataDir, `before-restore-${when}-${i}`);
    await fsp.mkdir(previous);
    for (const p of current) await fsp.rename(p, path.join(previous, path.basename(p)));
  }
  await fsp.rename(path.join(staging, BACKUP_DB), dbFile);
  await fsp.rename(path.join(staging, BACKUP_UPLOADS), uploadDir);
  await fsp.rm(staging, { recursive: true, force: true });
  return { previous, manifest };
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
  if (previous) console.log(`The data that was there is kept in ${previous}.`);
  console.log('Start Guichet: it applies any newer migrations on start.');
}

// Run only as a command (npm run restore), not when imported by the tests.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exitCode = 1;
  });
}
