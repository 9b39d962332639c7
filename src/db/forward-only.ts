/** Knex wants a `down`; Guichet's migrations only move forward, so that no data is ever dropped. */
export async function forwardOnly(): Promise<never> {
  throw new Error('Guichet migrations only move forward: restore a backup instead of rolling back.');
}
