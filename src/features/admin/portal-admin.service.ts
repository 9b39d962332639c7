import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../../http/errors.js';
import { IMPACTS, URGENCIES, type PriorityMatrix, type Priority } from '../tickets/vocabulary.js';
import type { Settings, SettingsService } from './settings.service.js';
import { audit, writeAudited } from './audit.js';
import { nameTaken } from './names.js';
import type { PortalService } from '../portal/portal.service.js';

export interface SectionFields { name: string; position: number }
export interface ToolFields { name: string; url: string; description: string; position: number }

/** The ARENA page's sections and tools, the display settings, the delays, the matrix, the upload limits. */
export class PortalAdminService {
  constructor(private readonly deps: { db: Knex; settings: SettingsService; portal: PortalService; now: () => Date }) {}

  /** A change of sections or tools, after which the ARENA page reads them again (committed or not). */
  private async changing<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.deps.db.transaction(work);
    } finally {
      this.deps.portal.forget();
    }
  }

  async sections() {
    const { db } = this.deps;
    const [sections, tools] = await Promise.all([db('portal_sections').orderBy(['position', 'name']), db('portal_tools').orderBy(['position', 'name'])]);
    return sections.map((s: { id: number }) => ({ ...s, tools: tools.filter((t: { section_id: number }) => t.section_id === s.id) }));
  }

  async saveSection(actorId: number, id: number | null, f: SectionFields): Promise<number> {
    return this.changing(async (trx) => {
      if (await nameTaken(trx('portal_sections'), f.name, id)) {
        throw new ValidationError({ name: 'Une rubrique porte déjà ce nom.' });
      }
      return writeAudited(trx, actorId, { table: 'portal_sections', entity: 'portal_section', id }, { ...f }, this.deps.now());
    });
  }

  async deleteSection(actorId: number, id: number): Promise<void> {
    await this.changing(async (trx) => {
      const before = await trx('portal_sections').where({ id }).first();
      if (!before) throw new NotFoundError();
      const tools = await trx('portal_tools').where({ section_id: id });
      await trx('portal_tools').where({ section_id: id }).delete();
      await trx('portal_sections').where({ id }).delete();
      await audit(trx, { actorId, action: 'delete', entity: 'portal_section', entityId: id, before: { ...before, tools } }, this.deps.now());
    });
  }

  async saveTool(actorId: number, sectionId: number, id: number | null, f: ToolFields): Promise<number> {
    return this.changing(async (trx) => {
      if (!(await trx('portal_sections').where({ id: sectionId }).first('id'))) throw new NotFoundError();
      if (await nameTaken(trx('portal_tools').where({ section_id: sectionId }), f.name, id)) {
        throw new ValidationError({ name: 'Un outil de cette rubrique porte déjà ce nom.' });
      }
      return writeAudited(trx, actorId, { table: 'portal_tools', entity: 'portal_tool', id }, { ...f, section_id: sectionId }, this.deps.now());
    });
  }

  async deleteTool(actorId: number, id: number): Promise<void> {
    await this.changing(async (trx) => {
      const before = await trx('portal_tools').where({ id }).first();
      if (!before) throw new NotFoundError();
      await trx('portal_tools').where({ id }).delete();
      await audit(trx, { actorId, action: 'delete', entity: 'portal_tool', entityId: id, before }, this.deps.now());
    });
  }

  /** Write several settings in one transaction, auditing before and after. */
  async saveSettings(actorId: number, values: Partial<Settings>): Promise<void> {
    const { db, settings, now } = this.deps;
    await db.transaction(async (trx) => {
      const current = await settings.all(trx);
      const before: Record<string, unknown> = {};
      for (const key of Object.keys(values) as Array<keyof Settings>) {
        before[key] = current[key];
        await settings.set(key, values[key] as never, trx);
      }
      await audit(trx, { actorId, action: 'update', entity: 'setting', entityId: null, before, after: values }, now());
    });
  }

}

/** The matrix from the settings form's m_<impact>_<urgency> fields. */
export function matrixFromForm(values: Record<string, unknown>): PriorityMatrix {
  const m = {} as PriorityMatrix;
  for (const i of IMPACTS) {
    m[i] = {} as PriorityMatrix[typeof i];
    for (const u of URGENCIES) m[i][u] = Number(values[`m_${i}_${u}`]) as Priority;
  }
  return m;
}
