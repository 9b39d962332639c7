import type { Knex } from 'knex';
import { forwardOnly } from '../src/db/forward-only.js';

export async function up(knex: Knex): Promise<void> {
  // Full-text index of the catalogue, one row per sub-category (rowid = its id):
  // accent- and case-insensitive thanks to remove_diacritics.
  await knex.raw(
    "CREATE VIRTUAL TABLE catalogue_fts USING fts5(domain, grp, family, service, subcategory, keywords, " +
      "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
  );
}


export const down = forwardOnly;
