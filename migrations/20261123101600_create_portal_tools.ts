import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('portal_tools', (t) => {
    t.increments('id');
    t.integer('section_id').notNullable().references('portal_sections.id').onDelete('CASCADE');
    t.string('name').notNullable();
    t.string('url', 500).notNullable(); // "helpdesk" for Guichet itself
    t.text('description').notNullable().defaultTo('');
    t.integer('position').notNullable().defaultTo(0);
    t.unique(['section_id', 'name']);
  });
}


export const down = forwardOnly;
