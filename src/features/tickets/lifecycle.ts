import type { Status } from './vocabulary.js';

// THE table of the ticket lifecycle: for each action, the statuses it applies to, who may do it,
// and the status it leads to. Pages ask it which actions to offer; POST handlers ask it whether
// to proceed. Nothing else decides.

export type Action =
  | 'take' | 'assign' | 'dispatch' | 'save' | 'hold' | 'request_info' | 'resolve'
  | 'update' | 'answer' | 'accept' | 'refuse' | 'auto_close';

/**
 * Who is looking at the ticket:
 * - requester: the requester or the beneficiary;
 * - team_agent: an agent of the ticket's team;
 * - agent_in_charge: the agent the ticket is assigned to;
 * - system: the scheduler.
 */
export type Actor = 'requester' | 'team_agent' | 'agent_in_charge' | 'system';

interface Transition {
  from: readonly Status[];
  by: readonly Actor[];
  /** null: the status does not change. */
  to: Status | null;
  label: string;
}

const ACTIVE: Status[] = ['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente', 'a_completer'];

export const LIFECYCLE: Record<Action, Transition> = {
  take: { from: ['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente'], by: ['team_agent', 'agent_in_charge'], to: 'assignee', label: 'Prendre en charge' },
  assign: { from: ['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente'], by: ['team_agent', 'agent_in_charge'], to: 'assignee', label: 'Assigner' },
  dispatch: { from: ['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente'], by: ['team_agent', 'agent_in_charge'], to: 'reaffectee', label: 'Affecter' },
  save: { from: [...ACTIVE, 'resolue'], by: ['team_agent', 'agent_in_charge'], to: null, label: 'Valider' },
  hold: { from: ['assignee'], by: ['agent_in_charge'], to: 'en_attente', label: 'Mettre en attente' },
  request_info: { from: ['assignee', 'en_attente'], by: ['agent_in_charge'], to: 'a_completer', label: 'Demander un complément' },
  resolve: { from: ['assignee', 'en_attente', 'a_completer'], by: ['agent_in_charge'], to: 'resolue', label: 'Résoudre' },
  update: { from: ['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente', 'resolue'], by: ['requester'], to: null, label: 'Mise à jour' },
  answer: { from: ['a_completer'], by: ['requester'], to: 'assignee', label: 'Répondre' },
  accept: { from: ['resolue'], by: ['requester'], to: 'fermee', label: 'Acceptation' },
  refuse: { from: ['resolue'], by: ['requester'], to: 'assignee', label: 'Refus' },
  auto_close: { from: ['resolue'], by: ['system'], to: 'fermee', label: 'Clôture automatique' },
};

export function can(action: Action, status: string, actors: readonly Actor[]): boolean {
  const t = LIFECYCLE[action];
  return t.from.includes(status as Status) && t.by.some((a) => actors.includes(a));
}

/** The status after the action; the current one when the action keeps it. */
export function nextStatus(action: Action, status: string): Status {
  return LIFECYCLE[action].to ?? (status as Status);
}

/** The actions to offer, in the table's order. */
export function allowedActions(status: string, actors: readonly Actor[]): Action[] {
  return (Object.keys(LIFECYCLE) as Action[]).filter((a) => can(a, status, actors));
}
