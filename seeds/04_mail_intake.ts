import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { rowsOf } from '../src/db/sql.js';
import { CATALOGUE_DOCUMENTS } from '../src/features/catalogue/catalogue.repo.js';

// Where a ticket opened by mail goes (issue: a mail to the helpdesk from a known user): a
// sub-category "À qualifier" under a domain that users never browse (inactive), with no team, so
// that the platform team qualifies it. Its id is the setting mail_intake_subcategory_id.

export async function seed(knex: Knex): Promise<void> {
  const kept = await knex('settings').where({ key: 'mail_intake_subcategory_id' }).first('value');
  if (kept && JSON.parse(kept.value) !== null) return;
  await knex.transaction(async (trx) => {
    const insert = async (table: string, row: Record<string, unknown>): Promise<number> => (await trx(table).insert(row).returning('id'))[0].id;
    const position = Number((await trx('cat_domains').max({ p: 'position' }))[0].p ?? 0) + 1;
    const domain = await insert('cat_domains', { name: 'Demandes reçues par courriel', position, active: false });
    const group = await insert('cat_groups', { parent_id: domain, name: 'Courriels', position: 0 });
    const family = await insert('cat_families', { parent_id: group, name: 'Courriels', position: 0 });
    const service = await insert('cat_services', { parent_id: family, name: 'Demande reçue par courriel', position: 0 });
    const sub = await insert('cat_subcategories', { parent_id: service, name: 'À qualifier', keywords: '', team_id: null, establishment_types: 'ecole,college,lycee,service', position: 0 });
    await trx('settings').insert({ key: 'mail_intake_subcategory_id', value: JSON.stringify(sub) }).onConflict('key').merge();
    // Indexed as every sub-category is; the search leaves out those of an inactive domain.
    for (const q of dialectOf(knex).reindexAll('catalogue', CATALOGUE_DOCUMENTS)) await rowsOf(trx, q);
  });
}
