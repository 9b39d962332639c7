import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('attachments', (t) => {
    t.increments('id');
    t.integer('ticket_id').notNullable().references('tickets.id');
    t.integer('journal_entry_id').nullable().references('journal_entries.id');
    t.integer('uploader_id').notNullable().references('users.id');
    t.string('original_name', 255).notNullable();
    t.string('stored_name', 64).notNullable().unique(); // random, never the user's name
    t.string('mime', 100).notNullable();
    t.integer('size').notNullable();
    t.boolean('private').notNullable().defaultTo(false); // added by an agent to the private journal
    t.timestamp('created_at').notNullable();
    t.index(['ticket_id']);
  });
}


export const down = forwardOnly;
