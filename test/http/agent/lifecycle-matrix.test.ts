import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, type Agent } from '../../helpers/agent.js';
import { buildTeam, buildTicket, buildUser, demoUser, routeTo, subcategoryId } from '../../helpers/factories.js';
import { A, EXPECTED, R, T } from '../../helpers/lifecycle-expected.js';
import { STATUSES } from '../../../src/features/tickets/vocabulary.js';
import type { Action } from '../../../src/features/tickets/lifecycle.js';

const AGENT_ACTIONS: Action[] = ['take', 'assign', 'dispatch', 'save', 'hold', 'request_info', 'resolve'];

describe('lifecycle over HTTP: every (status, action, role)', function () {
  this.timeout(120_000);
  let t: TestApp;
  let sub: number, teamB: number;
  let inCharge: Agent, teamMate: Agent, outsider: Agent, requester: Agent, colleague: Agent;
  let inChargeId: number, teamMateId: number, requesterId: number;
  const tokens = new Map<Agent, string>();

  before(async () => {
    t = await startTestApp();
    const teamA = await buildTeam(t.db);
    teamB = await buildTeam(t.db);
    sub = await subcategoryId(t.db, 'ONDE', "Aide à l'usage, conseil et paramétrage");
    await routeTo(t.db, sub, teamA);
    const rectorat = (await t.db('establishments').where({ rne: '0319999Z' }).first()).id;
    const u1 = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [teamA] });
    const u2 = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [teamA] });
    const u3 = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [teamB] });
    inChargeId = u1.id;
    teamMateId = u2.id;
    requesterId = (await demoUser(t.db, 'SSEGUR')).id;
    inCharge = await loginAs(t.app, u1.identifiant);
    teamMate = await loginAs(t.app, u2.identifiant);
    outsider = await loginAs(t.app, u3.identifiant);
    requester = await loginAs(t.app, 'SSEGUR');
    colleague = await loginAs(t.app, 'PMARTIN');
    for (const a of [inCharge, teamMate, outsider]) tokens.set(a, await csrfOf(a, '/agent/tickets/en-cours'));
    for (const a of [requester, colleague]) tokens.set(a, await csrfOf(a, '/assistance'));
  });
  after(async () => { await t.close(); });

  async function ticketIn(status: string) {
    const ref = await buildTicket(t.services, requesterId, { subcategory_id: sub });
    await t.db('tickets').where({ ref }).update({ status, agent_id: inChargeId });
    return ref;
  }

  for (const status of STATUSES) {
    for (const action of AGENT_ACTIONS) {
      it(`when ${action} is pressed on a ticket "${status}", should obey the table for the agent in charge, a team-mate and an outsider`, async () => {
        for (const [who, role] of [[inCharge, A], [teamMate, T], [outsider, 'outsider']] as const) {
          const ref = await ticketIn(status);
          const res = await who
            .post(`/agent/tickets/${ref}`)
            .field('_csrf', tokens.get(who)!)
            .field('version', '1')
            .field('action', action)
            .field('public_entry', 'Une question ?')
            .field('solution', 'La solution.')
            .field('assignee_id', String(who === teamMate ? inChargeId : teamMateId))
            .field('team_id', String(teamB));
          const row = await t.db('tickets').where({ ref }).first();
          const expected = role === 'outsider' ? undefined : EXPECTED[action][`${status}:${role}`];
          if (role === 'outsider') {
            assert.equal(res.status, 404, `${action} ${status} by an outsider`);
          } else if (expected) {
            assert.equal(res.status, 303, `${action} ${status} by ${role}: ${res.status}`);
            assert.equal(row.status, expected === '=' ? status : expected, `${action} ${status} by ${role}`);
          } else {
            assert.ok([403, 409].includes(res.status), `${action} ${status} by ${role} refused, got ${res.status}`);
          }
          if (!expected) {
            assert.equal(row.status, status, 'a refusal changes nothing');
            assert.equal(row.version, 1);
          }
        }
      });
    }

    it(`when the requester or a colleague updates a ticket "${status}", should obey the table`, async () => {
      for (const [who, role] of [[requester, R], [colleague, 'colleague']] as const) {
        const ref = await ticketIn(status);
        const res = await who.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', tokens.get(who)!).field('message', 'Bonjour');
        const row = await t.db('tickets').where({ ref }).first();
        const expected = role === R ? (EXPECTED.answer[`${status}:${R}`] ?? EXPECTED.update[`${status}:${R}`]) : undefined;
        if (role === 'colleague') assert.equal(res.status, 404);
        else if (expected) {
          assert.equal(res.status, 303, `update ${status}`);
          assert.equal(row.status, expected === '=' ? status : expected);
        } else {
          assert.equal(res.status, 409, `update ${status} refused`);
          assert.equal(row.status, status);
        }
      }
    });
  }

  // Last: every transition above ran through the triggers that keep the queue counts.
  it('after every transition, should keep the queue counts equal to a recount, and show them as the tabs\' counts', async () => {
    const kept: Array<{ queue_team_id: number; agent_key: number; status: string; n: number }> = await t.db('ticket_queue_counts').where('n', '<>', 0).orderBy(['queue_team_id', 'agent_key', 'status']);
    const recount = await t.db('tickets')
      .select(t.db.raw('coalesce(team_id, 0) AS queue_team_id'), t.db.raw('coalesce(agent_id, 0) AS agent_key'), 'status', t.db.raw('count(*) AS n'))
      .groupByRaw('1, 2, 3')
      .orderByRaw('1, 2, 3');
    assert.ok(kept.length > 3, 'the matrix moved tickets between queues, agents and statuses');
    assert.deepEqual(kept, recount);
    const badges = async (agent: Agent, url: string) =>
      [...(await agent.get(url)).text.matchAll(/guichet-tabs__tab"[^>]*>[^<]*<span[^>]*>(\d+)<\/span>/g)].map((m) => Number(m[1]));
    const inProgress = ['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente', 'a_completer'];
    const teamA = (await t.db('team_members').where({ user_id: inChargeId }).first('team_id')).team_id;
    const count = async (q: (qb: ReturnType<typeof t.db>) => unknown) => {
      const qb = t.db('tickets');
      q(qb);
      return Number((await qb.count({ n: '*' }).first())!.n);
    };
    const expected = [
      await count((qb) => qb.where('agent_id', inChargeId).whereIn('status', inProgress)),
      await count((qb) => qb.where('team_id', teamA).whereNull('agent_id').whereIn('status', inProgress)),
      await count((qb) => qb.where('team_id', teamA).whereNotNull('agent_id').whereNot('agent_id', inChargeId).whereIn('status', inProgress)),
    ];
    assert.deepEqual(await badges(inCharge, '/agent/tickets/en-cours'), expected, 'Mes tickets, À prendre, Équipe');
    const done = [
      await count((qb) => qb.where('agent_id', inChargeId).whereIn('status', ['resolue', 'fermee'])),
      await count((qb) => qb.where('team_id', teamA).whereIn('status', ['resolue', 'fermee'])),
    ];
    assert.deepEqual(await badges(inCharge, '/agent/tickets/resolus'), done, 'Résolus par moi, Équipe');
  });
});
