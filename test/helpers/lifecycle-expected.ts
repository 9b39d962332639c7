import type { Action } from '../../src/features/tickets/lifecycle.js';

// The lifecycle as SPEC and seed 002 describe it, written out independently of the module:
// "status:actor" → the status after the action ('=' when it does not change).
export const A = 'agent_in_charge', T = 'team_agent', R = 'requester', S = 'system';
export const EXPECTED: Record<Action, Record<string, string>> = {
  take: {
    [`nouvelle:${A}`]: 'assignee', [`nouvelle:${T}`]: 'assignee', [`affectee:${A}`]: 'assignee', [`affectee:${T}`]: 'assignee',
    [`reaffectee:${A}`]: 'assignee', [`reaffectee:${T}`]: 'assignee', [`en_attente:${A}`]: 'assignee', [`en_attente:${T}`]: 'assignee',
    [`assignee:${T}`]: 'assignee', [`a_completer:${T}`]: 'assignee',
  },
  assign: Object.fromEntries(['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente'].flatMap((s) => [[`${s}:${A}`, 'assignee'], [`${s}:${T}`, 'assignee']])),
  dispatch: Object.fromEntries(['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente'].flatMap((s) => [[`${s}:${A}`, 'reaffectee'], [`${s}:${T}`, 'reaffectee']])),
  save: Object.fromEntries(['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente', 'a_completer', 'resolue'].flatMap((s) => [[`${s}:${A}`, '='], [`${s}:${T}`, '=']])),
  hold: { [`assignee:${A}`]: 'en_attente' },
  request_info: { [`assignee:${A}`]: 'a_completer', [`en_attente:${A}`]: 'a_completer' },
  resolve: { [`assignee:${A}`]: 'resolue', [`en_attente:${A}`]: 'resolue', [`a_completer:${A}`]: 'resolue' },
  update: Object.fromEntries(['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente', 'resolue'].map((s) => [`${s}:${R}`, '='])),
  answer: { [`a_completer:${R}`]: 'assignee' },
  accept: { [`resolue:${R}`]: 'fermee' },
  refuse: { [`resolue:${R}`]: 'assignee', [`fermee:${R}`]: 'assignee' },
  auto_close: { [`resolue:${S}`]: 'fermee' },
};
