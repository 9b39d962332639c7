import type { Knex } from 'knex';

export interface TeamSatisfaction {
  team_id: number | null;
  team_name: string | null;
  rated: number;
  average: number | null;
  unrated: number;
}

export class SatisfactionRepo {
  constructor(private readonly db: Knex) {}

  /** Per team, over [from, to): how many evaluations, their average, and the "non évalué" (auto-closed). */
  async byTeam(from: Date, to: Date): Promise<TeamSatisfaction[]> {
    const rows = await this.db('satisfaction as s')
      .leftJoin('teams as t', 't.id', 's.team_id')
      .where('s.created_at', '>=', from.toISOString())
      .where('s.created_at', '<', to.toISOString())
      .groupBy('s.team_id', 't.name')
      .orderBy('t.name')
      .select(
        's.team_id',
        't.name as team_name',
        this.db.raw('SUM(CASE WHEN s.rating IS NULL THEN 0 ELSE 1 END) as rated'),
        this.db.raw('AVG(s.rating) as average'),
        this.db.raw('SUM(CASE WHEN s.rating IS NULL THEN 1 ELSE 0 END) as unrated'),
      );
    return rows.map((r: TeamSatisfaction) => ({ ...r, rated: Number(r.rated), unrated: Number(r.unrated), average: r.average === null ? null : Number(r.average) }));
  }
}
