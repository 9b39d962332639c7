import request from 'supertest';
import type { Express } from 'express';
import assert from 'node:assert/strict';

export type Agent = ReturnType<typeof request.agent>;

/** The CSRF token of the first form on a page. */
export function csrfFrom(html: string): string {
  const m = html.match(/name="_csrf" value="([^"]+)"/);
  assert.ok(m, 'the page should carry a CSRF token');
  return m[1];
}

/** A browser-like client: cookies kept, a fresh CSRF token read from the page before each post. */
export async function csrfOf(agent: Agent, pagePath: string): Promise<string> {
  const res = await agent.get(pagePath);
  return csrfFrom(res.text);
}

/** Log in through the login form, as a user would. */
export async function loginAs(app: Express, identifiant: string, password = 'demo'): Promise<Agent> {
  const agent = request.agent(app);
  const token = await csrfOf(agent, '/login');
  const res = await agent.post('/login').type('form').send({ _csrf: token, identifiant, password });
  assert.equal(res.status, 303, `login of ${identifiant} should succeed, got ${res.status}`);
  return agent;
}

/** Every text between tags, for asserting what a reader sees. */
export function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;|&#34;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ');
}
