import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfFrom, csrfOf, loginAs, visibleText } from '../../helpers/agent.js';
import { buildEstablishment, buildUser } from '../../helpers/factories.js';

describe("J'ai perdu mon mot de passe", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  async function ask(identifiant: string) {
    const agent = request.agent(t.app);
    const token = await csrfOf(agent, '/mot-de-passe-perdu');
    return agent.post('/mot-de-passe-perdu').type('form').send({ _csrf: token, identifiant });
  }
  const linkFrom = async (userId: number) => {
    const mail = await t.db('outbox').where({ to_user_id: userId, kind: 'password_reset' }).orderBy('id', 'desc').first();
    return new URL(mail.text_body.match(/https?:\/\/\S+\/mot-de-passe\/\S+/)![0]).pathname;
  };

  it('when the identifiant exists or not, should answer the same, and mail only the real account', async () => {
    const known = await ask('ssegur');
    const unknown = await ask('NOBODY');
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    const clean = (html: string) => visibleText(html.replace(/name="_csrf" value="[^"]+"/g, ''));
    assert.equal(clean(known.text), clean(unknown.text));
    const mails = await t.db('outbox').where({ kind: 'password_reset' });
    assert.equal(mails.length, 1);
    assert.match(mails[0].text_body, /mot-de-passe\/[A-Za-z0-9_-]{43}/);
  });

  it('when the link is used, should change the password once, end every session, and not work twice', async () => {
    const est = await buildEstablishment(t.db);
    const u = await buildUser(t.db, { establishmentId: est.id });
    const otherSession = await loginAs(t.app, u.identifiant);
    assert.equal((await otherSession.get('/portail')).status, 200);
    await ask(u.identifiant);
    const path = await linkFrom(u.id);
    const browser = request.agent(t.app);
    let page = await browser.get(path);
    assert.equal(page.status, 200);
    let res = await browser.post(path).type('form').send({ _csrf: csrfFrom(page.text), password: 'court', confirmation: 'court' });
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('Le mot de passe doit faire au moins 10 caractères.'));
    page = await browser.get(path);
    res = await browser.post(path).type('form').send({ _csrf: csrfFrom(page.text), password: 'Nouveau-mot-2026', confirmation: 'Nouveau-mot-2026' });
    assert.equal(res.status, 303);
    assert.equal((await otherSession.get('/portail')).status, 302, 'the other session is over');
    await loginAs(t.app, u.identifiant, 'Nouveau-mot-2026');
    const again = await browser.get(path);
    assert.equal(again.status, 410);
    assert.ok(visibleText(again.text).includes("Ce lien n'est plus valable"));
  });

  it('when the link is more than an hour old, should refuse it', async () => {
    const est = await buildEstablishment(t.db);
    const u = await buildUser(t.db, { establishmentId: est.id });
    await ask(u.identifiant);
    const path = await linkFrom(u.id);
    t.clock.now = new Date(t.clock.now.getTime() + 61 * 60_000);
    assert.equal((await request(t.app).get(path)).status, 410);
    t.clock.now = new Date();
  });

  it('when asked too often, should slow down with a clear message', async () => {
    let last = 0;
    for (let i = 0; i < 25; i++) last = (await ask(`X${i}`)).status;
    assert.equal(last, 429);
  });
});
