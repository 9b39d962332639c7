import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // The four upper levels of the service catalogue share one shape.
  const levels: Array<[string, string | null]> = [
    ['cat_domains', null],
    ['cat_groups', 'cat_domains'],
    ['cat_families', 'cat_groups'],
    ['cat_services', 'cat_families'],
  ];
  for (const [table, parent] of levels) {
    await knex.schema.createTable(table, (t) => {
      t.increments('id');
      if (parent) t.integer('parent_id').notNullable().references(parent + '.id');
      t.string('name').notNullable();
      t.integer('position').notNullable().defaultTo(0);
      t.boolean('active').notNullable().defaultTo(true);
      if (parent) t.unique(['parent_id', 'name']);
      else t.unique(['name']);
    });
  }
}


export const down = forwardOnly;
