import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // Mails are written here in the transaction of the change that caused them, then sent by the worker.
  await knex.schema.createTable('outbox', (t) => {
    t.increments('id');
    t.string('kind', 40).notNullable();
    t.integer('to_user_id').nullable().references('users.id');
    t.string('to_address').notNullable();
    t.integer('ticket_id').nullable().references('tickets.id');
    t.string('subject', 300).notNullable();
    t.text('text_body').notNullable();
    t.text('html_body').notNullable();
    t.string('status', 10).notNullable().defaultTo('pending'); // pending | sent | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at').notNullable();
    t.string('lock_id', 40).nullable();
    t.timestamp('locked_until').nullable();
    t.text('last_error').nullable();
    t.timestamp('created_at').notNullable();
    t.timestamp('sent_at').nullable();
    t.index(['status', 'next_attempt_at']);
    t.index(['ticket_id']);
    t.index(['lock_id']);
  });
}

export const down = forwardOnly;
