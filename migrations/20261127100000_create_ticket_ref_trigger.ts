import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { forwardOnly } from '../src/db/forward-only.js';

/**
 * A ticket gets its reference (R- and its id on six digits or more) from the database, in the
 * statement that inserts it: a ticket never exists without one, and nothing else writes one. An
 * insert that brings its own reference (the benchmark's data) keeps it.
 */
export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await d.createRowTrigger(knex, {
    name: 'tickets_ref', table: 'tickets', event: 'INSERT', when: 'NEW.ref IS NULL',
    statements: [`UPDATE tickets SET ref = ${d.ticketRef('NEW.id')} WHERE id = NEW.id`],
  });
  // Tickets written before without a reference (none is expected) get theirs now.
  await knex.raw(`UPDATE tickets SET ref = ${d.ticketRef('id')} WHERE ref IS NULL`);
}

export const down = forwardOnly;
