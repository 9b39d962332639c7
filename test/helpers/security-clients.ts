import assert from 'node:assert/strict';
import request from 'supertest';
import type { Express } from 'express';
import type { Response } from 'supertest';
import { csrfFrom, type Agent } from './agent.js';

/**
 * A browser on its own machine: behind a trusted proxy (TRUST_PROXY=loopback), the address
 * it sends as X-Forwarded-For is the one the per-address limits count.
 */
function browser(app: Express, ip?: string): Agent {
  const agent = request.agent(app);
  if (ip) agent.set('X-Forwarded-For', ip);
  return agent;
}

/** A visitor who opened the login page: a session and a CSRF token, nobody signed in. */
export async function anonymousClient(app: Express, ip?: string): Promise<Agent> {
  const agent = browser(app, ip);
  const res = await agent.get('/login');
  assert.equal(res.status, 200);
  return agent;
}

/** Sign in through the login form, as a person would. */
export async function signedInClient(app: Express, identifiant: string, ip?: string): Promise<Agent> {
  const agent = browser(app, ip);
  const token = csrfFrom((await agent.get('/login')).text);
  const res = await agent.post('/login').type('form').send({ _csrf: token, identifiant, password: 'demo' });
  assert.equal(res.status, 303, `login of ${identifiant} should succeed, got ${res.status}`);
  return agent;
}

/** The session's CSRF token, from a page that carries a form for anyone: the login page, or "Plus" once signed in. */
export async function tokenOf(agent: Agent): Promise<string> {
  const login = await agent.get('/login');
  if (login.status === 200) return csrfFrom(login.text);
  const more = await agent.get('/assistance/plus');
  assert.equal(more.status, 200, 'a signed-in user should reach "Plus"');
  return csrfFrom(more.text);
}

/** The body of any response as text (pages, redirects, downloads), for "does not contain" checks. */
export function bodyText(res: Response): string {
  if (typeof res.text === 'string') return res.text;
  if (Buffer.isBuffer(res.body)) return res.body.toString('latin1');
  return JSON.stringify(res.body ?? '');
}

/** Every start tag of a page, e.g. `<img src=x onerror=…>`. */
export function startTags(html: string): string[] {
  return html.match(/<[a-zA-Z][^<>]*>/g) ?? [];
}

/** The attribute names of a start tag, as a browser reads them (a quoted value is one value, whatever it holds). */
export function attributeNames(tag: string): string[] {
  const inner = tag.replace(/^<[a-zA-Z][^\s/>]*/, '').replace(/\/?>$/, '');
  const names: string[] = [];
  for (const m of inner.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g)) names.push(m[1].toLowerCase());
  return names;
}

/** Start tags carrying an event-handler attribute (onclick=, onerror=…): none may exist, inline script is not ours. */
export function tagsWithHandlers(html: string): string[] {
  return startTags(html).filter((tag) => attributeNames(tag).some((n) => n.startsWith('on')));
}

/** `<script>` elements without a src: inline code, which the CSP would block and no page of ours has. */
export function inlineScripts(html: string): string[] {
  return startTags(html).filter((tag) => /^<script\b/i.test(tag) && !attributeNames(tag).includes('src'));
}
