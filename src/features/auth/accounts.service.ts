import crypto from 'node:crypto';
import type { Transactions } from '../../db/database.js';
import { hashPassword } from './password.js';
import { normalizeIdentifiant, type UsersRepo } from './users.repo.js';

export interface NewAdmin {
  identifiant: string;
  firstName: string;
  lastName: string;
  email: string;
  password?: string;
}

/** Accounts made by the operator, outside the admin pages. */
export class AccountsService {
  constructor(private readonly deps: { db: Transactions; users: UsersRepo; now: () => Date }) {}

  /** Create (or promote) an administrator; returns the password to hand over when one was generated. */
  async createAdmin(input: NewAdmin): Promise<{ created: boolean; password: string | null }> {
    const { db, users } = this.deps;
    const identifiant = normalizeIdentifiant(input.identifiant);
    if (!/^[A-Z0-9._-]{2,64}$/.test(identifiant)) throw new Error('identifiant: letters, digits, dot, dash or underscore, 2 to 64 characters');
    const password = input.password ?? crypto.randomBytes(12).toString('base64url');
    if (password.length < 12) throw new Error('password: at least 12 characters');
    const hash = await hashPassword(password);
    return db.transaction(async (trx) => {
      const existing = await users.findByIdentifiant(identifiant, trx);
      let id: number;
      if (existing) {
        id = existing.id;
        await users.update(trx, id, { password_hash: hash, active: true });
      } else {
        id = await users.insert(trx, {
          identifiant, first_name: input.firstName, last_name: input.lastName, email: input.email, phone: '', title: '', active: true,
          password_hash: hash, created_at: this.deps.now().toISOString(),
        });
      }
      await users.addRole(trx, id, 'admin');
      return { created: !existing, password: input.password ? null : password };
    });
  }
}
