import type { Transactions, Trx } from '../../db/database.js';
import { NotFoundError, ValidationError } from '../../http/errors.js';
import { NO_PASSWORD } from '../auth/password.js';
import type { SessionsRepo } from '../auth/sessions.repo.js';
import type { UsersRepo } from '../auth/users.repo.js';
import type { SettingsRepo } from './settings.repo.js';
import type { AuditRepo } from './audit.repo.js';
import type { DirectoryRepo } from './directory.repo.js';
import { nameTaken } from './names.js';

export const directoryMessages = {
  rneTaken: 'Un établissement porte déjà ce code RNE/UAI.',
  teamTaken: 'Une équipe porte déjà ce nom.',
  identifiantTaken: 'Cet identifiant est déjà utilisé.',
  unknownEstablishment: 'Établissement inconnu.',
  mainNotListed: "L'établissement principal doit faire partie des établissements.",
  notAgent: "Seul un utilisateur ayant le rôle agent peut être membre d'une équipe.",
} as const;

export interface EstablishmentFields { rne: string; name: string; type: string; city: string }
export interface TeamFields { name: string; email: string; business: boolean; active: boolean }
export interface UserFields {
  identifiant: string; first_name: string; last_name: string; email: string; phone: string; title: string; active: boolean;
  roles: string[]; establishment_ids: number[]; main_establishment_id: number | null;
}

/** Establishments, teams and people, as the admin edits them: each change audited in its transaction. */
export class DirectoryAdminService {
  constructor(
    private readonly deps: { db: Transactions; directory: DirectoryRepo; users: UsersRepo; sessions: SessionsRepo; settings: SettingsRepo; audit: AuditRepo; now: () => Date },
  ) {}

  // — Establishments —

  establishments(q: string, limit: number, offset: number) {
    return this.deps.directory.establishments(q, limit, offset);
  }

  async establishment(id: number) {
    const row = await this.deps.directory.establishment(id);
    if (!row) throw new NotFoundError();
    return row;
  }

  async saveEstablishment(actorId: number, id: number | null, f: EstablishmentFields): Promise<number> {
    const { db, directory, audit, now } = this.deps;
    return db.transaction(async (trx) => {
      if (await directory.rneTaken(trx, f.rne, id)) throw new ValidationError({ rne: directoryMessages.rneTaken });
      // Described by the admin: no longer "à compléter".
      return audit.saveAudited(trx, actorId, { table: 'establishments', entity: 'establishment', id }, { ...f, to_complete: false }, now());
    });
  }

  allEstablishments() {
    return this.deps.directory.allEstablishments();
  }

  // — Teams —

  teams() {
    return this.deps.directory.teams();
  }

  async team(id: number) {
    const { directory } = this.deps;
    const row = await directory.team(id);
    if (!row) throw new NotFoundError();
    const [members, agents] = await Promise.all([directory.teamMembers(id), directory.agentsOutside(id)]);
    return { row, members, agents };
  }

  async saveTeam(actorId: number, id: number | null, f: TeamFields): Promise<number> {
    const { db, directory, audit, now } = this.deps;
    return db.transaction(async (trx) => {
      if (nameTaken(await directory.teamNames(trx), f.name, id)) throw new ValidationError({ name: directoryMessages.teamTaken });
      return audit.saveAudited(trx, actorId, { table: 'teams', entity: 'team', id }, { ...f }, now());
    });
  }

  async addMember(actorId: number, teamId: number, userId: number): Promise<void> {
    const { db, directory, users, audit, now } = this.deps;
    await db.transaction(async (trx) => {
      if (!(await directory.team(teamId, trx))) throw new NotFoundError();
      if (!(await users.hasRole(trx, userId, 'agent'))) throw new ValidationError({ user_id: directoryMessages.notAgent });
      await directory.addMember(trx, teamId, userId);
      await audit.record(trx, { actorId, action: 'add_member', entity: 'team', entityId: teamId, after: { user_id: userId } }, now());
    });
  }

