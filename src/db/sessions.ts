import type { Knex } from 'knex';

// Dialect-specific (SQLite JSON): the sessions table stores the session as JSON text.

/** End every session of a user (after a password change), except optionally one. */
export async function endSessionsOf(db: Knex | Knex.Transaction, userId: number, keepSid?: string): Promise<number> {
  const q = db('sessions').whereRaw("json_extract(sess, '$.passport.user') = ?", [userId]);
  if (keepSid) q.whereNot('sid', keepSid);
  return q.delete();
}
