import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ticket_history', (t) => {
    t.increments('id');
    t.integer('ticket_id').notNullable().references('tickets.id');
    t.integer('actor_id').nullable().references('users.id'); // null: the system
    t.string('event', 40).notNullable();
    t.string('from_status', 20).nullable();
    t.string('to_status', 20).nullable();
    t.text('details').notNullable().defaultTo(''); // JSON: the fields changed, before and after
    t.timestamp('created_at').notNullable();
    t.index(['ticket_id', 'created_at']);
  });
}


export const down = forwardOnly;
