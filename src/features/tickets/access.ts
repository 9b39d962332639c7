import type { CurrentUser } from '../auth/current-user.js';
import type { TicketRow } from '../../db/tables.js';
import type { Actor } from './lifecycle.js';
import type { Status } from './vocabulary.js';

// THE visibility rules, as data. Every query for tickets is scoped by one of them in SQL
// (TicketsRepo), and a ticket in hand is checked by the same data (`inScope`): one rule, read
// two ways, so that no list, page or download can show a ticket its reader may not see.

/** The columns a rule may name. `queue_team_id` is the ticket's team, or 0 when none was found. */
export type TicketColumn = 'requester_id' | 'beneficiary_id' | 'agent_id' | 'visibility' | 'establishment_id' | 'queue_team_id';

type Value = number | string;
/** What a column must hold: a value, one of several, nothing (null), or anything but these (never null). */
export type Match = Value | null | readonly Value[] | { not: readonly Value[] };

/** A conjunction: every column named holds its match. */
export type Branch = Partial<Record<TicketColumn, Match>>;

/** A rule: any of its branches (none: nothing at all). */
export interface Scope {
  branches: Branch[];
}

/** A tab of a dashboard: a rule within the reader's scope, on tickets in these statuses. */
export interface TabRule extends Scope {
  statuses: readonly Status[];
}

export type TicketAccessFields = Pick<TicketRow, 'requester_id' | 'beneficiary_id' | 'visibility' | 'establishment_id' | 'team_id' | 'agent_id'> & { queue_team_id: number };

function holds(match: Match, value: Value | null): boolean {
  if (match === null) return value === null;
  if (Array.isArray(match)) return value !== null && match.includes(value);
  if (typeof match === 'object') return value !== null && !(match as { not: readonly Value[] }).not.includes(value);
  return value === match;
}

/** Does the ticket satisfy the rule? The same answer as the rule's SQL. */
export function inScope(scope: Scope, ticket: TicketAccessFields): boolean {
  return scope.branches.some((b) => (Object.entries(b) as Array<[TicketColumn, Match]>).every(([column, match]) => holds(match, ticket[column])));
}

/** Establishments whose "Visible par: Responsables" tickets this user sees: those a responsable heads. */
export function managedEstablishmentIds(user: CurrentUser): number[] {
  return user.roles.includes('responsable') ? user.establishments.filter((e) => e.responsible).map((e) => e.id) : [];
}

/** Requester side: tickets I filed, tickets for me, and (responsable) my establishments' shared tickets. */
export function requesterScope(user: CurrentUser): Scope {
  const managed = managedEstablishmentIds(user);
  return {
    branches: [
      { requester_id: user.id },
      { beneficiary_id: user.id },
      ...(managed.length > 0 ? [{ visibility: 'managers', establishment_id: managed }] : []),
    ],
  };
}

/**
 * The queues an agent works, as values of queue_team_id: their teams, and 0 (the tickets no team
 * was found for) for members of the platform team.
 */
export function agentQueues(user: CurrentUser, platformTeamId: number | null): number[] {
  if (!user.roles.includes('agent')) return [];
  return platformTeamId !== null && user.teamIds.includes(platformTeamId) ? [...user.teamIds, 0] : user.teamIds;
}

/** Agent side: tickets assigned to me, and those of my queues. */
export function agentScope(user: CurrentUser, platformTeamId: number | null): Scope {
  if (!user.roles.includes('agent')) return { branches: [] };
  const queues = agentQueues(user, platformTeamId);
  return { branches: [{ agent_id: user.id }, ...(queues.length > 0 ? [{ queue_team_id: queues }] : [])] };
}

export function canSeeAsRequester(user: CurrentUser, t: TicketAccessFields): boolean {
  return inScope(requesterScope(user), t);
}

export function canSeeAsAgent(user: CurrentUser, t: TicketAccessFields, platformTeamId: number | null): boolean {
  return inScope(agentScope(user, platformTeamId), t);
}

/** Who this user is for the lifecycle table, on this ticket. */
export function actorsFor(user: CurrentUser, t: TicketAccessFields, platformTeamId: number | null): Actor[] {
  const actors: Actor[] = [];
  if (t.requester_id === user.id || t.beneficiary_id === user.id) actors.push('requester');
  if (user.roles.includes('agent')) {
    if (t.agent_id === user.id) actors.push('agent_in_charge');
    else if (agentQueues(user, platformTeamId).includes(t.queue_team_id)) actors.push('team_agent');
  }
  return actors;
}

/**
 * Whose numbers a statistics page may count for this user: the admin everything; an agent the
 * queues they work; a responsable the shared tickets of the establishments they head (the rule of
 * "Partagés"); anyone else nothing (null).
 */
/** May this audience narrow its statistics to the team (0: the tickets no team was found for)? */
export function statisticsTeamAllowed(audience: { teamIds: number[] | null }, teamId: number): boolean {
  return audience.teamIds === null || audience.teamIds.includes(teamId);
}

export function statisticsAudience(user: CurrentUser, platformTeamId: number | null): { teamIds: number[] | null; scope: Scope | null } | null {
  if (user.roles.includes('admin')) return { teamIds: null, scope: null };
  const queues = agentQueues(user, platformTeamId);
  if (queues.length > 0) return { teamIds: queues, scope: null };
  const managed = managedEstablishmentIds(user);
  if (managed.length > 0) return { teamIds: null, scope: { branches: [{ visibility: 'managers', establishment_id: managed }] } };
  return null;
}
