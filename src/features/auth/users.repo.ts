import type { Knex } from 'knex';
import type { UserRow } from '../../db/tables.js';
import type { EstablishmentType, Role } from '../tickets/vocabulary.js';
import type { CurrentUser } from './current-user.js';

export function normalizeIdentifiant(identifiant: string): string {
  return identifiant.trim().toUpperCase();
}

export class UsersRepo {
  constructor(private readonly db: Knex) {}

  findByIdentifiant(identifiant: string): Promise<UserRow | undefined> {
    return this.db<UserRow>('users').where({ identifiant: normalizeIdentifiant(identifiant) }).first();
  }

  /** The signed-in user with roles, establishments and teams; undefined when gone or deactivated. */
  async loadCurrentUser(id: number): Promise<CurrentUser | undefined> {
    const row = await this.db<UserRow>('users').where({ id, active: true }).first();
    if (!row) return undefined;
    const [roles, establishments, teams] = await Promise.all([
      this.db('user_roles').where({ user_id: id }).pluck('role') as Promise<Role[]>,
      this.db('user_establishments as ue')
        .join('establishments as e', 'e.id', 'ue.establishment_id')
        .where('ue.user_id', id)
        .orderBy('ue.position')
        .select('e.id', 'e.rne', 'e.name', 'e.type', 'e.city') as Promise<
        Array<{ id: number; rne: string; name: string; type: EstablishmentType; city: string }>
      >,
      this.db('team_members as tm')
        .join('teams as t', 't.id', 'tm.team_id')
        .where({ 'tm.user_id': id, 't.active': true })
        .pluck('t.id') as Promise<number[]>,
    ]);
    return {
      id: row.id,
      identifiant: row.identifiant,
      firstName: row.first_name,
      lastName: row.last_name,
      fullName: `${row.first_name} ${row.last_name}`,
      email: row.email,
      phone: row.phone,
      title: row.title,
      roles,
      establishments,
      teamIds: teams,
    };
  }
}
