import type { Knex } from 'knex';
import type { OutboxRow } from '../../src/features/notifications/outbox.repo.js';

/** Mails queued for an address, oldest first. */
export function mailsTo(db: Knex, address: string): Promise<OutboxRow[]> {
  return db('outbox').where({ to_address: address }).orderBy('id');
}

export async function emailOf(db: Knex, identifiant: string): Promise<string> {
  return (await db('users').where({ identifiant }).first('email')).email;
}
