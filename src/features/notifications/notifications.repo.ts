import type { Database, Trx } from '../../db/database.js';
import { inList, insertRows, name, sql, type Sql } from '../../db/sql.js';

export interface Recipient {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  /** The mail kinds this user turned off (read with the recipient: no query per kind). */
  optOuts: string[];
}

/** Who hears of a ticket's event: its requester and beneficiary, its team's agents, its agent, or whoever has it in hand. */
export type Audience = 'requesters' | 'team' | 'agent' | 'inCharge';

/** A ticket's column, read by its id inside the statement. */
const column = (ticketId: number, c: 'requester_id' | 'beneficiary_id' | 'agent_id' | 'team_id') => sql`(SELECT ${name(c)} FROM tickets WHERE id = ${ticketId})`;

export class NotificationsRepo {
  constructor(private readonly db: Database) {}

  /** A recipient's columns, from `users AS u`, with the kinds they turned off. */
  private recipients(where: Sql, trx: Trx): Promise<Recipient[]> {
    const { dialect } = this.db;
    const optOuts = dialect.jsonArray(sql`o.kind`, sql`FROM notification_opt_outs AS o WHERE o.user_id = u.id`);
    return this.db
      .select<Omit<Recipient, 'optOuts'> & { opt_outs: unknown }>(sql`SELECT u.id, u.email, u.first_name, u.last_name, ${optOuts} AS opt_outs FROM users AS u WHERE u.active AND ${where} ORDER BY u.id`, trx)
      .then((rows) => rows.map(({ opt_outs, ...u }) => ({ ...u, optOuts: dialect.parseJson<string[]>(opt_outs) })));
  }

  /** The active users an audience of a ticket is. */
  audience(trx: Trx, who: Audience, ticketId: number): Promise<Recipient[]> {
    const teamAgents = sql`u.id IN (SELECT tm.user_id FROM team_members AS tm JOIN user_roles AS r ON r.user_id = tm.user_id AND r.role = 'agent' WHERE tm.team_id = ${column(ticketId, 'team_id')})`;
    const condition = {
      requesters: sql`u.id IN (${column(ticketId, 'requester_id')}, ${column(ticketId, 'beneficiary_id')})`,
      team: teamAgents,
      agent: sql`u.id = ${column(ticketId, 'agent_id')}`,
      // The agent in charge, or, while nobody has taken the ticket, its team's agents.
      inCharge: sql`(u.id = ${column(ticketId, 'agent_id')} OR (${column(ticketId, 'agent_id')} IS NULL AND ${teamAgents}))`,
    }[who];
    return this.recipients(condition, trx);
  }

  /** One account, active. */
  account(trx: Trx, userId: number): Promise<Recipient[]> {
    return this.recipients(sql`u.id = ${userId}`, trx);
  }

  async optOuts(userId: number): Promise<string[]> {
    const rows = await this.db.select<{ kind: string }>(sql`SELECT kind FROM notification_opt_outs WHERE user_id = ${userId}`);
    return rows.map((r) => r.kind);
  }

  /** Among the kinds `shown`, the user's turned-off ones become `off`. */
  async replaceOptOuts(trx: Trx, userId: number, shown: readonly string[], off: readonly string[]): Promise<void> {
    await this.db.execute(sql`DELETE FROM notification_opt_outs WHERE user_id = ${userId} AND ${inList('kind', shown)}`, trx);
    if (off.length > 0) await this.db.execute(insertRows('notification_opt_outs', off.map((kind) => ({ user_id: userId, kind }))), trx);
  }
}
