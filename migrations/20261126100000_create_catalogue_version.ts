import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { forwardOnly } from '../src/db/forward-only.js';

export const CATALOGUE_TABLES = ['cat_domains', 'cat_groups', 'cat_families', 'cat_services', 'cat_subcategories'];

export async function up(knex: Knex): Promise<void> {
  // The app keeps the catalogue (a few hundred rows) in memory. Any change to it, by whatever
  // route, moves this one number, which tells the app to read the catalogue again.
  await knex.schema.createTable('catalogue_version', (t) => {
    t.integer('id').primary();
    t.integer('version').notNullable();
  });
  await knex('catalogue_version').insert({ id: 1, version: 1 });
  for (const table of CATALOGUE_TABLES) {
    for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
      await dialectOf(knex).createRowTrigger(knex, {
        name: `${table}_version_${event.toLowerCase()}`, table, event, statements: ['UPDATE catalogue_version SET version = version + 1 WHERE id = 1'],
      });
    }
  }
}

export const down = forwardOnly;
