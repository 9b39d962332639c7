import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // Full-text index of the knowledge, one row per article (its id): accent- and case-insensitive.
  await dialectOf(knex).createFullTextTable(knex, 'knowledge');
}

export const down = forwardOnly;
