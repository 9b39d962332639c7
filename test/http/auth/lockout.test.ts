import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { adminPost } from '../../helpers/admin.js';
import { buildEstablishment, buildUser } from '../../helpers/factories.js';
import { NO_PASSWORD } from '../../../src/features/auth/password.js';

async function attempt(agent: Agent, token: string, identifiant: string, password: string) {
  const started = process.hrtime.bigint();
  const res = await agent.post('/login').type('form').send({ _csrf: token, identifiant, password });
  return { res, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('login lockout and timing', () => {
  let t: TestApp;
  let estId: number;
  before(async () => {
    t = await startTestApp();
    estId = (await buildEstablishment(t.db)).id;
  });
  after(async () => { await t.close(); });

  it('when 1,000 passwords are tried on one identifiant, should lock it with a clear message until an admin lifts it', async function () {
    this.timeout(120_000);
    const u = await buildUser(t.db, { establishmentId: estId });
    const attacker = request.agent(t.app);
    const token = await csrfOf(attacker, '/login');
    const statuses: number[] = [];
    let lockedText = '';
    for (let i = 0; i < 1000; i++) {
      const { res } = await attempt(attacker, token, u.identifiant.toLowerCase(), `guess-${i}`);
      statuses.push(res.status);
      if (res.status === 429) lockedText = res.text;
    }
    assert.deepEqual(statuses.slice(0, 9), Array(9).fill(401), 'the first nine tries are ordinary failures');
    assert.ok(statuses.slice(9).every((s) => s === 429), 'from the tenth on, every try is refused');
    const text = visibleText(lockedText);
    assert.match(text, /Trop de tentatives de connexion avec cet identifiant : il est verrouillé jusqu'à \d\d:\d\d\./);
    assert.match(text, /demandez à l'administrateur de le déverrouiller/);
    assert.ok(lockedText.includes(`value="${u.identifiant.toLowerCase()}"`), 'the identifiant typed stays in the field');

    // Even the right password, from another browser, waits: the lock is on the identifiant.
    const owner = request.agent(t.app);
    const ownerToken = await csrfOf(owner, '/login');
    assert.equal((await attempt(owner, ownerToken, u.identifiant, 'demo')).res.status, 429);

    // The admin sees it on the list and on the person's page, and lifts it.
    const admin = await loginAs(t.app, 'ADMIN');
    const list = visibleText((await admin.get('/admin/verrouillages')).text);
    assert.ok(list.includes(u.identifiant), 'the locked identifiant is listed');
    assert.match(list, new RegExp(`${u.identifiant} 1001 `), "with its count of tries: the attacker's 1,000 and the owner's one");
    assert.ok(visibleText((await admin.get(`/admin/utilisateurs/${u.id}`)).text).includes('Identifiant verrouillé'));
    const unlock = await adminPost(admin, '/admin/verrouillages/deverrouiller', { identifiant: u.identifiant });
    assert.equal(unlock.status, 303);
    const after = visibleText((await admin.get('/admin/verrouillages')).text);
    assert.ok(after.includes(`L'identifiant ${u.identifiant} est déverrouillé.`));
    assert.ok(after.includes("Aucun identifiant n'est verrouillé."));
    assert.ok(visibleText((await admin.get('/admin/journal')).text).includes('unlock login'), 'the unlock is in the journal of changes');

    const res = await owner.post('/login').type('form').send({ _csrf: ownerToken, identifiant: u.identifiant, password: 'demo' });
    assert.equal(res.status, 303, 'the owner logs in once unlocked');
  });

  it('when the lock period is over, should allow one more try, and lock again if it fails', async () => {
    const u = await buildUser(t.db, { establishmentId: estId });
    const agent = request.agent(t.app);
    const token = await csrfOf(agent, '/login');
    for (let i = 0; i < 10; i++) await attempt(agent, token, u.identifiant, 'wrong');
    assert.equal((await attempt(agent, token, u.identifiant, 'demo')).res.status, 429);
    t.clock.now = new Date(t.clock.now.getTime() + 16 * 60_000);
    assert.equal((await attempt(agent, token, u.identifiant, 'wrong')).res.status, 429, 'a failure right after the lock locks again');
    t.clock.now = new Date(t.clock.now.getTime() + 16 * 60_000);
    assert.equal((await attempt(agent, token, u.identifiant, 'demo')).res.status, 303, 'the right password after the period opens');
    assert.equal(await t.db('login_lockouts').where({ identifiant: u.identifiant }).first(), undefined, 'and wipes the count');
  });

  it('when failures are a day old and nothing is locked, should forget them; a lock in force stays', async () => {
    const now = t.clock.now.getTime();
    const day = 24 * 3600_000;
    await t.db('login_lockouts').insert([
      { identifiant: 'OUBLIE', failures: 3, locked_until: null, last_failure_at: new Date(now - 2 * day).toISOString() },
      { identifiant: 'RECENT', failures: 3, locked_until: null, last_failure_at: new Date(now - 3600_000).toISOString() },
      { identifiant: 'VERROUILLE', failures: 40, locked_until: new Date(now + 600_000).toISOString(), last_failure_at: new Date(now - 2 * day).toISOString() },
    ]);
    assert.equal(await t.services.loginLockout.forgetStale(), 1);
    const left = await t.db('login_lockouts').whereIn('identifiant', ['OUBLIE', 'RECENT', 'VERROUILLE']).pluck('identifiant');
    assert.deepEqual(left.sort(), ['RECENT', 'VERROUILLE']);
  });

  it('when the identifiant does not exist, should lock it the same way (a lockout reveals no account)', async () => {
    const agent = request.agent(t.app);
    const token = await csrfOf(agent, '/login');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await attempt(agent, token, 'PERSONNE', 'wrong')).res.status);
    assert.deepEqual(statuses, [...Array(9).fill(401), 429, 429]);
  });

  it('when the identifiant is unknown, should answer exactly like a wrong password, in the same time', async function () {
    this.timeout(120_000);
    const known: string[] = [];
    for (let i = 0; i < 15; i++) known.push((await buildUser(t.db, { establishmentId: estId })).identifiant);
    const noPassword = (await buildUser(t.db, { establishmentId: estId })).identifiant;
    await t.db('users').where({ identifiant: noPassword }).update({ password_hash: NO_PASSWORD });
    const agent = request.agent(t.app);
    const token = await csrfOf(agent, '/login');
    const wrong: number[] = [];
    const unknown: number[] = [];
    const bodies = new Set<string>();
    // Interleaved, so that any drift of the machine hits both sides alike.
    for (let i = 0; i < 15; i++) {
      const w = await attempt(agent, token, known[i], 'not-the-password');
      const u = await attempt(agent, token, `INCONNU${i}`, 'not-the-password');
      assert.equal(w.res.status, 401);
      assert.equal(u.res.status, 401);
      wrong.push(w.ms);
      unknown.push(u.ms);
      bodies.add(visibleText(w.res.text).replace(known[i], 'X')).add(visibleText(u.res.text).replace(`INCONNU${i}`, 'X'));
    }
    const np = await attempt(agent, token, noPassword, 'anything');
    assert.equal(np.res.status, 401);
    bodies.add(visibleText(np.res.text).replace(noPassword, 'X'));
    assert.equal(bodies.size, 1, 'one and the same page for every failure');
    const [mw, mu] = [median(wrong), median(unknown)];
    // Both verify an Argon2 hash: several milliseconds each, within a quarter of each other.
    assert.ok(mw > 5 && mu > 5, `a hash is verified in both cases (${mw.toFixed(1)} ms, ${mu.toFixed(1)} ms)`);
    assert.ok(mu / mw > 0.75 && mu / mw < 1.33, `unknown ${mu.toFixed(1)} ms vs wrong ${mw.toFixed(1)} ms`);
    assert.ok(np.ms > mw * 0.5, `an account without a password also verifies a hash (${np.ms.toFixed(1)} ms)`);
  });
});
