import type { Database, Trx } from '../../db/database.js';
import { anyOf, inList, insertRows, name, sql, wholeNumber, type Sql } from '../../db/sql.js';

/** Establishments, teams and people, as the admin pages list and check them. */
export class DirectoryRepo {
  constructor(private readonly db: Database) {}

  /** One page of rows matching `where`, and how many match in all. */
  private async page<T>(select: Sql, from: Sql, order: Sql, limit: number, offset: number): Promise<{ rows: T[]; total: number }> {
    const [rows, count] = await Promise.all([
      this.db.select<T>(sql`${select} ${from} ORDER BY ${order} LIMIT ${wholeNumber(limit)} OFFSET ${wholeNumber(offset)}`),
      this.db.first<{ n: number }>(sql`SELECT count(*) AS n ${from}`),
    ]);
    return { rows, total: Number(count?.n ?? 0) };
  }

  establishments(q: string, limit: number, offset: number) {
    const contains = (column: string) => this.db.dialect.containsText(name(column), q);
    const where = q ? sql`WHERE ${anyOf([contains('rne'), contains('name'), contains('city')])}` : sql``;
    return this.page(sql`SELECT *`, sql`FROM establishments ${where}`, sql`name`, limit, offset);
  }

  establishment(id: number) {
    return this.db.first<{ id: number; rne: string; name: string; type: string; city: string }>(sql`SELECT * FROM establishments WHERE id = ${id}`);
  }

  allEstablishments() {
    return this.db.select<{ id: number; rne: string; name: string }>(sql`SELECT id, rne, name FROM establishments ORDER BY name`);
  }

  async rneTaken(trx: Trx, rne: string, exceptId: number | null): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM establishments WHERE rne = ${rne} AND id <> ${exceptId ?? -1}`, trx));
  }

  /** How many of these establishments exist. */
  async countEstablishments(trx: Trx, ids: readonly number[]): Promise<number> {
    return Number((await this.db.first<{ n: number }>(sql`SELECT count(*) AS n FROM establishments WHERE ${inList('id', ids)}`, trx))?.n ?? 0);
  }

  /** Every establishment by its RNE, for the users' import. */
  async establishmentIdsByRne(): Promise<Map<string, number>> {
    const rows = await this.db.select<{ id: number; rne: string }>(sql`SELECT id, rne FROM establishments`);
    return new Map(rows.map((r) => [r.rne, r.id]));
  }

  teams() {
    return this.db.select<Record<string, unknown>>(sql`
      SELECT t.*, (SELECT count(*) FROM team_members AS m WHERE m.team_id = t.id) AS members FROM teams AS t ORDER BY t.name`);
  }

  team(id: number, trx?: Trx) {
    return this.db.first<{ id: number; name: string; email: string; business: boolean | number; active: boolean | number }>(sql`SELECT * FROM teams WHERE id = ${id}`, trx);
  }

  teamNames(trx: Trx) {
    return this.db.select<{ id: number; name: string }>(sql`SELECT id, name FROM teams`, trx);
  }

  async activeTeamExists(trx: Trx, id: number): Promise<boolean> {
    return !!(await this.db.first(sql`SELECT id FROM teams WHERE id = ${id} AND active`, trx));
  }

  teamMembers(teamId: number) {
    return this.db.select(sql`
      SELECT u.id, u.identifiant, u.first_name, u.last_name, u.active FROM users AS u JOIN team_members AS m ON m.user_id = u.id
      WHERE m.team_id = ${teamId} ORDER BY u.last_name, u.first_name`);
  }

  /** Active agents not in this team: who may be added to it. */
  agentsOutside(teamId: number) {
    return this.db.select(sql`
      SELECT u.id, u.identifiant, u.first_name, u.last_name FROM users AS u JOIN user_roles AS r ON r.user_id = u.id
      WHERE r.role = 'agent' AND u.active AND u.id NOT IN (SELECT user_id FROM team_members WHERE team_id = ${teamId})
      ORDER BY u.last_name, u.first_name`);
  }

  async addMember(trx: Trx, teamId: number, userId: number): Promise<void> {
    await this.db.execute(sql`${insertRows('team_members', [{ team_id: teamId, user_id: userId }])} ON CONFLICT (team_id, user_id) DO NOTHING`, trx);
  }

  /** Returns false when the user was not a member. */
  async removeMember(trx: Trx, teamId: number, userId: number): Promise<boolean> {
    return (await this.db.execute(sql`DELETE FROM team_members WHERE team_id = ${teamId} AND user_id = ${userId} RETURNING user_id`, trx)).length > 0;
  }

  users(q: string, limit: number, offset: number) {
    const d = this.db.dialect;
    const where = q ? sql`WHERE ${anyOf([d.containsText(sql`u.identifiant`, q), d.containsText(sql`u.first_name || ' ' || u.last_name`, q), d.containsText(sql`u.email`, q)])}` : sql``;
    const roles = sql`(SELECT ${d.stringAgg(sql`r.role`, ', ')} FROM user_roles AS r WHERE r.user_id = u.id)`;
    return this.page(sql`SELECT u.id, u.identifiant, u.first_name, u.last_name, u.email, u.active, u.source, ${roles} AS roles`, sql`FROM users AS u ${where}`, sql`u.last_name, u.first_name`, limit, offset);
  }

  user(id: number, trx?: Trx) {
    return this.db.first<{ id: number; identifiant: string; first_name: string; last_name: string; email: string; phone: string; title: string; active: boolean | number; source: 'local' | 'directory' }>(
      sql`SELECT id, identifiant, first_name, last_name, email, phone, title, active, source FROM users WHERE id = ${id}`, trx);
  }

  /** Every user, with their roles, establishments' RNE and teams' names, for the export. */
  async usersForExport() {
    const d = this.db.dialect;
    const rows = await this.db.select<{ id: number; identifiant: string; first_name: string; last_name: string; email: string; phone: string; title: string; active: boolean | number; roles: unknown; rnes: unknown; teams: unknown }>(sql`
      SELECT u.*,
        ${d.jsonArray(sql`r.role`, sql`FROM (SELECT role FROM user_roles WHERE user_id = u.id ORDER BY role) AS r`)} AS roles,
        ${d.jsonArray(sql`e.rne`, sql`FROM (SELECT e.rne FROM user_establishments AS ue JOIN establishments AS e ON e.id = ue.establishment_id WHERE ue.user_id = u.id ORDER BY ue.position) AS e`)} AS rnes,
        ${d.jsonArray(sql`t.name`, sql`FROM (SELECT t.name FROM team_members AS m JOIN teams AS t ON t.id = m.team_id WHERE m.user_id = u.id ORDER BY t.name) AS t`)} AS teams
      FROM users AS u ORDER BY u.identifiant`);
    const list = (v: unknown) => d.parseJson<string[]>(v);
    return rows.map((u) => ({ ...u, roles: list(u.roles), rnes: list(u.rnes), teams: list(u.teams) }));
  }
}
