import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/**
 * Accounts taken from the academy directory: where each account comes from, who deactivated it
 * (the directory's sync re-enables only those it deactivated itself), establishments the
 * directory named before the admin described them, which establishments a person heads, and
 * the directory syncs' record.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('source', 16).notNullable().defaultTo('local'); // local | directory
    t.string('deactivated_by', 16).nullable(); // admin | directory
  });
  await knex.schema.alterTable('establishments', (t) => {
    t.boolean('to_complete').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('user_establishments', (t) => {
    t.boolean('responsible').notNullable().defaultTo(false);
  });
  // Until now a responsable headed every establishment of theirs.
  await knex('user_establishments')
    .whereIn('user_id', knex('user_roles').where({ role: 'responsable' }).select('user_id'))
    .update({ responsible: true });
  await knex('users').where({ active: false }).update({ deactivated_by: 'admin' });
  await knex.schema.createTable('directory_syncs', (t) => {
    t.increments('id');
    t.timestamp('started_at').notNullable();
    t.timestamp('finished_at').nullable();
    t.boolean('dry_run').notNullable().defaultTo(false);
    t.string('status', 16).notNullable(); // running | done | failed
    t.integer('entries').notNullable().defaultTo(0);
    t.integer('created').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('unchanged').notNullable().defaultTo(0);
    t.integer('deactivated').notNullable().defaultTo(0);
    t.integer('reactivated').notNullable().defaultTo(0);
    t.integer('establishments_created').notNullable().defaultTo(0);
    t.text('errors').notNullable().defaultTo('');
  });
}

export const down = forwardOnly;
