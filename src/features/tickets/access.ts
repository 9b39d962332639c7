import type { Knex } from 'knex';
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
export function requesterScope(user: CurrentUser, alias = 'tickets') {
  const managed = managedEstablishmentIds(user);
  return (qb: Knex.QueryBuilder) => {
    qb.where(`${alias}.requester_id`, user.id).orWhere(`${alias}.beneficiary_id`, user.id);
    if (managed.length > 0) {
      qb.orWhere((q) => q.where(`${alias}.visibility`, 'managers').whereIn(`${alias}.establishment_id`, managed));
    }
  };
}

/** Agent side: tickets of my teams and tickets assigned to me. */
export function agentScope(user: CurrentUser, alias = 'tickets') {
  return (qb: Knex.QueryBuilder) => {
    if (!user.roles.includes('agent')) {
      qb.whereRaw('1 = 0');
      return;
    }
    qb.where(`${alias}.agent_id`, user.id);
    if (user.teamIds.length > 0) qb.orWhereIn(`${alias}.team_id`, user.teamIds);
  };
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

/** The same rule as agentScope, for a ticket already in hand. */
export function canSeeAsAgent(user: CurrentUser, t: TicketAccessFields): boolean {
  if (!user.roles.includes('agent')) return false;
  return t.agent_id === user.id || (t.team_id !== null && user.teamIds.includes(t.team_id));
}

/** Who this user is for the lifecycle table, on this ticket. */
export function actorsFor(user: CurrentUser, t: TicketAccessFields): Actor[] {
  const actors: Actor[] = [];
  if (t.requester_id === user.id || t.beneficiary_id === user.id) actors.push('requester');
  if (user.roles.includes('agent')) {
    if (t.team_id !== null && user.teamIds.includes(t.team_id)) actors.push('team_agent');
    if (t.agent_id === user.id) actors.push('agent_in_charge');
  }
  return actors;
}
