import type { Transactions, Trx } from '../../db/database.js';
import type { UserRow } from '../../db/tables.js';
import type { SessionsRepo } from './sessions.repo.js';
import type { UsersRepo } from './users.repo.js';
import type { CurrentUser } from './current-user.js';
import type { DirectoryAccountsRepo } from './directory-accounts.repo.js';
import type { DirectoryPerson } from './directory-person.js';
import { NO_PASSWORD } from './password.js';

export type Provisioned =
  | { outcome: 'created' | 'updated' | 'unchanged' | 'reactivated'; userId: number; establishmentsCreated: string[] }
  /** Deactivated by an admin: the directory does not overrule them. */
  | { outcome: 'refused'; userId: number; establishmentsCreated: [] };

/**
 * Accounts as the academy directory describes them: made at the first sign-in (or sync),
 * brought up to date at every one. Names, mail, phone, establishments and who heads which are
 * the directory's; agent and admin stay Guichet's (the admin page), plus those of the groups
 * mapped to roles.
 */
export class DirectoryAccountsService {
  constructor(
    private readonly deps: {
      db: Transactions; users: UsersRepo; accounts: DirectoryAccountsRepo; sessions: SessionsRepo; now: () => Date;
      groupRoles: Record<string, 'agent' | 'admin'>;
    },
  ) {}

  /**
   * A person signs in: their account as it now is, or null when it is deactivated. An account the
   * sync deactivated comes back only when the directory itself was just asked (`directoryAsked`:
   * LDAP); the gateway's word alone does not re-enable it.
   */
  async signIn(person: DirectoryPerson, opts: { directoryAsked: boolean }): Promise<CurrentUser | null> {
    const result = await this.deps.db.transaction((trx) => this.provision(trx, person, new Map(), opts.directoryAsked));
    if (result.outcome === 'refused') return null;
    return (await this.deps.users.loadCurrentUser(result.userId)) ?? null;
  }

  /**
   * Create or update the account of `person` in `trx`; `known` holds the UAIs already looked up
   * or created (a sync's). A deactivated account stays so, unless the directory's sync had
   * deactivated it and `reenable` says the directory lists the person again.
   */
  async provision(trx: Trx, person: DirectoryPerson, known = new Map<string, number>(), reenable = true): Promise<Provisioned> {
    const { users, accounts, now } = this.deps;
    const existing = await users.findByIdentifiant(person.identifiant, trx);
    if (existing && !existing.active && !(reenable && existing.deactivated_by === 'directory')) {
      return { outcome: 'refused', userId: existing.id, establishmentsCreated: [] };
    }
    // A local account with its own password (a break-glass admin, a demo account) is never taken
    // over by a directory person of the same name; one created without a password waits for them.
    if (existing && existing.source === 'local' && existing.password_hash !== NO_PASSWORD) {
      return { outcome: 'refused', userId: existing.id, establishmentsCreated: [] };
    }

    const establishmentsCreated: string[] = [];
    const missing = person.uais.filter((u) => !known.has(u));
    for (const [rne, id] of await accounts.establishmentIds(trx, missing)) known.set(rne, id);
    for (const rne of person.uais) {
      if (known.has(rne)) continue;
      known.set(rne, await accounts.createToComplete(trx, rne, person.kinds[rne] ?? 'service'));
      establishmentsCreated.push(rne);
    }
    const establishmentIds = person.uais.map((u) => known.get(u)!);
    const responsibleIds = person.responsibleUais.map((u) => known.get(u)!);
    const fields = {
      first_name: person.firstName, last_name: person.lastName, email: person.email, phone: person.phone, title: person.title,
      active: true, source: 'directory' as const, deactivated_by: null,
    };

    if (!existing) {
      const userId = await users.insert(trx, { identifiant: person.identifiant, ...fields, password_hash: NO_PASSWORD, created_at: now().toISOString() });
      await users.replaceLinks(trx, userId, { roles: this.rolesOf(person, []), establishmentIds, responsibleIds, teamIds: [] });
      return { outcome: 'created', userId, establishmentsCreated };
    }
    const links = await users.links(existing.id, trx);
    const roles = this.rolesOf(person, links.roles);
    const sameLinks =
      same(links.roles, roles) && same(links.establishmentIds, establishmentIds, true) && same(links.responsibleIds, roles.includes('responsable') ? responsibleIds : []);
    const sameFields = sameAccount(existing, fields);
    if (sameLinks && sameFields) return { outcome: 'unchanged', userId: existing.id, establishmentsCreated };
    // A password of its own no longer opens an account that the directory now vouches for.
    if (!sameFields) await users.update(trx, existing.id, { ...fields, password_hash: NO_PASSWORD });
    if (!sameLinks) {
      await users.replaceLinks(trx, existing.id, { roles, establishmentIds, responsibleIds, teamIds: roles.includes('agent') ? links.teamIds : [] });
    }
    return { outcome: existing.active ? 'updated' : 'reactivated', userId: existing.id, establishmentsCreated };
  }

  /** The directory's accounts it no longer lists: deactivated (never deleted: tickets, names and history stay), signed out. */
  async deactivate(ids: readonly number[]): Promise<void> {
    const { db, accounts, sessions } = this.deps;
    await db.transaction(async (trx) => {
      await accounts.deactivate(trx, ids);
      await sessions.endSessionsOfAll(trx, ids);
    });
  }

  /** responsable from the directory; agent and admin kept as Guichet gave them, plus the groups'. */
  private rolesOf(person: DirectoryPerson, current: readonly string[]): string[] {
    const kept = current.filter((r) => r === 'agent' || r === 'admin');
    const fromGroups = person.groups.flatMap((g) => (this.deps.groupRoles[g] ? [this.deps.groupRoles[g]] : []));
    const responsable = person.responsibleUais.length > 0 ? ['responsable'] : [];
    return [...new Set([...kept, ...fromGroups, ...responsable])].sort();
  }
}

function same(a: readonly (string | number)[], b: readonly (string | number)[], ordered = false): boolean {
  const [x, y] = ordered ? [a, b] : [[...a].sort(), [...b].sort()];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameAccount(row: UserRow, fields: { first_name: string; last_name: string; email: string; phone: string; title: string }): boolean {
  return (
    row.source === 'directory' && !!row.active && row.password_hash === NO_PASSWORD &&
    row.first_name === fields.first_name && row.last_name === fields.last_name && row.email === fields.email && row.phone === fields.phone && row.title === fields.title
  );
}
