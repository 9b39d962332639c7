import { csrfOf, type Agent } from './agent.js';

/** Post an admin form (urlencoded), with a fresh CSRF token from the admin home. */
export async function adminPost(agent: Agent, path: string, fields: Record<string, string | string[] | number>) {
  const token = await csrfOf(agent, '/admin');
  return agent.post(path).type('form').send({ _csrf: token, ...fields });
}
