import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/**
 * A ticket gets its reference (R- and its id on six digits or more, as `formatRef`) in the same
 * statement that inserts it: a ticket never exists without one, and a creation sends one
 * statement fewer. An insert that brings its own reference (an import, the benchmark's data)
 * keeps it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TRIGGER tickets_ref AFTER INSERT ON tickets WHEN NEW.ref IS NULL
    BEGIN UPDATE tickets SET ref = printf('R-%06d', NEW.id) WHERE id = NEW.id; END`);
  // Tickets written before without a reference (none is expected) get theirs now.
  await knex.raw(`UPDATE tickets SET ref = printf('R-%06d', id) WHERE ref IS NULL`);
}

export const down = forwardOnly;
