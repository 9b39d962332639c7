import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cat_subcategories', (t) => {
    t.increments('id');
    t.integer('parent_id').notNullable().references('cat_services.id');
    t.string('name').notNullable();
    t.text('keywords').notNullable().defaultTo('');
    t.integer('team_id').nullable().references('teams.id');
    t.boolean('accepts_incident').notNullable().defaultTo(true);
    t.boolean('accepts_request').notNullable().defaultTo(true);
    t.string('establishment_types').notNullable().defaultTo('ecole,college,lycee,service'); // CSV of types
    t.integer('position').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.unique(['parent_id', 'name']);
  });
}


export const down = forwardOnly;
