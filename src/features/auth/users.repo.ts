import type { Database, Trx } from '../../db/database.js';
import type { Dialect } from '../../db/dialect.js';
import type { UserRow } from '../../db/tables.js';
import { assignments, insertRows, sql, type Sql } from '../../db/sql.js';
import type { Role } from '../tickets/vocabulary.js';
import type { CurrentUser, UserEstablishment } from './current-user.js';

export function normalizeIdentifiant(identifiant: string): string {
  return identifiant.trim().toUpperCase();
}

/**
 * The columns of the signed-in user, for a statement where `u` is an active row of users: the
 * lists come back as JSON arrays, so that one statement brings everything.
 */
export function currentUserColumns(d: Dialect): Sql {
  const roles = d.jsonArray(sql`r.role`, sql`FROM user_roles AS r WHERE r.user_id = u.id`);
  const establishment = d.jsonObject({ id: sql`e.id`, rne: sql`e.rne`, name: sql`e.name`, type: sql`e.type`, city: sql`e.city`, responsible: sql`e.responsible` });
  const establishments = d.jsonArray(establishment, sql`FROM (SELECT e.*, ue.responsible FROM user_establishments AS ue JOIN establishments AS e ON e.id = ue.establishment_id
    WHERE ue.user_id = u.id ORDER BY ue.position) AS e`);
  const teams = d.jsonArray(sql`t.id`, sql`FROM team_members AS tm JOIN teams AS t ON t.id = tm.team_id WHERE tm.user_id = u.id AND t.active`);
  return sql`u.id, u.identifiant, u.first_name, u.last_name, u.email, u.phone, u.title, u.source,
    ${roles} AS roles_json, ${establishments} AS establishments_json, ${teams} AS teams_json`;
}

export type CurrentUserRow = Pick<UserRow, 'id' | 'identifiant' | 'first_name' | 'last_name' | 'email' | 'phone' | 'title' | 'source'> & {
  roles_json: unknown;
  establishments_json: unknown;
  teams_json: unknown;
};

export function currentUserFrom(d: Dialect, row: CurrentUserRow): CurrentUser {
  return {
    id: row.id,
    identifiant: row.identifiant,
    firstName: row.first_name,
    lastName: row.last_name,
    fullName: `${row.first_name} ${row.last_name}`,
    email: row.email,
    phone: row.phone,
    title: row.title,
    source: row.source,
    roles: d.parseJson<Role[]>(row.roles_json),
    // SQLite's JSON says 1 or 0 for a boolean, PostgreSQL's true or false.
    establishments: d.parseJson<UserEstablishment[]>(row.establishments_json).map((e) => ({ ...e, responsible: !!e.responsible })),
    teamIds: d.parseJson<number[]>(row.teams_json),
  };
}

export class UsersRepo {
  constructor(private readonly db: Database) {}

  /** The active accounts with this mail address (any case): a mail's sender, who may be several people. */
  activeByEmail(email: string): Promise<UserRow[]> {
    return this.db.select(sql`SELECT * FROM users WHERE lower(email) = ${email.toLowerCase()} AND active ORDER BY id`);
  }

  findById(id: number, trx?: Trx): Promise<UserRow | undefined> {
    return this.db.first(sql`SELECT * FROM users WHERE id = ${id}`, trx);
  }

  findByIdentifiant(identifiant: string, trx?: Trx): Promise<UserRow | undefined> {
    return this.db.first(sql`SELECT * FROM users WHERE identifiant = ${normalizeIdentifiant(identifiant)}`, trx);
  }

  /**
   * The signed-in user with roles, establishments and teams; undefined when gone or deactivated.
   * Pages get it with their session, in the session's statement (SessionStore): this is for
   * the login and for a request whose session did not bring it.
   */
  async loadCurrentUser(id: number): Promise<CurrentUser | undefined> {
    const row = await this.db.first<CurrentUserRow>(sql`SELECT ${currentUserColumns(this.db.dialect)} FROM users AS u WHERE u.id = ${id} AND u.active`);
    return row ? currentUserFrom(this.db.dialect, row) : undefined;
  }

