import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfFrom, csrfOf, loginAs, visibleText } from '../../helpers/agent.js';
import { buildEstablishment, buildUser } from '../../helpers/factories.js';

describe('login (ARENA)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it('when opening the login page, should show the tutorial labels', async () => {
    const res = await request(t.app).get('/login');
    assert.equal(res.status, 200);
    const text = visibleText(res.text);
    for (const label of ['Identifiant', 'Mot de passe', "J'ai perdu mon mot de passe"]) assert.ok(text.includes(label), label);
    assert.match(res.text, /<label class="fr-label" for="f-identifiant">/);
  });

  it('when the password is right, should land on the portal, whatever the identifiant case', async () => {
    const agent = await loginAs(t.app, 'ssegur');
    const res = await agent.get('/portail');
    assert.equal(res.status, 200);
    assert.ok(visibleText(res.text).includes('Bienvenue Sophie Ségur'));
  });

  it('when the password is wrong or the identifiant unknown, should say the same thing', async () => {
    const agent = request.agent(t.app);
    const token = await csrfOf(agent, '/login');
    const wrong = await agent.post('/login').type('form').send({ _csrf: token, identifiant: 'SSEGUR', password: 'nope' });
    const unknown = await agent.post('/login').type('form').send({ _csrf: token, identifiant: 'NOBODY', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.ok(visibleText(wrong.text).includes('Identifiant ou mot de passe incorrect.'));
    assert.ok(visibleText(unknown.text).includes('Identifiant ou mot de passe incorrect.'));
    assert.ok(wrong.text.includes('value="SSEGUR"'), 'the identifiant typed is kept');
  });

  it('when logging in, should get a session cookie, HttpOnly and SameSite=Lax, that opens the pages', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    assert.doesNotMatch(String(page.headers['set-cookie']), /guichet\.sid=/, 'no session before login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), identifiant: 'SSEGUR', password: 'demo' });
    const sid = String(res.headers['set-cookie']).match(/guichet\.sid=([^;]+)/)?.[1];
    assert.ok(sid);
    assert.match(String(res.headers['set-cookie']), /HttpOnly/);
    assert.match(String(res.headers['set-cookie']), /SameSite=Lax/);
    assert.equal((await request(t.app).get('/assistance').set('Cookie', `guichet.sid=${sid}`)).status, 200);
  });

  it('when logging out, should end the session', async () => {
    const agent = await loginAs(t.app, 'PMARTIN');
    const token = await csrfOf(agent, '/portail');
    const out = await agent.post('/logout').type('form').send({ _csrf: token });
    assert.equal(out.status, 303);
    const res = await agent.get('/portail');
    assert.equal(res.status, 302);
    assert.match(res.headers.location, /^\/login/);
  });

  it('when a form has no CSRF token, should refuse it with 403 and change nothing', async () => {
    const agent = await loginAs(t.app, 'PMARTIN');
    const res = await agent.post('/logout').type('form').send({});
    assert.equal(res.status, 403);
    assert.ok(visibleText(res.text).includes('Le formulaire a expiré'));
    assert.equal((await agent.get('/portail')).status, 200, 'still logged in');
  });

  it('when a user is deactivated, should refuse the login', async () => {
    const est = await buildEstablishment(t.db);
    const u = await buildUser(t.db, { establishmentId: est.id, active: false });
    const agent = request.agent(t.app);
    const token = await csrfOf(agent, '/login');
    const res = await agent.post('/login').type('form').send({ _csrf: token, identifiant: u.identifiant, password: 'demo' });
    assert.equal(res.status, 401);
  });

  it('when a page needs login, should come back to it after login', async () => {
    const agent = request.agent(t.app);
    const res = await agent.get('/assistance/tickets/en-cours');
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/login?next=%2Fassistance%2Ftickets%2Fen-cours');
    const page = await agent.get(res.headers.location);
    const login = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), identifiant: 'SSEGUR', password: 'demo', next: '/assistance/tickets/en-cours' });
    assert.equal(login.headers.location, '/assistance/tickets/en-cours');
  });

  it('when next points to another site, should ignore it', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const login = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), identifiant: 'SSEGUR', password: 'demo', next: '//evil.example/' });
    assert.equal(login.headers.location, '/portail');
  });

  it('when the password is lost, should explain what to do', async () => {
    const res = await request(t.app).get('/mot-de-passe-perdu');
    assert.equal(res.status, 200);
    assert.ok(visibleText(res.text).includes('0820 36 36 36'));
  });

  it('should send security headers with a CSP that allows no inline script', async () => {
    const res = await request(t.app).get('/login');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(res.text, /<script(?![^>]*src=)[^>]*>/, 'no inline script in the page');
  });
});
