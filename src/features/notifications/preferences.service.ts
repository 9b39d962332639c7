import type { Transactions } from '../../db/database.js';
import { MAIL_KINDS, OPTIONAL_KINDS, type MailKind } from './mail-kinds.js';
import type { NotificationsRepo } from './notifications.repo.js';

/** Which optional mails a user receives; the mails that ask them to act are always sent. */
export class PreferencesService {
  constructor(private readonly deps: { db: Transactions; recipients: NotificationsRepo }) {}

  /** The kinds a user with these roles may receive, and may see on the page. */
  private kindsFor(roles: string[]): MailKind[] {
    return (Object.keys(MAIL_KINDS) as MailKind[])
      .filter((k) => MAIL_KINDS[k].audience !== 'agent' || roles.includes('agent'))
      .filter((k) => MAIL_KINDS[k].audience !== 'account');
  }

  async forUser(userId: number, roles: string[]) {
    const out = new Set(await this.deps.recipients.optOuts(userId));
    return this.kindsFor(roles).map((k) => ({ kind: k, label: MAIL_KINDS[k].label, optional: MAIL_KINDS[k].optional, enabled: !out.has(k) }));
  }

  /** Replace the user's choices with the kinds left ticked; unknown or mandatory kinds are ignored. */
  async save(userId: number, roles: string[], enabledKinds: string[]): Promise<void> {
    const enabled = new Set(enabledKinds);
    const shown = this.kindsFor(roles);
    const off = OPTIONAL_KINDS.filter((k) => shown.includes(k) && !enabled.has(k));
    await this.deps.db.transaction((trx) => this.deps.recipients.replaceOptOuts(trx, userId, shown, off));
  }
}
