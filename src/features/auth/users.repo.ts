import type { Knex } from 'knex';
import type { UserRow } from '../../db/tables.js';
import { rowsOfText } from '../../db/sql.js';
import type { Role } from '../tickets/vocabulary.js';
import type { CurrentUser, UserEstablishment } from './current-user.js';

export function normalizeIdentifiant(identifiant: string): string {
  return identifiant.trim().toUpperCase();
}

/**
 * The columns of the signed-in user, for a statement where `u` is an active row of users: the
 * lists come back as JSON arrays, so that one statement brings everything.
 */
export const CURRENT_USER_COLUMNS = `u.id, u.identifiant, u.first_name, u.last_name, u.email, u.phone, u.title,
  (SELECT json_group_array(role) FROM user_roles WHERE user_id = u.id) AS roles_json,
  (SELECT json_group_array(json_object('id', e.id, 'rne', e.rne, 'name', e.name, 'type', e.type, 'city', e.city))
     FROM (SELECT e.* FROM user_establishments ue JOIN establishments e ON e.id = ue.establishment_id
           WHERE ue.user_id = u.id ORDER BY ue.position) e) AS establishments_json,
  (SELECT json_group_array(t.id) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = u.id AND t.active = 1) AS teams_json`;

export type CurrentUserRow = Pick<UserRow, 'id' | 'identifiant' | 'first_name' | 'last_name' | 'email' | 'phone' | 'title'> & {
  roles_json: string;
  establishments_json: string;
  teams_json: string;
};

export function currentUserFrom(row: CurrentUserRow): CurrentUser {
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

export class UsersRepo {
  constructor(private readonly db: Knex) {}

  findByIdentifiant(identifiant: string): Promise<UserRow | undefined> {
    return this.db<UserRow>('users').where({ identifiant: normalizeIdentifiant(identifiant) }).first();
  }

  /**
   * The signed-in user with roles, establishments and teams; undefined when gone or deactivated.
   * Pages get it with their session, in the session's statement (SessionStore): this is for
   * the login and for a request whose session did not bring it.
   */
  async loadCurrentUser(id: number): Promise<CurrentUser | undefined> {
    const rows: CurrentUserRow[] = await rowsOfText(this.db, `SELECT ${CURRENT_USER_COLUMNS} FROM users u WHERE u.id = ? AND u.active = 1`, [id]);
    return rows[0] ? currentUserFrom(rows[0]) : undefined;
  }
}
