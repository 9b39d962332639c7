import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(title, body, keywords, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
  );
}

export const down = forwardOnly;
