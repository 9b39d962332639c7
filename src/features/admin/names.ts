/** Names compared as people read them: case and Unicode form folded ("ÉQUIPE" = "équipe"), which SQL's lower() does not do on SQLite. */
export const foldName = (s: string) => s.normalize('NFC').toLocaleLowerCase('fr').trim();

/** Is the name already used among these rows (but the row being edited)? */
export function nameTaken(rows: ReadonlyArray<{ id: number; name: string }>, name: string, excludeId: number | null): boolean {
  const wanted = foldName(name);
  return rows.some((r) => r.id !== excludeId && foldName(r.name) === wanted);
}
