import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../../http/errors.js';
import { endSessionsOf } from '../../db/sessions.js';
import { NO_PASSWORD } from '../auth/password.js';
import type { SettingsService } from './settings.service.js';
import { audit, writeAudited } from './audit.js';
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
  constructor(private readonly deps: { db: Knex; settings: SettingsService; now: () => Date }) {}

  // — Establishments —

  async establishments(q: string, limit: number, offset: number) {
    const base = () => {
      const b = this.deps.db('establishments');
      if (q) b.where((w) => w.whereRaw('rne LIKE ?', [`%${q.toUpperCase()}%`]).orWhereRaw('name LIKE ?', [`%${q}%`]).orWhereRaw('city LIKE ?', [`%${q}%`]));
      return b;
    };
    const [rows, [{ n }]] = await Promise.all([base().orderBy('name').limit(limit).offset(offset), base().count({ n: '*' })]);
    return { rows, total: Number(n) };
  }

  async establishment(id: number) {
    const row = await this.deps.db('establishments').where({ id }).first();
    if (!row) throw new NotFoundError();
    return row;
  }

  async saveEstablishment(actorId: number, id: number | null, f: EstablishmentFields): Promise<number> {
    return this.deps.db.transaction(async (trx) => {
      const clash = await trx('establishments').where({ rne: f.rne }).whereNot('id', id ?? -1).first('id');
      if (clash) throw new ValidationError({ rne: directoryMessages.rneTaken });
      return writeAudited(trx, actorId, { table: 'establishments', entity: 'establishment', id }, { ...f }, this.deps.now());
    });
  }

  // — Teams —

  async teams() {
    return this.deps.db('teams as t')
      .leftJoin('team_members as m', 'm.team_id', 't.id')
      .groupBy('t.id')
      .orderBy('t.name')
      .select('t.*', this.deps.db.raw('COUNT(m.user_id) as members'));
  }

  async team(id: number) {
    const { db } = this.deps;
    const row = await db('teams').where({ id }).first();
    if (!row) throw new NotFoundError();
    const [members, agents] = await Promise.all([
      db('users as u').join('team_members as m', 'm.user_id', 'u.id').where('m.team_id', id).orderBy(['u.last_name', 'u.first_name']).select('u.id', 'u.identifiant', 'u.first_name', 'u.last_name', 'u.active'),
      db('users as u').join('user_roles as r', 'r.user_id', 'u.id').where({ 'r.role': 'agent', 'u.active': true }).whereNotIn('u.id', db('team_members').where('team_id', id).select('user_id')).orderBy(['u.last_name', 'u.first_name']).select('u.id', 'u.identifiant', 'u.first_name', 'u.last_name'),
    ]);
    return { row, members, agents };
  }

  async saveTeam(actorId: number, id: number | null, f: TeamFields): Promise<number> {
    return this.deps.db.transaction(async (trx) => {
      if (await nameTaken(trx('teams'), f.name, id)) throw new ValidationError({ name: directoryMessages.teamTaken });
      return writeAudited(trx, actorId, { table: 'teams', entity: 'team', id }, { ...f }, this.deps.now());
    });
  }

  async addMember(actorId: number, teamId: number, userId: number): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      if (!(await trx('teams').where({ id: teamId }).first('id'))) throw new NotFoundError();
      if (!(await trx('user_roles').where({ user_id: userId, role: 'agent' }).first('user_id'))) throw new ValidationError({ user_id: directoryMessages.notAgent });
      await trx('team_members').insert({ team_id: teamId, user_id: userId }).onConflict(['team_id', 'user_id']).ignore();
      await audit(trx, { actorId, action: 'add_member', entity: 'team', entityId: teamId, after: { user_id: userId } }, this.deps.now());
    });
  }

  async removeMember(actorId: number, teamId: number, userId: number): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const n = await trx('team_members').where({ team_id: teamId, user_id: userId }).delete();
      if (n === 0) throw new NotFoundError();
      await audit(trx, { actorId, action: 'remove_member', entity: 'team', entityId: teamId, before: { user_id: userId } }, this.deps.now());
    });
  }

  async setPlatformTeam(actorId: number, teamId: number): Promise<void> {
    const { db, settings, now } = this.deps;
    await db.transaction(async (trx) => {
      if (!(await trx('teams').where({ id: teamId, active: true }).first('id'))) throw new ValidationError({ platform_team_id: 'Équipe inconnue.' });
      const before = (await settings.all()).platform_team_id;
      await settings.set('platform_team_id', teamId, trx);
      await audit(trx, { actorId, action: 'update', entity: 'setting', entityId: null, before: { platform_team_id: before }, after: { platform_team_id: teamId } }, now());
    });
  }

  // — Users —

  async users(q: string, limit: number, offset: number) {
    const { db } = this.deps;
    const base = () => {
      const b = db('users as u');
      if (q) {
        const like = `%${q}%`;
        b.where((w) => w.whereRaw('u.identifiant LIKE ?', [`%${q.toUpperCase()}%`]).orWhereRaw("u.first_name || ' ' || u.last_name LIKE ?", [like]).orWhereRaw('u.email LIKE ?', [like]));
      }
      return b;
    };
    const [rows, [{ n }]] = await Promise.all([
      base()
        .orderBy(['u.last_name', 'u.first_name'])
        .limit(limit)
        .offset(offset)
        .select('u.id', 'u.identifiant', 'u.first_name', 'u.last_name', 'u.email', 'u.active', db.raw("(SELECT group_concat(role, ', ') FROM user_roles r WHERE r.user_id = u.id) as roles")),
      base().count({ n: '*' }),
    ]);
    return { rows, total: Number(n) };
  }

  async user(id: number, db: Knex = this.deps.db) {
    const row = await db('users').where({ id }).first('id', 'identifiant', 'first_name', 'last_name', 'email', 'phone', 'title', 'active');
    if (!row) throw new NotFoundError();
    const [roles, establishments] = await Promise.all([
      db('user_roles').where({ user_id: id }).pluck('role'),
      db('user_establishments').where({ user_id: id }).orderBy('position').pluck('establishment_id'),
    ]);
    return { ...row, roles, establishment_ids: establishments, main_establishment_id: establishments[0] ?? null };
  }

  async saveUser(actorId: number, id: number | null, f: UserFields): Promise<number> {
    const { db, now } = this.deps;
    const ids = [...new Set(f.main_establishment_id ? [f.main_establishment_id, ...f.establishment_ids] : f.establishment_ids)];
    return db.transaction(async (trx) => {
      if (await trx('users').where({ identifiant: f.identifiant }).whereNot('id', id ?? -1).first('id')) throw new ValidationError({ identifiant: directoryMessages.identifiantTaken });
      const known = await trx('establishments').whereIn('id', ids).pluck('id');
      if (known.length !== ids.length) throw new ValidationError({ establishment_ids: directoryMessages.unknownEstablishment });
      const before = id === null ? null : await this.user(id, trx);
      const fields = { identifiant: f.identifiant, first_name: f.first_name, last_name: f.last_name, email: f.email, phone: f.phone, title: f.title, active: f.active };
      let userId: number;
      if (id === null) {
        // A new account has an unguessable password: its owner sets one with "J'ai perdu mon mot de passe".
        [{ id: userId }] = await trx('users').insert({ ...fields, password_hash: NO_PASSWORD, created_at: now().toISOString() }).returning('id');
      } else {
        userId = id;
        await trx('users').where({ id }).update(fields);
      }
      await trx('user_roles').where({ user_id: userId }).delete();
      for (const role of new Set(f.roles)) await trx('user_roles').insert({ user_id: userId, role });
      await trx('user_establishments').where({ user_id: userId }).delete();
      for (const [position, establishment_id] of ids.entries()) await trx('user_establishments').insert({ user_id: userId, establishment_id, position });
      if (!f.roles.includes('agent')) await trx('team_members').where({ user_id: userId }).delete();
      // A deactivated account is signed out everywhere at once.
      if (!f.active) await endSessionsOf(trx, userId);
      await audit(trx, { actorId, action: id === null ? 'create' : 'update', entity: 'user', entityId: userId, before: before ?? undefined, after: { ...fields, roles: f.roles, establishment_ids: ids } }, now());
      return userId;
    });
  }

  async allEstablishments() {
    return this.deps.db('establishments').orderBy('name').select('id', 'rne', 'name');
  }

  // — shared —


}
