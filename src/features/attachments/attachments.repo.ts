import type { Database, Trx } from '../../db/database.js';
import { inList, insertRows, sql } from '../../db/sql.js';

export interface NewAttachmentRow {
  ticket_id: number;
  journal_entry_id: number | null;
  uploader_id: number;
  original_name: string;
  stored_name: string;
  mime: string;
  size: number;
  private: boolean;
  created_at: string;
}

export class AttachmentsRepo {
  constructor(private readonly db: Database) {}

  /** Every file of one change in one statement. */
  async insert(trx: Trx, rows: NewAttachmentRow[]): Promise<void> {
    if (rows.length > 0) await this.db.execute(insertRows('attachments', rows), trx);
  }

  /** Which of these stored names a row points to. */
  async knownStoredNames(names: string[]): Promise<Set<string>> {
    const rows = await this.db.select<{ stored_name: string }>(sql`SELECT stored_name FROM attachments WHERE ${inList('stored_name', names)}`);
    return new Set(rows.map((r) => r.stored_name));
  }
}