  async setPassword(trx: Trx, userId: number, hash: string): Promise<void> {
    await this.db.execute(sql`UPDATE users SET password_hash = ${hash} WHERE id = ${userId}`, trx);
  }

  async insert(trx: Trx, fields: UserFields & { identifiant: string; password_hash: string; created_at: string }): Promise<number> {
    const [{ id }] = await this.db.execute<{ id: number }>(sql`${insertRows('users', [fields])} RETURNING id`, trx);
    return id;
  }

  async update(trx: Trx, id: number, fields: Partial<UserFields & { password_hash: string }>): Promise<void> {
    await this.db.execute(sql`UPDATE users SET ${assignments('users', fields)} WHERE id = ${id}`, trx);
  }

  /** Another account with this identifiant than `exceptId`? */
  async identifiantTaken(trx: Trx, identifiant: string, exceptId: number | null): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM users WHERE identifiant = ${identifiant} AND id <> ${exceptId ?? -1}`, trx));
  }

  async addRole(trx: Trx, userId: number, role: string): Promise<void> {
    await this.db.execute(sql`INSERT INTO user_roles (user_id, role) VALUES (${userId}, ${role}) ON CONFLICT (user_id, role) DO NOTHING`, trx);
  }

  async hasRole(trx: Trx, userId: number, role: string): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT user_id FROM user_roles WHERE user_id = ${userId} AND role = ${role}`, trx));
  }

  /** A user's roles, establishments (main first) and teams, as stored. */
  async links(userId: number, trx?: Trx): Promise<{ roles: string[]; establishmentIds: number[]; responsibleIds: number[]; teamIds: number[] }> {
    const [roles, establishments, teams] = [
      await this.db.select<{ role: string }>(sql`SELECT role FROM user_roles WHERE user_id = ${userId} ORDER BY role`, trx),
      await this.db.select<{ establishment_id: number; responsible: boolean | number }>(
        sql`SELECT establishment_id, responsible FROM user_establishments WHERE user_id = ${userId} ORDER BY position`,
        trx,
      ),
      await this.db.select<{ team_id: number }>(sql`SELECT team_id FROM team_members WHERE user_id = ${userId} ORDER BY team_id`, trx),
    ];
    return {
      roles: roles.map((r) => r.role),
      establishmentIds: establishments.map((e) => e.establishment_id),
      responsibleIds: establishments.filter((e) => e.responsible).map((e) => e.establishment_id),
      teamIds: teams.map((t) => t.team_id),
    };
  }

  /**
   * Replace a user's roles and establishments (main first), and their teams when given. A
   * responsable heads the establishments of `responsibleIds`, or all of theirs when not given.
   */
  async replaceLinks(
    trx: Trx,
    userId: number,
    links: { roles: readonly string[]; establishmentIds: readonly number[]; teamIds?: readonly number[]; responsibleIds?: readonly number[] },
  ): Promise<void> {
    await this.db.execute(sql`DELETE FROM user_roles WHERE user_id = ${userId}`, trx);
    const roles = [...new Set(links.roles)];
    if (roles.length > 0) await this.db.execute(insertRows('user_roles', roles.map((role) => ({ user_id: userId, role }))), trx);
    await this.db.execute(sql`DELETE FROM user_establishments WHERE user_id = ${userId}`, trx);
    const heads = (id: number) => roles.includes('responsable') && (links.responsibleIds ?? links.establishmentIds).includes(id);
    if (links.establishmentIds.length > 0) {
      await this.db.execute(
        insertRows('user_establishments', links.establishmentIds.map((establishment_id, position) => ({ user_id: userId, establishment_id, position, responsible: heads(establishment_id) }))),
        trx,
      );
    }
    if (links.teamIds) {
      await this.db.execute(sql`DELETE FROM team_members WHERE user_id = ${userId}`, trx);
      if (links.teamIds.length > 0) await this.db.execute(insertRows('team_members', links.teamIds.map((team_id) => ({ team_id, user_id: userId }))), trx);
    }
  }
}

/** The fields of an account an admin or an import writes. */
export interface UserFields {
  identifiant?: string;
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  title: string;
  active: boolean;
  source?: 'local' | 'directory';
  deactivated_by?: 'admin' | 'directory' | null;
}
