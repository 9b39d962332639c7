import type { Knex } from 'knex';
import type { SettingsService } from '../admin/settings.service.js';

export interface PortalSection {
  id: number;
  name: string;
  tools: Array<{ id: number; name: string; url: string; description: string; isHelpdesk: boolean }>;
}

/** The ARENA page: sections of tools; the helpdesk tool is Guichet itself, named by a setting. */
export class PortalService {
  constructor(
    private readonly db: Knex,
    private readonly settings: SettingsService,
  ) {}

  async sections(): Promise<PortalSection[]> {
    const [sections, tools, s] = await Promise.all([
      this.db('portal_sections').orderBy(['position', 'name']).select('id', 'name'),
      this.db('portal_tools').orderBy(['position', 'name']).select('id', 'section_id', 'name', 'url', 'description'),
      this.settings.all(),
    ]);
    return sections.map((sec: { id: number; name: string }) => ({
      id: sec.id,
      name: sec.name,
      tools: tools
        .filter((t: { section_id: number }) => t.section_id === sec.id)
        .map((t: { id: number; name: string; url: string; description: string }) => {
          const isHelpdesk = t.url === 'helpdesk';
          return { id: t.id, name: isHelpdesk ? s.helpdesk_name : t.name, url: isHelpdesk ? '/guichet' : t.url, description: t.description, isHelpdesk };
        }),
    }));
  }
}
