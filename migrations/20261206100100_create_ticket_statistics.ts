import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

/** The resolution-time buckets, in working hours (their upper bounds; the last is open). */
export const STAT_BUCKETS = 12;
const IN_PROGRESS = "status IN ('nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente', 'a_completer')";

/**
 * Statistics kept per day: what was created, resolved and closed, by team, service domain and
 * priority, with the service levels met or missed, the satisfaction given and TTO/TTR histograms;
 * and per month, by sub-category and by establishment. The scheduler recounts the days that
 * changed (statistics.service.ts); `stats_meta` holds how far it went.
 */
export async function up(knex: Knex): Promise<void> {
  const measures = (t: Knex.CreateTableBuilder, names: string[]) => {
    for (const n of names) t.integer(n).notNullable().defaultTo(0);
  };
  const buckets = (prefix: string) => Array.from({ length: STAT_BUCKETS }, (_, i) => `${prefix}_b${i}`);
  await knex.schema.createTable('stats_daily', (t) => {
    t.string('day', 10).notNullable(); // YYYY-MM-DD (UTC)
    t.integer('team_id').notNullable(); // the ticket's queue: its team, 0 for none
    t.string('domain_name').notNullable();
    t.integer('priority').notNullable();
    measures(t, ['created', 'resolved', 'closed', 'tto_met', 'tto_missed', 'ttr_met', 'ttr_missed', 'sat_none', 'sat_1', 'sat_2', 'sat_3', 'sat_4', 'sat_5']);
    measures(t, [...buckets('tto'), ...buckets('ttr')]);
    t.primary(['day', 'team_id', 'domain_name', 'priority']);
  });
  await knex.schema.createTable('stats_monthly_subcategories', (t) => {
    t.string('month', 7).notNullable(); // YYYY-MM
    t.integer('team_id').notNullable();
    t.string('domain_name').notNullable();
    t.string('service_name').notNullable();
    t.string('subcategory_name').notNullable();
    t.integer('created').notNullable().defaultTo(0);
    t.primary(['month', 'team_id', 'domain_name', 'service_name', 'subcategory_name']);
  });
  await knex.schema.createTable('stats_monthly_establishments', (t) => {
    t.string('month', 7).notNullable();
    t.integer('team_id').notNullable();
    t.string('domain_name').notNullable();
    t.integer('establishment_id').notNullable().references('establishments.id');
    t.integer('created').notNullable().defaultTo(0);
    t.primary(['month', 'team_id', 'domain_name', 'establishment_id']);
  });
  await knex.schema.createTable('stats_meta', (t) => {
    t.string('name', 40).primary();
    t.string('value', 40).notNullable();
  });
  // The backlog by status and age, whole or for a team, from the index alone (written as
  // TicketsRepo's statusIn() writes it: SQLite uses a partial index only for that very term).
  await knex.raw(`CREATE INDEX tickets_open_status_team_created ON tickets (status, queue_team_id, created_at) WHERE ${IN_PROGRESS}`);
  // The recount finds a day's tickets by their history: creation, resolution and closure each write a row.
  await knex.schema.alterTable('ticket_history', (t) => {
    t.index(['created_at'], 'ticket_history_created');
  });
}

export const down = forwardOnly;
