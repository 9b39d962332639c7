import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfFrom, csrfOf, loginAs, type Agent } from '../../helpers/agent.js';
import { buildTicket, buildUser, demoUser, subcategoryId } from '../../helpers/factories.js';
import { PNG_1PX } from '../../helpers/files.js';
import { anonymousClient, inlineScripts, tagsWithHandlers, tokenOf } from '../../helpers/security-clients.js';
import { fillPath, stateChangingRoutes, type RouteInfo } from '../../helpers/security-routes.js';

// Sessions, CSRF and the headers a browser enforces, checked on the real app.

/** A cookie's value and attributes, from a response that sets it. */
function cookieNamed(res: request.Response, name: string): { value: string; attrs: string[] } | null {
  const raw = [res.headers['set-cookie'] ?? []].flat().find((c: string) => c.startsWith(`${name}=`));
  if (!raw) return null;
  const [pair, ...attrs] = raw.split(/;\s*/);
  return { value: pair.slice(name.length + 1), attrs: attrs.map((a) => a.toLowerCase()) };
}

const sessionCookie = (res: request.Response) => cookieNamed(res, 'guichet.sid');

/** The session cookie set when SSEGUR signs in with the form of a login page, "over https" as the proxy says. */
async function signedInCookie(app: TestApp, page: request.Response) {
  const csrfCookie = [page.headers['set-cookie'] ?? []].flat().map((c: string) => c.split(';')[0]).join('; ');
  const res = await request(app.app).post('/login').set('X-Forwarded-Proto', 'https').set('Cookie', csrfCookie)
    .type('form').send({ _csrf: csrfFrom(page.text), identifiant: 'SSEGUR', password: 'demo' });
  assert.equal(res.status, 303);
  return sessionCookie(res);
}

function csp(res: request.Response): Map<string, string[]> {
  const header = String(res.headers['content-security-policy'] ?? '');
  return new Map(header.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name.toLowerCase(), values];
  }));
}

/** Counts that any accepted state change would move. */
async function fingerprint(t: TestApp): Promise<string> {
  const tables = ['tickets', 'journal_entries', 'ticket_history', 'attachments', 'outbox', 'admin_audit', 'knowledge_articles', 'teams', 'team_members',
    'users', 'establishments', 'portal_sections', 'portal_tools', 'cat_domains', 'cat_services', 'notification_opt_outs', 'satisfaction', 'password_resets', 'import_batches'];
  const counts = await Promise.all(tables.map(async (name) => `${name}=${(await t.db(name).count({ n: '*' }))[0].n}`));
  const versions = (await t.db('tickets').sum({ v: 'version' }))[0].v;
  const settings = JSON.stringify(await t.db('settings').select().orderBy('key'));
  return [...counts, `versions=${versions}`, settings].join(' ');
}

