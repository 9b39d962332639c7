import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, visibleText } from '../../helpers/agent.js';
import { subcategoryId } from '../../helpers/factories.js';
import { queriesDuring } from '../../helpers/queries.js';

/** Every statement the app sent to either database instance while `fn` ran. */
const statementsDuring = async (t: TestApp, fn: () => Promise<unknown>) => (await queriesDuring([t.db, t.readDb], fn)).queries.map((q) => q.sql);

describe('the signed-in user: read with the session, in one statement, always current', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it('when a signed-in page is served, should read the session and its user in one statement', async () => {
    const sophie = await loginAs(t.app, 'SSEGUR');
    const sql = (await statementsDuring(t, async () => assert.equal((await sophie.get('/portail')).status, 200))).filter((s) => /^\s*select/i.test(s));
    const sessionReads = sql.filter((s) => /\bsessions\b/.test(s));
    assert.equal(sessionReads.length, 1, `one read of the session: ${sessionReads.join('\n')}`);
    assert.match(sessionReads[0], /\busers\b/, 'the user comes in the same statement');
    assert.deepEqual(sql.filter((s) => /\bfrom\s+`?users`?\s/i.test(s) && !/\bsessions\b/.test(s)), [], 'no second read of the user');
    assert.ok(visibleText((await sophie.get('/portail')).text).includes('Bienvenue Sophie Ségur'), 'the page shows who is signed in');
  });

  it('when a role is taken away, should apply on the very next page; when the account is deactivated, should sign it out', async () => {
    const antoine = await loginAs(t.app, 'ALEROY');
    assert.equal((await antoine.get('/agent/tickets/en-cours')).status, 200);
    const id = (await t.db('users').where({ identifiant: 'ALEROY' }).first('id')).id as number;

    await t.db('user_roles').where({ user_id: id, role: 'agent' }).delete();
    assert.equal((await antoine.get('/agent/tickets/en-cours')).status, 404, 'no longer an agent: the agent portal is not there for him');
    await t.db('user_roles').insert({ user_id: id, role: 'agent' });
    assert.equal((await antoine.get('/agent/tickets/en-cours')).status, 200, 'an agent again');

    await t.db('users').where({ id }).update({ active: false });
    const res = await antoine.get('/assistance');
    assert.equal(res.status, 302, 'sent to the login page');
    assert.match(String(res.headers.location), /^\/login/);
  });

  it("when the user's establishment is renamed, should show the new name on the next page", async () => {
    const sophie = await loginAs(t.app, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    const form = `/assistance/tickets/nouveau?sous_categorie=${sub}&type=incident`;
    const school = await t.db('establishments').where({ rne: '0310001A' }).first('id', 'name');
    assert.ok(visibleText((await sophie.get(form)).text).includes(`${school.name} (0310001A)`), `the form offers ${school.name}`);
    await t.db('establishments').where({ id: school.id }).update({ name: 'École Jules-Ferry renommée' });
    assert.ok(visibleText((await sophie.get(form)).text).includes('École Jules-Ferry renommée (0310001A)'));
  });
});
