import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileTypeFromFile } from 'file-type';
import type { Trx } from '../../db/database.js';
import { messages } from '../../http/messages.js';
import type { AttachmentRow } from '../../db/tables.js';
import type { AttachmentsRepo } from './attachments.repo.js';

/** What may be attached, decided from the bytes, never from the name or the browser's word. */
const SNIFFED_TYPES = new Set([
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation', 'application/msword', 'application/vnd.ms-excel',
  'application/x-cfb',
]);
/** Files with no magic number, accepted only as plain UTF-8 text with one of these endings. */
const TEXT_EXTENSIONS = new Set(['.txt', '.log', '.csv']);

export interface IncomingFile {
  path: string;
  originalname: string;
  size: number;
}

export interface CheckedFile {
  tmpPath: string;
  name: string;
  mime: string;
  size: number;
}

/** Where stored files belong. */
export interface FileLink {
  ticketId: number;
  uploaderId: number;
  journalEntryId?: number | null;
  private?: boolean;
  now: string;
}

/** Files moved under their random names, to be recorded in the transaction of the change they belong to. */
export interface StoredFiles {
  record(trx: Trx, link: FileLink): Promise<void>;
}

/** A file name safe to show and to send back: no folders, no control characters, no device names. */
export function cleanFileName(raw: string): string {
  let name = Buffer.from(raw, 'latin1').toString('utf8'); // busboy hands names as latin1
  if (name.includes('\uFFFD')) name = raw;
  name = name.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').split(/[\\/]/).pop() ?? '';
  name = name.replace(/^[.\s]+/, '').trim();
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(name)) name = '_' + name;
  if (name.length > 180) {
    const ext = path.extname(name).slice(0, 10);
    name = name.slice(0, 180 - ext.length) + ext;
  }
  return name || 'fichier';
}

async function isPlainText(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (head.includes(0)) return false;
    const textual = new TextDecoder('utf-8', { fatal: false }).decode(head);
    return !/<\s*(script|html|svg|iframe|body)\b/i.test(textual);
  } finally {
    await handle.close();
  }
}

export class AttachmentsService {
  constructor(
    private readonly uploadDir: string,
    private readonly repo: AttachmentsRepo,
  ) {}

  /** Check every file; one French message per refused file. */
  async check(files: IncomingFile[]): Promise<{ ok: CheckedFile[]; errors: string[] }> {
    const ok: CheckedFile[] = [];
    const errors: string[] = [];
    for (const f of files) {
      const name = cleanFileName(f.originalname);
      if (f.size === 0) {
        errors.push(messages.upload.empty(name));
        continue;
      }
      const sniffed = await fileTypeFromFile(f.path);
      if (sniffed && SNIFFED_TYPES.has(sniffed.mime)) {
        ok.push({ tmpPath: f.path, name, mime: sniffed.mime, size: f.size });
      } else if (!sniffed && TEXT_EXTENSIONS.has(path.extname(name).toLowerCase()) && (await isPlainText(f.path))) {
        ok.push({ tmpPath: f.path, name, mime: 'text/plain', size: f.size });
      } else {
        errors.push(messages.upload.badType(name));
      }
    }
    return { ok, errors };
  }

  /**
   * Move checked files under random names, then run the change that records them (`work`, whose
   * transaction calls `record`); if it fails, the files are taken back. Files move before the
   * transaction, so that it only writes rows; a crash between the two leaves files that no row
   * names, which the hourly sweep removes (orphan-files.ts).
   */
  async keepWith<T>(files: CheckedFile[], work: (stored: StoredFiles) => Promise<T>): Promise<T> {
    const moved: Array<CheckedFile & { stored: string }> = [];
    const undo = () => Promise.all(moved.map((f) => fs.rm(path.join(this.uploadDir, f.stored), { force: true })));
    try {
      // Most changes come without files: then nothing to move, and no folder to check.
      if (files.length > 0) await fs.mkdir(this.uploadDir, { recursive: true });
      for (const f of files) {
        const stored = crypto.randomBytes(16).toString('hex');
        await fs.rename(f.tmpPath, path.join(this.uploadDir, stored));
        moved.push({ ...f, stored });
      }
      return await work({
        record: (trx, link) =>
          this.repo.insert(trx, moved.map((f) => ({
            ticket_id: link.ticketId, journal_entry_id: link.journalEntryId ?? null, uploader_id: link.uploaderId,
            original_name: f.name, stored_name: f.stored, mime: f.mime, size: f.size, private: !!link.private, created_at: link.now,
          }))),
      });
    } catch (err) {
      await undo();
      throw err;
    }
  }

  /** Which of these stored names a row points to (the others are orphans). */
  knownStoredNames(names: string[]): Promise<Set<string>> {
    return this.repo.knownStoredNames(names);
  }

  filePath(row: Pick<AttachmentRow, 'stored_name'>): string {
    return path.join(this.uploadDir, path.basename(row.stored_name));
  }
}
