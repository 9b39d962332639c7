import type { Knex } from 'knex';
import { MAIL_KINDS, OPTIONAL_KINDS, type MailKind } from './mail-kinds.js';

/** Which optional mails a user receives; the mails that ask them to act are always sent. */
export class PreferencesService {
  constructor(private readonly db: Knex) {}

  /** The kinds a user with these roles may receive, and may see on the page. */
  private kindsFor(roles: string[]): MailKind[] {
    return (Object.keys(MAIL_KINDS) as MailKind[])
      .filter((k) => MAIL_KINDS[k].audience !== 'agent' || roles.includes('agent'))
      .filter((k) => MAIL_KINDS[k].audience !== 'account');
  }

  async forUser(userId: number, roles: string[]) {
    const out = new Set<string>(await this.db('notification_opt_outs').where({ user_id: userId }).pluck('kind'));
    return this.kindsFor(roles)
      .map((k) => ({ kind: k, label: MAIL_KINDS[k].label, optional: MAIL_KINDS[k].optional, enabled: !out.has(k) }));
  }

  /** Replace the user's choices with the kinds left ticked; unknown or mandatory kinds are ignored. */
  async save(userId: number, roles: string[], enabledKinds: string[]): Promise<void> {
    const enabled = new Set(enabledKinds);
    const shown = this.kindsFor(roles);
    await this.db.transaction(async (trx) => {
      await trx('notification_opt_outs').where({ user_id: userId }).whereIn('kind', shown).delete();
      const off = OPTIONAL_KINDS.filter((k) => shown.includes(k) && !enabled.has(k)).map((kind) => ({ user_id: userId, kind }));
      if (off.length > 0) await trx('notification_opt_outs').insert(off);
    });
  }
}
