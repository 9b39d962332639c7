import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tickets', (t) => {
    t.increments('id'); // AUTOINCREMENT: an id, hence a reference, is never reused
    t.string('ref', 16).nullable().unique();
    t.string('kind', 10).notNullable(); // incident | request
    t.integer('requester_id').notNullable().references('users.id');
    t.integer('beneficiary_id').notNullable().references('users.id');
    t.integer('establishment_id').notNullable().references('establishments.id');
    t.string('visibility', 12).notNullable(); // self | managers
    t.integer('subcategory_id').notNullable().references('cat_subcategories.id');
    // The names the ticket was filed under, kept even if the catalogue changes.
    t.string('domain_name').notNullable();
    t.string('group_name').notNullable();
    t.string('family_name').notNullable();
    t.string('service_name').notNullable();
    t.string('subcategory_name').notNullable();
    t.integer('business_team_id').nullable().references('teams.id');
    t.integer('team_id').nullable().references('teams.id');
    t.integer('agent_id').nullable().references('users.id');
    t.string('subject', 200).notNullable();
    t.text('detail').notNullable();
    t.string('phone', 40).notNullable().defaultTo('');
    t.string('availability', 500).notNullable().defaultTo('');
    t.string('impact', 20).notNullable();
    t.string('urgency', 20).notNullable();
    t.integer('priority').notNullable(); // 1 Critique … 4 Basse
    t.string('status', 20).notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at').notNullable();
    t.timestamp('updated_at').notNullable();
    t.timestamp('resolved_at').nullable();
    t.timestamp('closed_at').nullable();
  });
}


export const down = forwardOnly;
