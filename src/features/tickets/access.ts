import { anyOf, identifier, inList, raw, sql, type Sql } from '../../db/sql.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { TicketRow } from '../../db/tables.js';
import type { Actor } from './lifecycle.js';

// THE visibility rules. Every query for tickets starts from one of these scopes,
// so no list, page or download can show a ticket its reader may not see.

/** Establishments whose "Visible par: Responsables" tickets this user sees (none unless responsable). */
export function managedEstablishmentIds(user: CurrentUser): number[] {
  return user.roles.includes('responsable') ? user.establishments.map((e) => e.id) : [];
}

/** Requester side: tickets I filed, tickets for me, and (responsable) my establishments' shared tickets. */
export function requesterScope(user: CurrentUser, alias = 'tickets'): Scope {
  const managed = managedEstablishmentIds(user);
  const t = raw(identifier(alias));
  return anyOfBranches([
    sql`${t}.requester_id = ${user.id}`,
    sql`${t}.beneficiary_id = ${user.id}`,
    ...(managed.length > 0 ? [sql`${t}.visibility = ${'managers'} AND ${inList(`${alias}.establishment_id`, managed)}`] : []),
  ]);
}

/**
 * A visibility scope: a condition (its branches ORed), and the branches themselves. A list
 * reads each branch apart and merges them (TicketsRepo.listTab), so that each branch reads its
 * own index in the list's order instead of sorting every ticket the OR reaches.
 */
export interface Scope {
  where: Sql;
  branches: Sql[];
}

function anyOfBranches(branches: Sql[]): Scope {
  // No branch: nothing is visible (never "no condition").
  return { where: anyOf(branches), branches };
}

/**
 * The teams whose queue this agent works. Members of the platform team also work the tickets
 * no team was found for (status Nouvelle, no team).
 */
export interface AgentReach {
  teamIds: number[];
  seesUnrouted: boolean;
}

export function agentReach(user: CurrentUser, platformTeamId: number | null): AgentReach {
  if (!user.roles.includes('agent')) return { teamIds: [], seesUnrouted: false };
  return { teamIds: user.teamIds, seesUnrouted: platformTeamId !== null && user.teamIds.includes(platformTeamId) };
}

/** Agent side: tickets of my teams (and unrouted ones for the platform team) and tickets assigned to me. */
export function agentScope(user: CurrentUser, platformTeamId: number | null, alias = 'tickets'): Scope {
  if (!user.roles.includes('agent')) return anyOfBranches([]);
  const queues = queueIds(agentReach(user, platformTeamId));
  const t = raw(identifier(alias));
  return anyOfBranches([
    sql`${t}.agent_id = ${user.id}`,
    ...(queues.length > 0 ? [inList(`${alias}.queue_team_id`, queues)] : []),
  ]);
}

/**
 * The queues an agent works, as values of tickets.queue_team_id (the team, or 0 for the
 * tickets no team was found for): one column, so one index serves every agent's queues.
 */
export function queueIds(reach: AgentReach): number[] {
  return reach.seesUnrouted ? [...reach.teamIds, 0] : reach.teamIds;
}

type TicketAccessFields = Pick<TicketRow, 'requester_id' | 'beneficiary_id' | 'visibility' | 'establishment_id' | 'team_id' | 'agent_id'>;

/** The same rule as requesterScope, for a ticket already in hand. */
export function canSeeAsRequester(user: CurrentUser, t: TicketAccessFields): boolean {
  return (
    t.requester_id === user.id ||
    t.beneficiary_id === user.id ||
    (t.visibility === 'managers' && managedEstablishmentIds(user).includes(t.establishment_id))
  );
}

/** Is this agent a member of the team that works this ticket (or of the platform team, for unrouted ones)? */
function worksTicketQueue(user: CurrentUser, t: TicketAccessFields, platformTeamId: number | null): boolean {
  const reach = agentReach(user, platformTeamId);
  return t.team_id === null ? reach.seesUnrouted : reach.teamIds.includes(t.team_id);
}

/** The same rule as agentScope, for a ticket already in hand. */
export function canSeeAsAgent(user: CurrentUser, t: TicketAccessFields, platformTeamId: number | null): boolean {
  if (!user.roles.includes('agent')) return false;
  return t.agent_id === user.id || worksTicketQueue(user, t, platformTeamId);
}

/** Who this user is for the lifecycle table, on this ticket. */
export function actorsFor(user: CurrentUser, t: TicketAccessFields, platformTeamId: number | null): Actor[] {
  const actors: Actor[] = [];
  if (t.requester_id === user.id || t.beneficiary_id === user.id) actors.push('requester');
  if (user.roles.includes('agent')) {
    if (t.agent_id === user.id) actors.push('agent_in_charge');
    else if (worksTicketQueue(user, t, platformTeamId)) actors.push('team_agent');
  }
  return actors;
}
