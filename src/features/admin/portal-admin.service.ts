import type { Transactions, Trx } from '../../db/database.js';
import { NotFoundError, ValidationError } from '../../http/errors.js';
import { IMPACTS, URGENCIES, type PriorityMatrix, type Priority } from '../tickets/vocabulary.js';
import type { Settings, SettingsRepo } from './settings.repo.js';
import type { AuditRepo } from './audit.repo.js';
import { nameTaken } from './names.js';
import type { PortalService } from '../portal/portal.service.js';
import type { PortalRepo } from '../portal/portal.repo.js';

export interface SectionFields { name: string; position: number }
export interface ToolFields { name: string; url: string; description: string; position: number }

/** The ARENA page's sections and tools, the display settings, the delays, the matrix, the upload limits. */
export class PortalAdminService {
  constructor(private readonly deps: { db: Transactions; portalRepo: PortalRepo; settings: SettingsRepo; portal: PortalService; audit: AuditRepo; now: () => Date }) {}

  /** A change of sections or tools, after which the ARENA page reads them again (committed or not). */
  private async changing<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    try {
      return await this.deps.db.transaction(work);
    } finally {
      this.deps.portal.forget();
    }
  }

  async sections() {
    const [sections, tools] = await Promise.all([this.deps.portalRepo.sections(), this.deps.portalRepo.tools()]);
    return sections.map((s) => ({ ...s, tools: tools.filter((t) => t.section_id === s.id) }));
  }

  async saveSection(actorId: number, id: number | null, f: SectionFields): Promise<number> {
    const { portalRepo, audit, now } = this.deps;
    return this.changing(async (trx) => {
      if (nameTaken(await portalRepo.sectionNames(trx), f.name, id)) throw new ValidationError({ name: 'Une rubrique porte déjà ce nom.' });
      return audit.saveAudited(trx, actorId, { table: 'portal_sections', entity: 'portal_section', id }, { ...f }, now());
    });
  }

  async deleteSection(actorId: number, id: number): Promise<void> {
    const { portalRepo, audit, now } = this.deps;
    await this.changing(async (trx) => {
      const before = await portalRepo.section(trx, id);
      if (!before) throw new NotFoundError();
      const tools = await portalRepo.toolsOf(trx, id);
      await portalRepo.removeSection(trx, id);
      await audit.record(trx, { actorId, action: 'delete', entity: 'portal_section', entityId: id, before: { ...before, tools } }, now());
    });
  }

  async saveTool(actorId: number, sectionId: number, id: number | null, f: ToolFields): Promise<number> {
    const { portalRepo, audit, now } = this.deps;
    return this.changing(async (trx) => {
      if (!(await portalRepo.section(trx, sectionId))) throw new NotFoundError();
      if (nameTaken(await portalRepo.toolsOf(trx, sectionId), f.name, id)) throw new ValidationError({ name: 'Un outil de cette rubrique porte déjà ce nom.' });
      return audit.saveAudited(trx, actorId, { table: 'portal_tools', entity: 'portal_tool', id }, { ...f, section_id: sectionId }, now());
    });
  }

  async deleteTool(actorId: number, id: number): Promise<void> {
    const { portalRepo, audit, now } = this.deps;
    await this.changing(async (trx) => {
      const before = await portalRepo.tool(trx, id);
      if (!before) throw new NotFoundError();
      await portalRepo.removeTool(trx, id);
      await audit.record(trx, { actorId, action: 'delete', entity: 'portal_tool', entityId: id, before }, now());
    });
  }

  /** Write several settings in one transaction, auditing before and after. */
  async saveSettings(actorId: number, values: Partial<Settings>): Promise<void> {
    const { db, settings, audit, now } = this.deps;
    await db.transaction(async (trx) => {
      const current = await settings.all(trx);
      const before: Record<string, unknown> = {};
      for (const key of Object.keys(values) as Array<keyof Settings>) {
        before[key] = current[key];
        await settings.set(trx, key, values[key] as never);
      }
      await audit.record(trx, { actorId, action: 'update', entity: 'setting', entityId: null, before, after: values }, now());
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
