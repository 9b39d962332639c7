import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.string('identifiant', 64).notNullable().unique(); // stored upper-case
    t.string('first_name').notNullable();
    t.string('last_name').notNullable();
    t.string('email').notNullable().defaultTo('');
    t.string('phone', 40).notNullable().defaultTo('');
    t.string('title').notNullable().defaultTo(''); // professeure des écoles, directrice…
    t.string('password_hash').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at').notNullable();
  });
}


export const down = forwardOnly;