describe('sessions and headers', () => {
  let t: TestApp;
  let ref: string;

  before(async () => {
    t = await startTestApp();
    const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    ref = await buildTicket(t.services, (await demoUser(t.db, 'SSEGUR')).id, { subcategory_id: sub });
  });
  after(async () => { await t.close(); });

  describe('CSRF on every state-changing route', () => {
    let routes: RouteInfo[];
    let everyRole: Agent;
    let urlOf: (r: RouteInfo) => string;

    before(async () => {
      routes = stateChangingRoutes(t.app);
      const rectorat = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
      const team = (await t.db('teams').first('id')).id;
      // Someone every route would let through: the refusal can only come from the missing token.
      const u = await buildUser(t.db, { establishmentId: rectorat, roles: ['responsable', 'agent', 'admin'], teamIds: [team] });
      everyRole = await loginAs(t.app, u.identifiant);
      const params = { ref, level: 'service', id: 1, userId: u.id, sectionId: 1, kind: 'catalogue', token: 'lien' };
      urlOf = (r) => fillPath(r.path, params);
    });

    it('when the router stack is read, should find the state-changing routes, all of them POST', () => {
      assert.ok(routes.length >= 30, `${routes.length} routes`);
      assert.deepEqual([...new Set(routes.map((r) => r.method))], ['POST']);
    });

    it('when a signed-in user with every role posts without a token, should get 403 on each route and change nothing', async () => {
      const before = await fingerprint(t);
      for (const r of routes) {
        const res = await everyRole.post(urlOf(r)).type('form').send({ name: 'x', message: 'sans jeton', identifiant: 'SSEGUR' });
        assert.equal(res.status, 403, `${r.key} → ${res.status}`);
        assert.match(res.text, /Le formulaire a expiré/);
      }
      assert.equal(await fingerprint(t), before);
      assert.equal((await everyRole.get('/assistance/plus')).status, 200, 'POST /logout without a token did not end the session');
    });

    it('when the token is wrong, another session\'s, in the query string, or the form is multipart without one, should still get 403', async () => {
      const before = await fingerprint(t);
      const other = await loginAs(t.app, 'SSEGUR');
      const stolen = await tokenOf(other);
      const own = await tokenOf(everyRole);
      for (const r of routes) {
        const url = urlOf(r);
        for (const [label, req] of [
          ['wrong token', () => everyRole.post(url).type('form').send({ _csrf: 'x'.repeat(256) })],
          ['another session\'s token', () => everyRole.post(url).type('form').send({ _csrf: stolen })],
          ['another session\'s token as header', () => everyRole.post(url).set('X-CSRF-Token', stolen).type('form').send({})],
          ['token in the query string', () => everyRole.post(`${url}?_csrf=${own}`).type('form').send({})],
          ['token twice (an array)', () => everyRole.post(url).type('form').send(`_csrf=${own}&_csrf=${own}`)],
          ['multipart without a token', () => everyRole.post(url).field('message', 'x').attach('attachments', PNG_1PX, 'capture.png')],
        ] as const) {
          const res = await req();
          assert.equal(res.status, 403, `${r.key}, ${label} → ${res.status}`);
        }
      }
      assert.equal(await fingerprint(t), before);
      const tmp = path.join(t.config.dataDir, 'tmp');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(fs.readdirSync(tmp), [], 'the refused uploads were deleted');
    });

    it('when an anonymous visitor with a session, or with no cookie at all, posts without a token, should get 403 on each route', async () => {
      const visitor = await anonymousClient(t.app);
      for (const r of routes) {
        const withSession = await visitor.post(urlOf(r)).type('form').send({ identifiant: 'SSEGUR', password: 'demo' });
        assert.equal(withSession.status, 403, `${r.key} (session) → ${withSession.status}`);
        const bare = await request(t.app).post(urlOf(r)).type('form').send({ identifiant: 'SSEGUR', password: 'demo' });
        assert.equal(bare.status, 403, `${r.key} (no cookie) → ${bare.status}`);
      }
      assert.equal((await visitor.get('/portail')).status, 302, 'POST /login without a token signed nobody in');
    });

    it('when the token is sent right (field or X-CSRF-Token header), should pass the check (the refusals above are the token\'s doing)', async () => {
      const token = await tokenOf(everyRole);
      let res = await everyRole.post('/assistance/plus/notifications').type('form').send({ _csrf: token });
      assert.equal(res.status, 303);
      res = await everyRole.post('/assistance/plus/notifications').set('X-CSRF-Token', token).type('form').send({});
      assert.equal(res.status, 303);
    });
  });

  describe('cookies', () => {
    it('when a visitor opens the login page, should get an HttpOnly, SameSite=Lax CSRF cookie and no session; at login an 8-hour session cookie', async () => {
      const agent = request.agent(t.app);
      const page = await agent.get('/login');
      assert.equal(sessionCookie(page), null, 'no session before login');
      const token = cookieNamed(page, 'guichet.csrf');
      assert.ok(token, 'the CSRF token travels in a cookie');
      assert.ok(token.attrs.includes('httponly') && token.attrs.includes('samesite=lax') && token.attrs.includes('path=/'));
      assert.ok(!token.attrs.includes('secure'), 'plain http without a trusted proxy: not Secure, or the browser would drop it');
      const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), identifiant: 'SSEGUR', password: 'demo' });
      assert.equal(res.status, 303);
      const session = sessionCookie(res);
      assert.ok(session);
      assert.ok(session.attrs.includes('httponly') && session.attrs.includes('samesite=lax'));
      assert.ok(!session.attrs.includes('secure'));
      const expires = session.attrs.find((a) => a.startsWith('expires='));
      assert.ok(expires);
      const hours = (Date.parse(expires.slice('expires='.length)) - Date.now()) / 3600_000;
      assert.ok(hours > 7.9 && hours <= 8.01, `8 hours, got ${hours.toFixed(2)}`);
    });

    it('when someone signs in over a session that already exists, should get a new session id; the old one opens nothing', async () => {
      const agent = request.agent(t.app);
      const token = csrfFrom((await agent.get('/login')).text);
      const first = await agent.post('/login').type('form').send({ _csrf: token, identifiant: 'PMARTIN', password: 'demo' });
      const before = sessionCookie(first);
      assert.ok(before);
      const more = await agent.get('/assistance/plus');
      const again = await agent.post('/login').type('form').send({ _csrf: csrfFrom(more.text), identifiant: 'SSEGUR', password: 'demo' });
      assert.equal(again.status, 303);
      const after = sessionCookie(again);
      assert.ok(after);
      assert.notEqual(after.value, before.value, 'a new session id at login (no fixation)');
      assert.equal((await request(t.app).get('/assistance').set('Cookie', `guichet.sid=${after.value}`)).status, 200, 'the new id opens the session');
      const fixated = await request(t.app).get('/assistance').set('Cookie', `guichet.sid=${before.value}`);
      assert.equal(fixated.status, 302, 'the id held before no longer opens anything');
    });

    it('when 1,000 visitors open the login page, should add no session row; a login posted without the form\'s token is still refused', async () => {
      const rows = async () => Number((await t.db('sessions').count({ n: '*' }).first())?.n);
      const before = await rows();
      for (let i = 0; i < 1000; i += 50) {
        const pages = await Promise.all(Array.from({ length: 50 }, () => request(t.app).get('/login')));
        for (const p of pages) assert.equal(p.status, 200);
      }
      assert.equal(await rows(), before, 'anonymous visits store nothing');
      // A forged form: another site can make the browser post, but cannot read the token.
      const victim = request.agent(t.app);
      await victim.get('/login');
      const forged = await victim.post('/login').type('form').send({ identifiant: 'SSEGUR', password: 'demo' });
      assert.equal(forged.status, 403);
      const borrowed = csrfFrom((await request(t.app).get('/login')).text);
      const mismatched = await victim.post('/login').type('form').send({ _csrf: borrowed, identifiant: 'SSEGUR', password: 'demo' });
      assert.equal(mismatched.status, 403, "a token from another visitor's cookie does not match this one");
      assert.equal(await rows(), before, 'the refused logins opened no session');
    });

    it('when the user logs out, should end the session on the server: replaying the old cookie opens nothing', async () => {
      const agent = request.agent(t.app);
      const token = csrfFrom((await agent.get('/login')).text);
      const login = await agent.post('/login').type('form').send({ _csrf: token, identifiant: 'SSEGUR', password: 'demo' });
      assert.equal(login.status, 303);
      const cookie = `guichet.sid=${sessionCookie(login)!.value}`;
      assert.equal((await request(t.app).get('/assistance/plus').set('Cookie', cookie)).status, 200, 'the cookie opens the session');
      const page = await agent.get('/assistance/plus');
      const res = await agent.post('/logout').type('form').send({ _csrf: csrfFrom(page.text) });
      assert.equal(res.status, 303);
      const replay = await request(t.app).get('/assistance/plus').set('Cookie', cookie);
      assert.equal(replay.status, 302);
      assert.match(replay.headers.location, /^\/login/);
    });

    it('when a signed-in user is deactivated, should lose access at the next request', async () => {
      const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
      const u = await buildUser(t.db, { establishmentId: school, roles: ['admin'] });
      const agent = await loginAs(t.app, u.identifiant);
      assert.equal((await agent.get('/admin')).status, 200);
      await t.db('users').where({ id: u.id }).update({ active: false });
      const res = await agent.get('/admin');
      assert.equal(res.status, 302);
      assert.match(res.headers.location, /^\/login/);
    });

    it('when TRUST_PROXY is "loopback" and the proxy says https, should mark the session cookie Secure and send HSTS', async () => {
      const behind = await startTestApp({ trustProxy: 'loopback' });
      try {
        const res = await request(behind.app).get('/login').set('X-Forwarded-Proto', 'https');
        const token = cookieNamed(res, '__Host-guichet.csrf');
        assert.ok(token && token.attrs.includes('secure') && token.attrs.includes('httponly') && token.attrs.includes('samesite=lax'), JSON.stringify(token));
        const c = await signedInCookie(behind, res);
        assert.ok(c && c.attrs.includes('secure') && c.attrs.includes('httponly') && c.attrs.includes('samesite=lax'), JSON.stringify(c));
        assert.match(String(res.headers['strict-transport-security']), /max-age=\d{7,}/);
        assert.ok(csp(res).has('upgrade-insecure-requests'));
      } finally {
        await behind.close();
      }
    });

    it('when TRUST_PROXY is "1" (the README\'s example) and the proxy says https, should mark the session cookie Secure', async () => {
      const behind = await startTestApp({ trustProxy: '1' });
      try {
        const res = await request(behind.app).get('/login').set('X-Forwarded-Proto', 'https');
        assert.ok(cookieNamed(res, '__Host-guichet.csrf')?.attrs.includes('secure'));
        const c = await signedInCookie(behind, res);
        assert.ok(c && c.attrs.includes('secure'), JSON.stringify(c));
      } finally {
        await behind.close();
      }
    });

    it('when no proxy is trusted, should not believe a client that claims https', async () => {
      const res = await request(t.app).get('/login').set('X-Forwarded-Proto', 'https');
      assert.equal(cookieNamed(res, '__Host-guichet.csrf'), null);
      assert.ok(!cookieNamed(res, 'guichet.csrf')!.attrs.includes('secure'));
      assert.ok(!(await signedInCookie(t, res))!.attrs.includes('secure'));
      assert.equal(res.headers['strict-transport-security'], undefined);
    });
  });

  describe('headers', () => {
    let sophie: Agent, antoine: Agent, admin: Agent;
    let fileId: number;
    let formUrl: string;
    before(async () => {
      sophie = await loginAs(t.app, 'SSEGUR');
      antoine = await loginAs(t.app, 'ALEROY');
      admin = await loginAs(t.app, 'ADMIN');
      const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
      const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
      const token = await csrfOf(sophie, '/assistance');
      const res = await sophie.post('/assistance/tickets').field('_csrf', token).field('subcategory_id', String(sub)).field('kind', 'incident')
        .field('establishment_id', String(school)).field('visibility', 'self').field('subject', 'En-têtes').field('detail', 'Détail')
        .field('impact', 'personne').field('urgency', 'moyenne').attach('attachments', PNG_1PX, 'capture.png');
      assert.equal(res.status, 303);
      fileId = (await t.db('attachments').orderBy('id', 'desc').first('id')).id;
      formUrl = `/assistance/tickets/nouveau?sous_categorie=${sub}&type=incident`;
    });

    const pages = (): Array<[string, Agent | null, string]> => [
      ['login', null, '/login'], ['lost password', null, '/mot-de-passe-perdu'], ['404', null, '/nulle-part'], ['portal', sophie, '/portail'],
      ['home', sophie, '/assistance'], ['ticket form', sophie, formUrl], ['dashboard', sophie, '/assistance/tickets/en-cours'], ['ticket', sophie, `/assistance/tickets/${ref}`],
      ['agent list', antoine, '/agent/tickets/en-cours'], ['console', antoine, `/agent/tickets/${ref}`], ['admin', admin, '/admin'],
      ['admin users', admin, '/admin/utilisateurs'], ['static file', null, '/static/css/guichet.css'],
    ];

    it('when any page is served, should carry a CSP without unsafe-inline, frame-ancestors none, nosniff, a Referrer-Policy, and no X-Powered-By', async () => {
      for (const [label, agent, url] of pages()) {
        const res = agent ? await agent.get(url) : await request(t.app).get(url);
        const policy = csp(res);
        assert.ok(policy.size > 0, `${label}: a CSP`);
        const all = [...policy.values()].flat();
        assert.ok(!all.includes("'unsafe-inline'"), `${label}: no 'unsafe-inline'`);
        assert.ok(!all.includes("'unsafe-eval'"), `${label}: no 'unsafe-eval'`);
        assert.ok(!all.includes('*'), `${label}: no wildcard source`);
        assert.deepEqual(policy.get('frame-ancestors'), ["'none'"], `${label}: frame-ancestors 'none'`);
        assert.deepEqual(policy.get('script-src'), ["'self'"], label);
        assert.deepEqual(policy.get('object-src'), ["'none'"], label);
        assert.deepEqual(policy.get('base-uri'), ["'self'"], label);
        assert.deepEqual(policy.get('form-action'), ["'self'"], label);
        assert.equal(res.headers['x-content-type-options'], 'nosniff', label);
        assert.ok(res.headers['referrer-policy'], `${label}: a Referrer-Policy`);
        assert.notEqual(res.headers['referrer-policy'], 'unsafe-url', label);
        assert.equal(res.headers['x-powered-by'], undefined, label);
      }
    });

    it('when a page is served, should need nothing the CSP blocks: no inline script, no event-handler attribute, no style attribute', async () => {
      for (const [label, agent, url] of pages()) {
        if (label === 'static file') continue;
        const res = agent ? await agent.get(url) : await request(t.app).get(url);
        assert.deepEqual(inlineScripts(res.text), [], label);
        assert.deepEqual(tagsWithHandlers(res.text), [], label);
        assert.ok(!/<[a-z][^>]*\sstyle\s*=/i.test(res.text), `${label}: a style attribute`);
      }
    });

    it('when an attachment is downloaded, should be an attachment, sandboxed, not cached, not sniffed', async () => {
      const res = await sophie.get(`/pieces-jointes/${fileId}`);
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-disposition']), /^attachment;/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'; sandbox/);
      assert.match(String(res.headers['cache-control']), /no-store/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    });

    it('when a signed-in user gets a page with personal data, should tell the browser not to store it', async () => {
      for (const [label, agent, url] of pages()) {
        if (!agent) continue;
        const res = await agent.get(url);
        assert.match(String(res.headers['cache-control']), /no-store/, label);
      }
    });
  });

  describe('where the login sends you back', () => {
    for (const next of ['//evil.example', '/\\evil.example', '/%5Cevil.example', 'https://evil.example', '\\\\evil.example', '/\t/evil.example', ' //evil.example', 'javascript:alert(1)']) {
      it(`when next is ${JSON.stringify(next)}, should stay on this site`, async () => {
        const agent = request.agent(t.app);
        const page = await agent.get(`/login?next=${encodeURIComponent(next)}`);
        const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), identifiant: 'SSEGUR', password: 'demo', next });
        assert.equal(res.status, 303);
        const target = new URL(res.headers.location, 'http://guichet.test');
        assert.equal(target.host, 'guichet.test', `${next} → ${res.headers.location}`);
        assert.equal(target.protocol, 'http:');
      });
    }
  });
});
