import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('journal_entries', (t) => {
    t.increments('id');
    t.integer('ticket_id').notNullable().references('tickets.id');
    t.integer('author_id').notNullable().references('users.id');
    t.string('visibility', 10).notNullable(); // public | private
    t.text('body').notNullable();
    t.timestamp('created_at').notNullable();
    t.index(['ticket_id', 'visibility', 'created_at']);
  });
}


export const down = forwardOnly;
