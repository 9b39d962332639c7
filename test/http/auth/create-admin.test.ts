import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf } from '../../helpers/agent.js';

describe('create-admin', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it('when an operator creates an administrator, should let them log in with the printed password', async () => {
    const { created, password } = await t.services.accounts.createAdmin({ identifiant: 'cbernard', firstName: 'Camille', lastName: 'Bernard', email: 'c@ac.fr' });
    assert.equal(created, true);
    assert.ok(password && password.length >= 12);
    const agent = request.agent(t.app);
    const token = await csrfOf(agent, '/login');
    const res = await agent.post('/login').type('form').send({ _csrf: token, identifiant: 'CBERNARD', password });
    assert.equal(res.status, 303);
    const roles = await t.db('user_roles').join('users', 'users.id', 'user_roles.user_id').where('users.identifiant', 'CBERNARD').pluck('role');
    assert.deepEqual(roles, ['admin']);
  });

  it('when the identifiant has spaces, should refuse it', async () => {
    await assert.rejects(t.services.accounts.createAdmin({ identifiant: 'a b', firstName: 'A', lastName: 'B', email: '' }), /identifiant/);
  });
});
