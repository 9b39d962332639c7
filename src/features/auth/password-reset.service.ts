import crypto from 'node:crypto';
import type { Transactions } from '../../db/database.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { hashPassword } from './password.js';
import type { PasswordResetsRepo } from './password-resets.repo.js';
import type { SessionsRepo } from './sessions.repo.js';
import type { UsersRepo } from './users.repo.js';

const TOKEN_TTL_MS = 60 * 60_000;

const sha256 = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export const PASSWORD_MIN = 10;

/** "J'ai perdu mon mot de passe": a single-use link by mail, valid one hour. */
export class PasswordResetService {
  constructor(
    private readonly deps: { db: Transactions; users: UsersRepo; resets: PasswordResetsRepo; sessions: SessionsRepo; notifications: NotificationsService; now: () => Date },
  ) {}

  /** Always the same outcome for the caller, whether or not the identifiant exists. */
  async request(identifiant: string): Promise<void> {
    const user = await this.deps.users.findByIdentifiant(identifiant.slice(0, 64));
    // A directory account's password is the academy's: Guichet cannot reset it.
    if (!user || !user.active || !user.email || user.source !== 'local') return;
    const token = crypto.randomBytes(32).toString('base64url');
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS);
    await this.deps.db.transaction(async (trx) => {
      await this.deps.resets.insert(trx, { user_id: user.id, token_hash: sha256(token), expires_at: expiresAt.toISOString(), created_at: now.toISOString() });
      await this.deps.notifications.passwordReset(trx, user.id, token, expiresAt);
    });
  }

  /** The user a link is for, if it is unused and not expired. */
  async check(token: string): Promise<number | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    const row = await this.deps.resets.findUnused(sha256(token));
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
      if (!(await this.deps.resets.spend(trx, sha256(token), now))) return false;
      await this.deps.resets.spendAllOf(trx, userId, now);
      await this.deps.users.setPassword(trx, userId, hash);
      await this.deps.sessions.endSessionsOf(trx, userId);
      return true;
    });
  }
}
