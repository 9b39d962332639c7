import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // One index per dashboard list: the filter columns, then the sort column.
  await knex.schema.alterTable('tickets', (t) => {
    t.index(['requester_id', 'status', 'created_at'], 'tickets_requester_status_created');
    t.index(['beneficiary_id', 'status', 'created_at'], 'tickets_beneficiary_status_created');
    t.index(['establishment_id', 'visibility', 'status', 'created_at'], 'tickets_establishment_vis_status_created');
    t.index(['team_id', 'status', 'created_at'], 'tickets_team_status_created');
    t.index(['agent_id', 'status', 'created_at'], 'tickets_agent_status_created');
    t.index(['subcategory_id', 'status'], 'tickets_subcategory_status');
  });
}


export const down = forwardOnly;
