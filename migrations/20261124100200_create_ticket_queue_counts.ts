import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/** Count of tickets per queue, agent (0: none) and status, kept by triggers: tab counts without counting. */
export const QUEUE_COUNTS_REBUILD = `
  DELETE FROM ticket_queue_counts;
  INSERT INTO ticket_queue_counts (queue_team_id, agent_key, status, n)
    SELECT coalesce(team_id, 0), coalesce(agent_id, 0), status, count(*) FROM tickets GROUP BY 1, 2, 3;`;

const bump = (row: 'NEW' | 'OLD', delta: 1 | -1) => `
    INSERT INTO ticket_queue_counts (queue_team_id, agent_key, status, n)
      VALUES (coalesce(${row}.team_id, 0), coalesce(${row}.agent_id, 0), ${row}.status, ${delta})
      ON CONFLICT (queue_team_id, agent_key, status) DO UPDATE SET n = n + (${delta});`;

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
  for (const statement of QUEUE_COUNTS_REBUILD.split(';').map((x) => x.trim()).filter(Boolean)) await knex.raw(statement);
  await knex.raw(`CREATE TRIGGER tickets_queue_counts_insert AFTER INSERT ON tickets BEGIN ${bump('NEW', 1)} END`);
  await knex.raw(`CREATE TRIGGER tickets_queue_counts_delete AFTER DELETE ON tickets BEGIN ${bump('OLD', -1)} END`);
  await knex.raw(`CREATE TRIGGER tickets_queue_counts_update AFTER UPDATE OF team_id, agent_id, status ON tickets
    WHEN coalesce(OLD.team_id, 0) <> coalesce(NEW.team_id, 0) OR coalesce(OLD.agent_id, 0) <> coalesce(NEW.agent_id, 0) OR OLD.status <> NEW.status
    BEGIN ${bump('OLD', -1)} ${bump('NEW', 1)} END`);
}

export const down = forwardOnly;
