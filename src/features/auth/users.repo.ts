import type { Knex } from 'knex';
import type { UserRow } from '../../db/tables.js';
import type { Role } from '../tickets/vocabulary.js';
import type { CurrentUser, UserEstablishment } from './current-user.js';

export function normalizeIdentifiant(identifiant: string): string {
  return identifiant.trim().toUpperCase();
}

export class UsersRepo {
  constructor(private readonly db: Knex) {}

  findByIdentifiant(identifiant: string): Promise<UserRow | undefined> {
    return this.db<UserRow>('users').where({ identifiant: normalizeIdentifiant(identifiant) }).first();
  }

  /**
   * The signed-in user with roles, establishments and teams; undefined when gone or deactivated.
   * One statement (it runs on every request): the lists come back as JSON arrays.
   */
  async loadCurrentUser(id: number): Promise<CurrentUser | undefined> {
    const row = await this.db('users as u')
      .where('u.id', id)
      .where('u.active', true)
      .first([
        'u.*',
        this.db.raw('(SELECT json_group_array(role) FROM user_roles WHERE user_id = u.id) AS roles_json'),
        this.db.raw(`(SELECT json_group_array(json_object('id', e.id, 'rne', e.rne, 'name', e.name, 'type', e.type, 'city', e.city))
          FROM (SELECT e.* FROM user_establishments ue JOIN establishments e ON e.id = ue.establishment_id
                WHERE ue.user_id = u.id ORDER BY ue.position) e) AS establishments_json`),
        this.db.raw('(SELECT json_group_array(t.id) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = u.id AND t.active = 1) AS teams_json'),
      ]) as (UserRow & { roles_json: string; establishments_json: string; teams_json: string }) | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      identifiant: row.identifiant,
      firstName: row.first_name,
      lastName: row.last_name,
      fullName: `${row.first_name} ${row.last_name}`,
      email: row.email,
      phone: row.phone,
      title: row.title,
      roles: JSON.parse(row.roles_json) as Role[],
      establishments: JSON.parse(row.establishments_json) as UserEstablishment[],
      teamIds: JSON.parse(row.teams_json) as number[],
    };
  }
}
