import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // A row per kind of mail a user chose not to receive.
  await knex.schema.createTable('notification_opt_outs', (t) => {
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('kind', 40).notNullable();
    t.primary(['user_id', 'kind']);
  });
}

export const down = forwardOnly;
