import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // Every admin change: who, what, before, after, when.
  await knex.schema.createTable('admin_audit', (t) => {
    t.increments('id');
    t.integer('actor_id').nullable().references('users.id');
    t.string('action', 40).notNullable(); // create | update | delete | import …
    t.string('entity', 40).notNullable(); // domain, subcategory, team, user, establishment, setting…
    t.integer('entity_id').nullable();
    t.text('before').nullable(); // JSON
    t.text('after').nullable(); // JSON
    t.timestamp('created_at').notNullable();
    t.index(['created_at']);
    t.index(['entity', 'entity_id']);
  });
}

export const down = forwardOnly;
