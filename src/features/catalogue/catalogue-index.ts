import type { Knex } from 'knex';

// SQLite-specific full-text search over the catalogue (STYLE §9: dialect code in one module).

/** Rebuild the FTS index from the catalogue: a few hundred rows, done after every catalogue change. */
export async function rebuildCatalogueIndex(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('DELETE FROM catalogue_fts');
    await trx.raw(
      `INSERT INTO catalogue_fts (rowid, domain, grp, family, service, subcategory, keywords)
       SELECT s.id, d.name, g.name, f.name, v.name, s.name, s.keywords
       FROM cat_subcategories s
       JOIN cat_services v ON v.id = s.parent_id
       JOIN cat_families f ON f.id = v.parent_id
       JOIN cat_groups g ON g.id = f.parent_id
       JOIN cat_domains d ON d.id = g.parent_id`,
    );
  });
}

/**
 * Turn what the user typed into a safe FTS5 query: each word becomes a quoted prefix term,
 * so FTS syntax (AND, NEAR, quotes, columns, *) in the input is only ever text.
 * Returns null when nothing searchable is left.
 */
export function toFtsQuery(input: string): string | null {
  const words = input
    .normalize('NFC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 12);
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}
