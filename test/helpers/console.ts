import { csrfOf, type Agent } from './agent.js';

/** Press a console button, as the agent's browser would, with the ticket's current version unless given. */
export async function consoleAction(agent: Agent, ref: string, fields: Record<string, string | number>, opts: { version?: number; csrf?: string } = {}) {
  const page = await agent.get(`/agent/tickets/${ref}`);
  const version = opts.version ?? Number(page.text.match(/name="version" value="(\d+)"/)?.[1] ?? 1);
  const token = opts.csrf ?? (await csrfOf(agent, '/agent/tickets/en-cours'));
  const req = agent.post(`/agent/tickets/${ref}`).field('_csrf', token).field('version', String(version));
  for (const [k, v] of Object.entries(fields)) req.field(k, String(v));
  return req;
}
