import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/**
 * The agents' "Résolus › Équipe" tab reads a team's queue among resolved and closed tickets:
 * without this index PostgreSQL reads the whole table for it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX tickets_queue_status_created ON tickets (queue_team_id, status, created_at)');
}

export const down = forwardOnly;
