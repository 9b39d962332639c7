import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // A CSV file between its preview and its import: the admin confirms what they saw.
  await knex.schema.createTable('import_batches', (t) => {
    t.string('token', 64).primary();
    t.string('kind', 20).notNullable(); // catalogue | users
    t.text('content').notNullable();
    t.integer('created_by').notNullable().references('users.id');
    t.timestamp('created_at').notNullable();
  });
}

export const down = forwardOnly;
