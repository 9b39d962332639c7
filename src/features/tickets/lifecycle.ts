import type { Status } from './vocabulary.js';

// THE table of the ticket lifecycle: (status, action, who) → new status. Pages ask it which
// actions to offer; POST handlers ask it whether to proceed. Nothing else decides.

export type Action =
  | 'take' | 'assign' | 'dispatch' | 'save' | 'hold' | 'request_info' | 'resolve'
  | 'update' | 'answer' | 'accept' | 'refuse' | 'auto_close';

/**
 * Who is looking at the ticket (one person may be several):
 * - requester: the requester or the beneficiary;
 * - team_agent: an agent of the ticket's team who is not in charge of it;
 * - agent_in_charge: the agent the ticket is assigned to;
 * - system: the scheduler.
 */
export type Actor = 'requester' | 'team_agent' | 'agent_in_charge' | 'system';

export interface Rule {
  action: Action;
  from: readonly Status[];
  by: readonly Actor[];
  /** null: the status does not change. */
  to: Status | null;
}

const QUEUED: Status[] = ['nouvelle', 'affectee', 'reaffectee'];
const ACTIVE: Status[] = [...QUEUED, 'assignee', 'en_attente', 'a_completer'];
const AGENTS: Actor[] = ['team_agent', 'agent_in_charge'];

export const RULES: readonly Rule[] = [
  // Prendre en charge: a queued ticket, another member's ticket, or one's own back from "En attente".
  { action: 'take', from: [...QUEUED, 'en_attente'], by: AGENTS, to: 'assignee' },
  { action: 'take', from: ['assignee', 'a_completer'], by: ['team_agent'], to: 'assignee' },
  { action: 'assign', from: [...QUEUED, 'assignee', 'en_attente'], by: AGENTS, to: 'assignee' },
  { action: 'dispatch', from: [...QUEUED, 'assignee', 'en_attente'], by: AGENTS, to: 'reaffectee' },
  { action: 'save', from: [...ACTIVE, 'resolue'], by: AGENTS, to: null },
  { action: 'hold', from: ['assignee'], by: ['agent_in_charge'], to: 'en_attente' },
  { action: 'request_info', from: ['assignee', 'en_attente'], by: ['agent_in_charge'], to: 'a_completer' },
  { action: 'resolve', from: ['assignee', 'en_attente', 'a_completer'], by: ['agent_in_charge'], to: 'resolue' },
  { action: 'update', from: [...QUEUED, 'assignee', 'en_attente', 'resolue'], by: ['requester'], to: null },
  { action: 'answer', from: ['a_completer'], by: ['requester'], to: 'assignee' },
  { action: 'accept', from: ['resolue'], by: ['requester'], to: 'fermee' },
  // Refus: a resolved ticket, or one closed by the scheduler, within the reopen window (checked by the service).
  { action: 'refuse', from: ['resolue', 'fermee'], by: ['requester'], to: 'assignee' },
  { action: 'auto_close', from: ['resolue'], by: ['system'], to: 'fermee' },
];

/** The French labels of the actions, as the tutorials name them. */
export const ACTION_LABELS: Record<Action, string> = {
  take: 'Prendre en charge',
  assign: 'Assigner',
  dispatch: 'Affecter',
  save: 'Valider',
  hold: 'Mettre en attente',
  request_info: 'Demander un complément',
  resolve: 'Résoudre',
  update: 'Mise à jour',
  answer: 'Répondre',
  accept: 'Acceptation',
  refuse: 'Refus',
  auto_close: 'Clôture automatique',
};

export const ACTIONS = Object.keys(ACTION_LABELS) as Action[];

function ruleFor(action: Action, status: string, actors: readonly Actor[]): Rule | undefined {
  return RULES.find((r) => r.action === action && r.from.includes(status as Status) && r.by.some((a) => actors.includes(a)));
}

export function can(action: Action, status: string, actors: readonly Actor[]): boolean {
  return ruleFor(action, status, actors) !== undefined;
}

/**
 * Why an action may not be done: 'status' when the ticket's status does not allow it at all (409),
 * 'actor' when it does, but not for this person (403).
 */
export function refusal(action: Action, status: string, actors: readonly Actor[]): 'status' | 'actor' | null {
  if (can(action, status, actors)) return null;
  return RULES.some((r) => r.action === action && r.from.includes(status as Status)) ? 'actor' : 'status';
}

/** The status after the action (the current one when the action keeps it). Call only when `can` said yes. */
export function nextStatus(action: Action, status: string, actors: readonly Actor[]): Status {
  const rule = ruleFor(action, status, actors);
  if (!rule) throw new Error(`${action} is not allowed from ${status}`);
  return rule.to ?? (status as Status);
}

/** The actions to offer, in the order of ACTION_LABELS. */
export function allowedActions(status: string, actors: readonly Actor[]): Action[] {
  return ACTIONS.filter((a) => can(a, status, actors));
}
