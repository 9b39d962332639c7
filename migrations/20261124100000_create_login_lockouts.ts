import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // Failed logins per identifiant typed (known or not, so that a lockout reveals nothing),
  // kept in the database so that a restart does not reopen the door.
  await knex.schema.createTable('login_lockouts', (t) => {
    t.string('identifiant', 64).primary();
    t.integer('failures').notNullable().defaultTo(0);
    t.timestamp('locked_until').nullable();
    t.timestamp('last_failure_at').notNullable();
    t.index(['locked_until']);
  });
}

export const down = forwardOnly;