  async removeMember(actorId: number, teamId: number, userId: number): Promise<void> {
    const { db, directory, audit, now } = this.deps;
    await db.transaction(async (trx) => {
      if (!(await directory.removeMember(trx, teamId, userId))) throw new NotFoundError();
      await audit.record(trx, { actorId, action: 'remove_member', entity: 'team', entityId: teamId, before: { user_id: userId } }, now());
    });
  }

  async setPlatformTeam(actorId: number, teamId: number): Promise<void> {
    const { db, directory, settings, audit, now } = this.deps;
    await db.transaction(async (trx) => {
      if (!(await directory.activeTeamExists(trx, teamId))) throw new ValidationError({ platform_team_id: 'Équipe inconnue.' });
      const before = (await settings.all(trx)).platform_team_id;
      await settings.set(trx, 'platform_team_id', teamId);
      await audit.record(trx, { actorId, action: 'update', entity: 'setting', entityId: null, before: { platform_team_id: before }, after: { platform_team_id: teamId } }, now());
    });
  }

  // — Users —

  users(q: string, limit: number, offset: number) {
    return this.deps.directory.users(q, limit, offset);
  }

  async user(id: number, trx?: Trx) {
    const row = await this.deps.directory.user(id, trx);
    if (!row) throw new NotFoundError();
    const { roles, establishmentIds, responsibleIds } = await this.deps.users.links(id, trx);
    return { ...row, roles, establishment_ids: establishmentIds, responsible_ids: responsibleIds, main_establishment_id: establishmentIds[0] ?? null };
  }

  /**
   * Save an account as the admin edits it. An account from the directory keeps what the
   * directory says (names, mail, phone, establishments, responsable): the admin gives it agent
   * and admin, teams, and may deactivate it.
   */
  async saveUser(actorId: number, id: number | null, f: UserFields): Promise<number> {
    const { db, directory, users, sessions, audit, now } = this.deps;
    return db.transaction(async (trx) => {
      const before = id === null ? null : await this.user(id, trx);
      if (before?.source === 'directory') {
        f = {
          ...f, identifiant: before.identifiant, first_name: before.first_name, last_name: before.last_name, email: before.email, phone: before.phone, title: before.title,
          roles: [...f.roles.filter((r) => r !== 'responsable'), ...before.roles.filter((r) => r === 'responsable')],
          establishment_ids: before.establishment_ids, main_establishment_id: before.main_establishment_id,
        };
      }
      const ids = [...new Set(f.main_establishment_id ? [f.main_establishment_id, ...f.establishment_ids] : f.establishment_ids)];
      if (await users.identifiantTaken(trx, f.identifiant, id)) throw new ValidationError({ identifiant: directoryMessages.identifiantTaken });
      if ((await directory.countEstablishments(trx, ids)) !== ids.length) throw new ValidationError({ establishment_ids: directoryMessages.unknownEstablishment });
      const fields = { identifiant: f.identifiant, first_name: f.first_name, last_name: f.last_name, email: f.email, phone: f.phone, title: f.title, active: f.active };
      // Deactivated by the admin: the directory's sync does not re-enable it.
      const deactivatedBy = f.active ? null : before && !before.active ? undefined : 'admin';
      // A new account has an unguessable password: its owner sets one with "J'ai perdu mon mot de passe".
      const userId = id ?? (await users.insert(trx, { ...fields, deactivated_by: f.active ? null : 'admin', password_hash: NO_PASSWORD, created_at: now().toISOString() }));
      if (id !== null) await users.update(trx, id, { ...fields, ...(deactivatedBy === undefined ? {} : { deactivated_by: deactivatedBy }) });
      const { teamIds } = await users.links(userId, trx);
      await users.replaceLinks(trx, userId, {
        roles: f.roles, establishmentIds: ids, teamIds: f.roles.includes('agent') ? teamIds : [], responsibleIds: before?.source === 'directory' ? before.responsible_ids : undefined,
      });
      // A deactivated account is signed out everywhere at once.
      if (!f.active) await sessions.endSessionsOf(trx, userId);
      await audit.record(trx, { actorId, action: id === null ? 'create' : 'update', entity: 'user', entityId: userId, before: before ?? undefined, after: { ...fields, roles: f.roles, establishment_ids: ids } }, now());
      return userId;
    });
  }
}
