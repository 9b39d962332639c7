import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('user_establishments', (t) => {
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.integer('establishment_id').notNullable().references('establishments.id');
    t.integer('position').notNullable().defaultTo(0); // 0 = main establishment
    t.primary(['user_id', 'establishment_id']);
    t.index(['establishment_id']);
  });
}


export const down = forwardOnly;
