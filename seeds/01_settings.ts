import type { Knex } from 'knex';
import { DEFAULT_SETTINGS } from '../src/features/admin/settings.repo.js';

/** Default settings and the ARENA portal's sections; never overwrites what an admin changed. */
export async function seed(knex: Knex): Promise<void> {
  const rows = Object.entries(DEFAULT_SETTINGS).map(([key, value]) => ({ key, value: JSON.stringify(value) }));
  await knex('settings').insert(rows).onConflict('key').ignore();

  const [{ n }] = await knex('portal_sections').count({ n: '*' });
  if (Number(n) > 0) return;
  await knex.transaction(async (trx) => {
    const sections: Array<[string, Array<[string, string, string]>]> = [
      ['Support et Assistance', [
        ['helpdesk', 'helpdesk', "Créer et suivre vos demandes d'assistance informatique."],
      ]],
      ['Scolarité du 1er degré', [
        ['ONDE', 'https://onde.education.gouv.fr/', 'Outil numérique pour la direction d\'école.'],
        ['LSU', 'https://lsu.education.gouv.fr/', 'Livret scolaire unique.'],
      ]],
      ['Gestion des personnels', [
        ['I-Prof', 'https://iprof.education.gouv.fr/', 'Dossier de carrière et candidatures.'],
      ]],
      ['Intranet, Référentiels et Outils', [
        ['Webmail', 'https://webmail.education.gouv.fr/', 'Messagerie académique.'],
        ['PUBLINET', 'https://publinet.education.gouv.fr/', 'Publication des documents administratifs.'],
      ]],
    ];
    let position = 0;
    for (const [name, tools] of sections) {
      const [section] = await trx('portal_sections').insert({ name, position: position++ }).returning('id');
      let toolPos = 0;
      for (const [toolName, url, description] of tools) {
        await trx('portal_tools').insert({ section_id: section.id, name: toolName, url, description, position: toolPos++ });
      }
    }
  });
}
