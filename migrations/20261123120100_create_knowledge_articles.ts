import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('knowledge_articles', (t) => {
    t.increments('id');
    t.string('kind', 10).notNullable(); // faq | fiche
    t.string('title', 200).notNullable();
    t.text('body').notNullable(); // Markdown
    t.string('keywords', 500).notNullable().defaultTo('');
    t.integer('service_id').nullable().references('cat_services.id');
    t.boolean('published').notNullable().defaultTo(true);
    t.integer('position').notNullable().defaultTo(0);
    t.timestamp('created_at').notNullable();
    t.timestamp('updated_at').notNullable();
    t.index(['kind', 'published', 'position']);
  });
}

export const down = forwardOnly;
