import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/**
 * Each mail read from the helpdesk's mailbox, once: its Message-ID (unique, so that a mail read
 * again after a crash finds itself here), what it became, and whether its sender was answered
 * (at most one polite answer per sender per hour).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbound_mails', (t) => {
    t.increments('id');
    t.string('message_id', 998).notNullable().unique();
    t.integer('mailbox_uid').nullable();
    t.string('from_address').notNullable().defaultTo('');
    t.string('subject').notNullable().defaultTo('');
    t.string('outcome', 16).notNullable(); // entry | refused | ignored | error
    t.integer('ticket_id').nullable().references('tickets.id');
    t.text('reason').notNullable().defaultTo('');
    t.boolean('answered').notNullable().defaultTo(false);
    t.timestamp('created_at').notNullable();
    t.index(['from_address', 'created_at']);
    t.index(['created_at']);
  });
}

export const down = forwardOnly;
