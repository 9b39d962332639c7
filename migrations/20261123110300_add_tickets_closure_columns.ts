import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => {
    t.string('closed_by', 12).nullable(); // requester | system
    t.timestamp('reminder_sent_at').nullable();
  });
  await knex.schema.alterTable('tickets', (t) => {
    t.index(['status', 'resolved_at'], 'tickets_status_resolved');
  });
}

export const down = forwardOnly;
