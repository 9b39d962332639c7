import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // Full-text index of the catalogue, one row per sub-category (its id): accent- and case-insensitive.
  await dialectOf(knex).createFullTextTable(knex, 'catalogue');
}

export const down = forwardOnly;
