import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('establishments', (t) => {
    t.increments('id');
    t.string('rne', 8).notNullable().unique(); // RNE/UAI: 7 digits + 1 letter
    t.string('name').notNullable();
    t.string('type', 20).notNullable(); // ecole | college | lycee | service
    t.string('city').notNullable().defaultTo('');
  });
}


export const down = forwardOnly;
