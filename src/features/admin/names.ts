import type { Knex } from 'knex';

/** Names compared as people read them: case and Unicode form folded ("ÉQUIPE" = "équipe"). */
export const foldName = (s: string) => s.normalize('NFC').toLocaleLowerCase('fr').trim();

/** Is the name already used among these rows (but the row being edited)? SQLite's lower() only folds ASCII. */
export async function nameTaken(
  q: Knex.QueryBuilder,
  name: string,
  excludeId: number | null,
): Promise<boolean> {
  const rows: Array<{ id: number; name: string }> = await q.select('id', 'name');
  const wanted = foldName(name);
  return rows.some((r) => r.id !== excludeId && foldName(r.name) === wanted);
}
