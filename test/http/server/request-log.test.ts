import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfFrom, csrfOf, loginAs } from '../../helpers/agent.js';
import { buildEstablishment, buildUser, subcategoryId } from '../../helpers/factories.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { createLogger } from '../../../src/logger.js';

interface Line {
  level: number;
  reqId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
  userId?: number;
}

describe('request logs: one structured line per request, with an id, and no secrets', () => {
  let t: TestApp;
  const raw: string[] = [];
  const lines = () => raw.map((l) => JSON.parse(l) as Line);
  before(async () => {
    const sink = new Writable({ write(chunk, _enc, cb) { raw.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
    t = await startTestApp({}, { logger: createLogger('info', sink) });
  });
  after(async () => { await t.close(); });

  it('when a request is served, should log method, path, status, time and user under the id the response carries', async () => {
    const sophie = await loginAs(t.app, 'SSEGUR');
    const res = await sophie.get('/assistance/tickets/en-cours?onglet=ouverts');
    const id = String(res.headers['x-request-id']);
    assert.match(id, /^[0-9a-f-]{36}$/);
    const line = lines().find((l) => l.reqId === id);
    assert.ok(line, 'a line carries the id of the response');
    assert.deepEqual(line.req, { method: 'GET', url: '/assistance/tickets/en-cours?onglet' });
    assert.equal(line.res?.statusCode, 200);
    assert.equal(typeof line.responseTime, 'number');
    assert.equal(line.userId, (await t.db('users').where({ identifiant: 'SSEGUR' }).first()).id);

    const proxied = await request(t.app).get('/login').set('X-Request-Id', 'proxy-1234abcd');
    assert.equal(proxied.headers['x-request-id'], 'proxy-1234abcd', "a proxy's id is kept");
    const forged = await request(t.app).get('/login').set('X-Request-Id', '"},"level":60,"x":"<script>');
    assert.match(String(forged.headers['x-request-id']), /^[0-9a-f-]{36}$/, 'a forged id is replaced');
  });

  it('when a user logs in, files a ticket, writes, searches and resets a password, should log none of the words, secrets or tokens', async () => {
    const est = await buildEstablishment(t.db);
    const u = await buildUser(t.db, { establishmentId: est.id });
    const secrets: string[] = [];
    // A password reset: the link's token is in the path.
    let agent = request.agent(t.app);
    const askToken = await csrfOf(agent, '/mot-de-passe-perdu');
    assert.equal((await agent.post('/mot-de-passe-perdu').type('form').send({ _csrf: askToken, identifiant: u.identifiant })).status, 200);
    const mail = await t.db('outbox').where({ to_user_id: u.id, kind: 'password_reset' }).first();
    const link = new URL(mail.text_body.match(/https?:\/\/\S+\/mot-de-passe\/\S+/)![0]).pathname;
    secrets.push(link.split('/').pop()!);
    const page = await agent.get(link);
    const password = 'Mot-de-passe-Tres-Secret-2026';
    secrets.push(password, csrfFrom(page.text));
    assert.equal((await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text), password, confirmation: password })).status, 303);

    // Login with it (the password is in a form body), then the cookie is the session's secret.
    agent = await loginAs(t.app, u.identifiant, password);
    const sophie = await loginAs(t.app, 'SSEGUR');
    const cookie = String((await sophie.get('/portail')).request.cookies ?? '');
    const sid = decodeURIComponent(cookie.match(/guichet\.sid=([^;]+)/)?.[1] ?? '').match(/^s:([^.]+)\./)?.[1];
    assert.ok(sid, 'the session cookie was sent');
    secrets.push(sid);

    // A ticket and a message: the journal's words.
    const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    const detail = 'Detail-prive-du-journal-7731';
    const created = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Objet-prive-5520', detail }));
    assert.equal(created.status, 303);
    const { ref } = await t.db('tickets').where({ subject: 'Objet-prive-5520' }).first('ref');
    const message = 'Message-prive-de-mise-a-jour-9912';
    const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
    await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).type('form').send({ _csrf: token, message });
    secrets.push(detail, 'Objet-prive-5520', message, token);
    // A search: people's words in the query string.
    await sophie.get('/assistance/recherche?q=recherche-privee-4410');
    secrets.push('recherche-privee-4410');

    const all = raw.join('\n');
    for (const s of secrets) assert.ok(!all.includes(s), `the logs must not contain "${s.slice(0, 12)}…"`);
    const urls = lines().map((l) => l.req?.url).filter(Boolean);
    assert.ok(urls.includes('/mot-de-passe/:token'), 'the reset link is logged by its name');
    assert.ok(urls.includes('/assistance/recherche?q'), 'a search is logged without its words');
    assert.ok(lines().some((l) => l.req?.method === 'POST' && l.req.url === '/login' && l.res?.statusCode === 303));
    assert.ok(!/cookie|set-cookie|authorization/i.test(all), 'no headers at all');
  });
});
