import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { forwardOnly } from '../src/db/forward-only.js';

/** Count of tickets per queue, agent (0: none) and status, kept by triggers: tab counts without counting. */
export const QUEUE_COUNTS_REBUILD = [
  'DELETE FROM ticket_queue_counts',
  `INSERT INTO ticket_queue_counts (queue_team_id, agent_key, status, n)
    SELECT coalesce(team_id, 0), coalesce(agent_id, 0), status, count(*) FROM tickets GROUP BY coalesce(team_id, 0), coalesce(agent_id, 0), status`,
];

const bump = (row: 'NEW' | 'OLD', delta: 1 | -1) => `
    INSERT INTO ticket_queue_counts (queue_team_id, agent_key, status, n)
      VALUES (coalesce(${row}.team_id, 0), coalesce(${row}.agent_id, 0), ${row}.status, ${delta})
      ON CONFLICT (queue_team_id, agent_key, status) DO UPDATE SET n = ticket_queue_counts.n + (${delta})`;

export async function up(knex: Knex): Promise<void> {
  // A queue of tens of thousands of open tickets must not be counted on every page: the agent's
  // tab counts read these few rows instead. agent_key is 0 for "nobody" (NULLs would not conflict).
  await knex.schema.createTable('ticket_queue_counts', (t) => {
    t.integer('queue_team_id').notNullable();
    t.integer('agent_key').notNullable();
    t.string('status', 20).notNullable();
    t.integer('n').notNullable();
    t.primary(['queue_team_id', 'agent_key', 'status']);
  });
  for (const statement of QUEUE_COUNTS_REBUILD) await knex.raw(statement);
  const d = dialectOf(knex);
  await d.createRowTrigger(knex, { name: 'tickets_queue_counts_insert', table: 'tickets', event: 'INSERT', statements: [bump('NEW', 1)] });
  await d.createRowTrigger(knex, { name: 'tickets_queue_counts_delete', table: 'tickets', event: 'DELETE', statements: [bump('OLD', -1)] });
  await d.createRowTrigger(knex, {
    name: 'tickets_queue_counts_update', table: 'tickets', event: 'UPDATE OF team_id, agent_id, status',
    when: 'coalesce(OLD.team_id, 0) <> coalesce(NEW.team_id, 0) OR coalesce(OLD.agent_id, 0) <> coalesce(NEW.agent_id, 0) OR OLD.status <> NEW.status',
    statements: [bump('OLD', -1), bump('NEW', 1)],
  });
}

export const down = forwardOnly;
