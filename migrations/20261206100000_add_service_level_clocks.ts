import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/**
 * Service levels: each ticket keeps its two clocks' facts (working seconds counted, since when,
 * the targets in force, the verdicts) and the deadlines that follow; each history row records
 * where the clocks stood at that transition. Tickets filed before have no targets yet: the
 * server replays their history to fill them (sla.service.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => {
    t.integer('sla_tto_s').notNullable().defaultTo(0);
    t.integer('sla_ttr_s').notNullable().defaultTo(0);
    t.timestamp('sla_since').nullable();
    t.integer('sla_tto_target_s').nullable();
    t.integer('sla_ttr_target_s').nullable();
    t.boolean('sla_tto_met').nullable();
    t.boolean('sla_ttr_met').nullable();
    t.integer('sla_alerts').notNullable().defaultTo(0);
    t.timestamp('sla_tto_due_at').nullable();
    t.timestamp('sla_ttr_due_at').nullable();
    t.timestamp('sla_due_at').nullable();
    t.timestamp('sla_next_alert_at').nullable();
  });
  await knex.schema.alterTable('tickets', (t) => {
    t.index(['sla_next_alert_at'], 'tickets_sla_next_alert');
  });
  await knex.raw('CREATE INDEX tickets_sla_untracked ON tickets (id) WHERE sla_ttr_target_s IS NULL');
  await knex.schema.alterTable('ticket_history', (t) => {
    t.integer('sla_tto_s').nullable();
    t.integer('sla_ttr_s').nullable();
  });
}

export const down = forwardOnly;
