import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // One evaluation per closed ticket; rating null means "non évalué" (auto-closed).
  await knex.schema.createTable('satisfaction', (t) => {
    t.integer('ticket_id').primary().references('tickets.id');
    t.integer('team_id').nullable().references('teams.id');
    t.integer('agent_id').nullable().references('users.id');
    t.integer('rating').nullable();
    t.text('comment').notNullable().defaultTo('');
    t.string('source', 12).notNullable(); // requester | auto
    t.timestamp('created_at').notNullable();
    t.index(['team_id', 'created_at']);
  });
}

export const down = forwardOnly;
