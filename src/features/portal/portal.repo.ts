import type { Database, Trx } from '../../db/database.js';
import { sql } from '../../db/sql.js';

export interface SectionRow { id: number; name: string; position: number }
export interface ToolRow { id: number; section_id: number; name: string; url: string; description: string; position: number }

/** The ARENA page's sections and their tools. */
export class PortalRepo {
  constructor(private readonly db: Database) {}

  sections(): Promise<SectionRow[]> {
    return this.db.select(sql`SELECT id, name, position FROM portal_sections ORDER BY position, name`);
  }

  tools(): Promise<ToolRow[]> {
    return this.db.select(sql`SELECT id, section_id, name, url, description, position FROM portal_tools ORDER BY position, name`);
  }

  section(trx: Trx, id: number): Promise<SectionRow | undefined> {
    return this.db.first(sql`SELECT * FROM portal_sections WHERE id = ${id}`, trx);
  }

  tool(trx: Trx, id: number): Promise<ToolRow | undefined> {
    return this.db.first(sql`SELECT * FROM portal_tools WHERE id = ${id}`, trx);
  }

  sectionNames(trx: Trx): Promise<Array<{ id: number; name: string }>> {
    return this.db.select(sql`SELECT id, name FROM portal_sections`, trx);
  }

  toolsOf(trx: Trx, sectionId: number): Promise<ToolRow[]> {
    return this.db.select(sql`SELECT * FROM portal_tools WHERE section_id = ${sectionId}`, trx);
  }

  /** A section and its tools. */
  async removeSection(trx: Trx, id: number): Promise<void> {
    await this.db.execute(sql`DELETE FROM portal_tools WHERE section_id = ${id}`, trx);
    await this.db.execute(sql`DELETE FROM portal_sections WHERE id = ${id}`, trx);
  }

  async removeTool(trx: Trx, id: number): Promise<void> {
    await this.db.execute(sql`DELETE FROM portal_tools WHERE id = ${id}`, trx);
  }
}
