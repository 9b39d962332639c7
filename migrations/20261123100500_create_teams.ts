import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('teams', (t) => {
    t.increments('id');
    t.string('name').notNullable().unique();
    t.string('email').notNullable().defaultTo('');
    t.boolean('business').notNullable().defaultTo(false); // listed as "Equipe métier concernée"
    t.boolean('active').notNullable().defaultTo(true);
  });
}


export const down = forwardOnly;
