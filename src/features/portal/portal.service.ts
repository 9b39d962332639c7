import type { SettingsRepo } from '../admin/settings.repo.js';
import type { PortalRepo, SectionRow, ToolRow } from './portal.repo.js';

export interface PortalSection {
  id: number;
  name: string;
  tools: Array<{ id: number; name: string; url: string; description: string; isHelpdesk: boolean }>;
}


/**
 * The ARENA page: sections of tools; the helpdesk tool is Guichet itself, named by a setting.
 * The sections and tools are kept in memory (the login page and the portal show them on every
 * view); PortalAdminService calls forget() after each change it commits.
 */
export class PortalService {
  private rows: Promise<[SectionRow[], ToolRow[]]> | null = null;

  constructor(
    private readonly portal: PortalRepo,
    private readonly settings: SettingsRepo,
  ) {}

  /** Read again on the next view: the admin changed a section or a tool. */
  forget(): void {
    this.rows = null;
  }

  private load(): Promise<[SectionRow[], ToolRow[]]> {
    if (!this.rows) {
      const loading = Promise.all([this.portal.sections(), this.portal.tools()]);
      this.rows = loading;
      loading.catch(() => {
        if (this.rows === loading) this.rows = null;
      });
    }
    return this.rows;
  }

  async sections(): Promise<PortalSection[]> {
    const [[sections, tools], s] = await Promise.all([this.load(), this.settings.all()]);
    return sections.map((sec) => ({
      id: sec.id,
      name: sec.name,
      tools: tools
        .filter((t) => t.section_id === sec.id)
        .map((t) => {
          const isHelpdesk = t.url === 'helpdesk';
          return { id: t.id, name: isHelpdesk ? s.helpdesk_name : t.name, url: isHelpdesk ? '/guichet' : t.url, description: t.description, isHelpdesk };
        }),
    }));
  }
}
