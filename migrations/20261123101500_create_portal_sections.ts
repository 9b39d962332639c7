import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('portal_sections', (t) => {
    t.increments('id');
    t.string('name').notNullable().unique();
    t.integer('position').notNullable().defaultTo(0);
  });
}


export const down = forwardOnly;
