import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/** Count of "Visible par: Responsables" tickets per establishment and status, kept by triggers. */
export const SHARED_COUNTS_REBUILD = `
  DELETE FROM ticket_shared_counts;
  INSERT INTO ticket_shared_counts (establishment_id, status, n)
    SELECT establishment_id, status, count(*) FROM tickets WHERE visibility = 'managers' GROUP BY 1, 2;`;

const bump = (row: 'NEW' | 'OLD', delta: 1 | -1) => `
    INSERT INTO ticket_shared_counts (establishment_id, status, n)
      SELECT ${row}.establishment_id, ${row}.status, ${delta} WHERE ${row}.visibility = 'managers'
      ON CONFLICT (establishment_id, status) DO UPDATE SET n = n + (${delta});`;

export async function up(knex: Knex): Promise<void> {
  // A large establishment's responsable sees tens of thousands of shared tickets: the "Partagés"
  // tabs read these few rows instead of counting them on every page.
  await knex.schema.createTable('ticket_shared_counts', (t) => {
    t.integer('establishment_id').notNullable();
    t.string('status', 20).notNullable();
    t.integer('n').notNullable();
    t.primary(['establishment_id', 'status']);
  });
  for (const statement of SHARED_COUNTS_REBUILD.split(';').map((x) => x.trim()).filter(Boolean)) await knex.raw(statement);
  await knex.raw(`CREATE TRIGGER tickets_shared_counts_insert AFTER INSERT ON tickets WHEN NEW.visibility = 'managers' BEGIN ${bump('NEW', 1)} END`);
  await knex.raw(`CREATE TRIGGER tickets_shared_counts_delete AFTER DELETE ON tickets WHEN OLD.visibility = 'managers' BEGIN ${bump('OLD', -1)} END`);
  await knex.raw(`CREATE TRIGGER tickets_shared_counts_update AFTER UPDATE OF establishment_id, visibility, status ON tickets
    WHEN (OLD.visibility = 'managers' OR NEW.visibility = 'managers')
      AND (OLD.establishment_id <> NEW.establishment_id OR OLD.visibility <> NEW.visibility OR OLD.status <> NEW.status)
    BEGIN ${bump('OLD', -1)} ${bump('NEW', 1)} END`);
}

export const down = forwardOnly;
