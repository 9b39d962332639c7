import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { forwardOnly } from '../src/db/forward-only.js';

/** Count of "Visible par: Responsables" tickets per establishment and status, kept by triggers. */
export const SHARED_COUNTS_REBUILD = [
  'DELETE FROM ticket_shared_counts',
  `INSERT INTO ticket_shared_counts (establishment_id, status, n)
    SELECT establishment_id, status, count(*) FROM tickets WHERE visibility = 'managers' GROUP BY establishment_id, status`,
];

const bump = (row: 'NEW' | 'OLD', delta: 1 | -1) => `
    INSERT INTO ticket_shared_counts (establishment_id, status, n)
      SELECT ${row}.establishment_id, ${row}.status, ${delta} WHERE ${row}.visibility = 'managers'
      ON CONFLICT (establishment_id, status) DO UPDATE SET n = ticket_shared_counts.n + (${delta})`;

export async function up(knex: Knex): Promise<void> {
  // A large establishment's responsable sees tens of thousands of shared tickets: the "Partagés"
  // tabs read these few rows instead of counting them on every page.
  await knex.schema.createTable('ticket_shared_counts', (t) => {
    t.integer('establishment_id').notNullable();
    t.string('status', 20).notNullable();
    t.integer('n').notNullable();
    t.primary(['establishment_id', 'status']);
  });
  for (const statement of SHARED_COUNTS_REBUILD) await knex.raw(statement);
  const d = dialectOf(knex);
  await d.createRowTrigger(knex, { name: 'tickets_shared_counts_insert', table: 'tickets', event: 'INSERT', when: "NEW.visibility = 'managers'", statements: [bump('NEW', 1)] });
  await d.createRowTrigger(knex, { name: 'tickets_shared_counts_delete', table: 'tickets', event: 'DELETE', when: "OLD.visibility = 'managers'", statements: [bump('OLD', -1)] });
  await d.createRowTrigger(knex, {
    name: 'tickets_shared_counts_update', table: 'tickets', event: 'UPDATE OF establishment_id, visibility, status',
    when: "(OLD.visibility = 'managers' OR NEW.visibility = 'managers') AND (OLD.establishment_id <> NEW.establishment_id OR OLD.visibility <> NEW.visibility OR OLD.status <> NEW.status)",
    statements: [bump('OLD', -1), bump('NEW', 1)],
  });
}

export const down = forwardOnly;
