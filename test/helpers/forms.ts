import type { Test } from 'supertest';
import { csrfOf, type Agent } from './agent.js';

/** The fields of a valid "Création de Demande Utilisateur" form. */
export function ticketForm(fields: { subcategory_id: number; establishment_id: number } & Record<string, string | number>): Record<string, string> {
  const base: Record<string, string | number> = {
    kind: 'incident',
    visibility: 'self',
    beneficiary_id: '',
    business_team_id: '',
    subject: 'Imprimante en panne',
    detail: "L'imprimante du bureau de direction n'imprime plus.",
    phone: '05 61 00 00 01',
    availability: 'Lundi matin',
    impact: 'personne',
    urgency: 'moyenne',
    ...fields,
  };
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, String(v)]));
}

/** Post the ticket form as multipart, as the browser does, with optional files. */
export async function postTicket(
  agent: Agent,
  fields: Record<string, string>,
  files: Array<{ name: string; content: Buffer }> = [],
  opts: { csrf?: string | null } = {},
): Promise<Awaited<Test>> {
  const token = opts.csrf === undefined ? await csrfOf(agent, '/assistance') : opts.csrf;
  const req = agent.post('/assistance/tickets');
  if (token !== null) req.field('_csrf', token);
  for (const [k, v] of Object.entries(fields)) req.field(k, v);
  for (const f of files) req.attach('attachments', f.content, f.name);
  return req;
}
