import type { Database } from '../../db/database.js';
import { sql } from '../../db/sql.js';

export interface TeamSatisfaction {
  team_id: number | null;
  team_name: string | null;
  rated: number;
  average: number | null;
  unrated: number;
}

export class SatisfactionRepo {
  constructor(private readonly db: Database) {}

  /** Per team, over [from, to): how many evaluations, their average, and the "non évalué" (auto-closed). */
  async byTeam(from: Date, to: Date): Promise<TeamSatisfaction[]> {
    const rows = await this.db.select<TeamSatisfaction>(sql`
      SELECT s.team_id, t.name AS team_name,
        sum(CASE WHEN s.rating IS NULL THEN 0 ELSE 1 END) AS rated,
        avg(s.rating) AS average,
        sum(CASE WHEN s.rating IS NULL THEN 1 ELSE 0 END) AS unrated
      FROM satisfaction AS s LEFT JOIN teams AS t ON t.id = s.team_id
      WHERE s.created_at >= ${from.toISOString()} AND s.created_at < ${to.toISOString()}
      GROUP BY s.team_id, t.name
      ORDER BY CASE WHEN t.name IS NULL THEN 0 ELSE 1 END, t.name`);
    return rows.map((r) => ({ ...r, rated: Number(r.rated), unrated: Number(r.unrated), average: r.average === null ? null : Number(r.average) }));
  }
}
