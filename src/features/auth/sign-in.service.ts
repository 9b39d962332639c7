import type { AuthMethod } from '../../config.js';
import type { CurrentUser } from './current-user.js';
import type { DirectoryAccountsService } from './directory-accounts.service.js';
import { DirectoryUnavailableError, type LdapDirectory } from './ldap-directory.js';
import { decoyHash, NO_PASSWORD, verifyPassword } from './password.js';
import type { UsersRepo } from './users.repo.js';

export type PasswordSignIn = { user: CurrentUser } | { refused: 'invalid' | 'directory-unavailable' };

/**
 * An Identifiant and a password, checked where the account lives: a local account (the demo's,
 * a break-glass admin's) against its own password, anyone else against the LDAP directory.
 */
export class SignInService {
  constructor(
    private readonly deps: { users: UsersRepo; directoryAccounts: DirectoryAccountsService; ldap: LdapDirectory | null; methods: readonly AuthMethod[] },
  ) {}

  async withPassword(identifiant: string, password: string): Promise<PasswordSignIn> {
    const { users, ldap, methods } = this.deps;
    const row = await users.findByIdentifiant(identifiant);
    const directory = methods.includes('ldap') ? ldap : null;
    if (!directory || (row && row.source === 'local' && methods.includes('local'))) {
      // Unknown identifiant, a directory account, or one without a password yet: verify against
      // a decoy so that every failure takes the same time.
      const usable = methods.includes('local') && row && row.source === 'local' && row.password_hash !== NO_PASSWORD;
      const ok = await verifyPassword(usable ? row.password_hash : await decoyHash(), password);
      if (!row || !usable || !ok || !row.active) return { refused: 'invalid' };
      const user = await users.loadCurrentUser(row.id);
      return user ? { user } : { refused: 'invalid' };
    }
    let person;
    try {
      person = await directory.authenticate(identifiant, password);
    } catch (err) {
      if (err instanceof DirectoryUnavailableError) return { refused: 'directory-unavailable' };
      throw err;
    }
    if (!person) return { refused: 'invalid' };
    const user = await this.deps.directoryAccounts.signIn(person, { directoryAsked: true });
    return user ? { user } : { refused: 'invalid' };
  }
}
