import fs from 'node:fs/promises';
import path from 'node:path';
import type { AttachmentsService } from './attachments.service.js';

/** A file younger than this may belong to a request still in flight: left alone. */
export const ORPHAN_GRACE_MS = 3600_000;

async function oldFiles(dir: string, before: number): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return [];
  }
  const old: string[] = [];
  for (const name of entries) {
    const stat = await fs.stat(path.join(dir, name)).catch(() => null);
    if (stat?.isFile() && stat.mtimeMs < before) old.push(name);
  }
  return old;
}

/**
 * Remove the files no row points to: uploads moved in by a transaction that never committed
 * (a crash between the move and the commit), and temp files of requests that died. Only files
 * older than the grace period, so that a creation under way keeps its files.
 */
export async function removeOrphanFiles(attachments: AttachmentsService, dirs: { uploadDir: string; tmpDir: string }, now: Date): Promise<number> {
  const before = now.getTime() - ORPHAN_GRACE_MS;
  let removed = 0;
  for (const name of await oldFiles(dirs.tmpDir, before)) {
    await fs.rm(path.join(dirs.tmpDir, name), { force: true });
    removed++;
  }
  const candidates = await oldFiles(dirs.uploadDir, before);
  for (let i = 0; i < candidates.length; i += 500) {
    const chunk = candidates.slice(i, i + 500);
    const known = await attachments.knownStoredNames(chunk);
    for (const name of chunk) {
      if (known.has(name)) continue;
      await fs.rm(path.join(dirs.uploadDir, name), { force: true });
      removed++;
    }
  }
  return removed;
}
