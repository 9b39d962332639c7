import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settings', (t) => {
    t.string('key').primary();
    t.text('value').notNullable(); // JSON
  });
}


export const down = forwardOnly;
