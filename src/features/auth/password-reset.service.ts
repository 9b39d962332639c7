import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { endSessionsOf } from '../../db/sessions.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { hashPassword } from './password.js';
import type { UsersRepo } from './users.repo.js';

const TOKEN_TTL_MS = 60 * 60_000;

const sha256 = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export const PASSWORD_MIN = 10;

/** "J'ai perdu mon mot de passe": a single-use link by mail, valid one hour. */
export class PasswordResetService {
  constructor(
    private readonly deps: { db: Knex; users: UsersRepo; notifications: NotificationsService; now: () => Date },
  ) {}

  /** Always the same outcome for the caller, whether or not the identifiant exists. */
  async request(identifiant: string): Promise<void> {
    const user = await this.deps.users.findByIdentifiant(identifiant.slice(0, 64));
    if (!user || !user.active || !user.email) return;
    const token = crypto.randomBytes(32).toString('base64url');
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS);
    await this.deps.db.transaction(async (trx) => {
      await trx('password_resets').insert({ user_id: user.id, token_hash: sha256(token), expires_at: expiresAt.toISOString(), created_at: now.toISOString() });
      await this.deps.notifications.passwordReset(trx, user.id, token, expiresAt);
    });
  }

  /** The user a link is for, if it is unused and not expired. */
  async check(token: string): Promise<number | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    const row = await this.deps.db('password_resets').where({ token_hash: sha256(token) }).whereNull('used_at').first();
    if (!row || new Date(row.expires_at) <= this.deps.now()) return null;
    return row.user_id;
  }

  /** Set the new password, spend the link (and every other one), end all the user's sessions. */
  async reset(token: string, password: string): Promise<boolean> {
    const userId = await this.check(token);
    if (userId === null) return false;
    const hash = await hashPassword(password);
    const now = this.deps.now().toISOString();
    return this.deps.db.transaction(async (trx) => {
      const spent = await trx('password_resets').where({ token_hash: sha256(token) }).whereNull('used_at').update({ used_at: now });
      if (spent !== 1) return false;
      await trx('password_resets').where({ user_id: userId }).whereNull('used_at').update({ used_at: now });
      await trx('users').where({ id: userId }).update({ password_hash: hash });
      await endSessionsOf(trx, userId);
      return true;
    });
  }
}
