import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/** A mail set aside that the admin asked to read again: the mailbox worker puts it back in the inbox. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inbound_mails', (t) => {
    t.boolean('retry_requested').notNullable().defaultTo(false);
  });
}

export const down = forwardOnly;
