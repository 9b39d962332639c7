import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('user_roles', (t) => {
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('role', 20).notNullable(); // responsable | agent | admin (everyone is a demandeur)
    t.primary(['user_id', 'role']);
  });
}


export const down = forwardOnly;
