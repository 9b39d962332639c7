import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { forwardOnly } from '../src/db/forward-only.js';

// The statuses "in progress", written as TicketsRepo's statusIn() writes them (same order): SQLite uses a
// partial index only for queries whose WHERE has this very term.
const IN_PROGRESS = "status IN ('nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente', 'a_completer')";

export async function up(knex: Knex): Promise<void> {
  // Open tickets are a few percent of a base that grows for years: the queues and "Partagés"
  // read only them, in date order, and count them without visiting the table.
  // The queue a ticket waits in: its team, or 0 for "no team found" (the platform team's). One
  // column, so that an agent's queues are ranges of one index, not an OR that visits the table.
  await dialectOf(knex).addGeneratedColumn(knex, 'tickets', 'queue_team_id', 'integer', 'coalesce(team_id, 0)');
  await knex.raw(`CREATE INDEX tickets_open_queue_agent_created ON tickets (queue_team_id, agent_id, created_at) WHERE ${IN_PROGRESS}`);
  await knex.raw(`CREATE INDEX tickets_open_establishment_vis_created ON tickets (establishment_id, visibility, created_at) WHERE ${IN_PROGRESS}`);
  // An agent's own tickets: only assigned ones, so that "agent_id IS NULL" (the tickets to take)
  // can never be mistaken for a narrow range of this index by the planner.
  await knex.raw('CREATE INDEX tickets_assigned_status_created ON tickets (agent_id, status, created_at) WHERE agent_id IS NOT NULL');
  await knex.raw('DROP INDEX tickets_agent_status_created');
}

export const down = forwardOnly;
