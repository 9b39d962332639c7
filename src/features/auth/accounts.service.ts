import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { hashPassword } from './password.js';
import { normalizeIdentifiant } from './users.repo.js';

export interface NewAdmin {
  identifiant: string;
  firstName: string;
  lastName: string;
  email: string;
  password?: string;
}

/** Create (or promote) an administrator; returns the password to hand over when one was generated. */
export async function createAdmin(db: Knex, input: NewAdmin, now = new Date()): Promise<{ created: boolean; password: string | null }> {
  const identifiant = normalizeIdentifiant(input.identifiant);
  if (!/^[A-Z0-9._-]{2,64}$/.test(identifiant)) throw new Error('identifiant: letters, digits, dot, dash or underscore, 2 to 64 characters');
  const password = input.password ?? crypto.randomBytes(12).toString('base64url');
  if (password.length < 12) throw new Error('password: at least 12 characters');
  const hash = await hashPassword(password);
  return db.transaction(async (trx) => {
    const existing = await trx('users').where({ identifiant }).first('id');
    let id: number;
    if (existing) {
      id = existing.id;
      await trx('users').where({ id }).update({ password_hash: hash, active: true });
    } else {
      [{ id }] = await trx('users')
        .insert({ identifiant, first_name: input.firstName, last_name: input.lastName, email: input.email, password_hash: hash, created_at: now.toISOString() })
        .returning('id');
    }
    await trx('user_roles').insert({ user_id: id, role: 'admin' }).onConflict(['user_id', 'role']).ignore();
    return { created: !existing, password: input.password ? null : password };
  });
}
