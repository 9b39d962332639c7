import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, type Agent } from '../../helpers/agent.js';
import { consoleAction } from '../../helpers/console.js';
import { buildEstablishment, buildTeam, buildTicket, buildUser, demoUser, routeTo, subcategoryId } from '../../helpers/factories.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';

// A requester can send anything in a POST, not only what the form offers. Whatever she adds or
// changes, the server either refuses the form (4xx, nothing written) or ignores the field: the
// stored row always holds what the server decided.

describe('forged forms: the client never decides what the server decides', () => {
  let t: TestApp;
  let sophie: Agent;
  let school: number, otherSchool: number;
  let sub: number, eple: number;
  let routedTeam: number, otherTeam: number, businessTeam: number;
  let sophieId: number, paulId: number, agentId: number, outsiderId: number, formerColleagueId: number;
  let n = 0;
  const subject = () => `Objet falsifié ${++n}`;
  const stored = (s: string) => t.db('tickets').where({ subject: s }).first();

  before(async () => {
    t = await startTestApp();
    school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    otherSchool = (await buildEstablishment(t.db)).id;
    sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    eple = await subcategoryId(t.db, 'Pronote', "Accès à l'application", 'college');
    routedTeam = await buildTeam(t.db, 'Équipe du routage');
    otherTeam = await buildTeam(t.db, 'Équipe choisie par le client');
    await routeTo(t.db, sub, routedTeam);
    businessTeam = (await t.db('teams').where({ business: true }).first('id')).id;
    sophieId = (await demoUser(t.db, 'SSEGUR')).id;
    paulId = (await demoUser(t.db, 'PMARTIN')).id;
    agentId = (await demoUser(t.db, 'ALEROY')).id;
    outsiderId = (await buildUser(t.db, { establishmentId: otherSchool })).id;
    formerColleagueId = (await buildUser(t.db, { establishmentId: school, active: false })).id;
    sophie = await loginAs(t.app, 'SSEGUR');
  });
  after(async () => { await t.close(); });

  describe('"Valider" on the ticket form', () => {
    // Fields the server fills in itself: sent by the client, they are ignored.
    const ignored: Array<[string, Record<string, string>, (row: Record<string, unknown>) => void]> = [
      ['another requester (requester_id)', { requester_id: '__PAUL__' }, (row) => { assert.equal(row.requester_id, sophieId); assert.equal(row.beneficiary_id, sophieId); }],
      ['another team (team_id)', { team_id: '__OTHER_TEAM__' }, (row) => assert.equal(row.team_id, routedTeam)],
      ['a status (status=resolue)', { status: 'resolue' }, (row) => assert.equal(row.status, 'affectee')],
      ['a status (status=fermee, closed_by)', { status: 'fermee', closed_by: 'requester', closed_at: '2020-01-01T00:00:00Z' }, (row) => {
        assert.equal(row.status, 'affectee');
        assert.equal(row.closed_at, null);
        assert.equal(row.closed_by, null);
      }],
      ['a priority (priority=1, Critique)', { priority: '1' }, (row) => assert.equal(row.priority, 3, 'Une personne × Moyenne gives Normale')],
      ['an agent (agent_id)', { agent_id: '__AGENT__' }, (row) => assert.equal(row.agent_id, null)],
      ['a reference, an id, a version, dates', { ref: 'R-999999', id: '999999', version: '42', created_at: '2000-01-01T00:00:00Z', resolved_at: '2000-01-02T00:00:00Z' }, (row) => {
        assert.notEqual(row.ref, 'R-999999');
        assert.notEqual(row.id, 999999);
        assert.equal(row.version, 1);
        assert.notEqual(String(row.created_at).slice(0, 4), '2000');
        assert.equal(row.resolved_at, null);
      }],
      ['the sub-category names (domain_name, service_name…)', { domain_name: 'Domaine inventé', service_name: 'Service inventé', subcategory_name: 'Sous-catégorie inventée' }, (row) => {
        assert.equal(row.service_name, 'ONDE');
        assert.equal(row.subcategory_name, "Accès à l'application");
        assert.notEqual(row.domain_name, 'Domaine inventé');
      }],
    ];
    for (const [what, extra, check] of ignored) {
      it(`when the requester adds ${what}, should ignore it and store what the server decides`, async () => {
        const s = subject();
        const fields = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v
          .replace('__PAUL__', String(paulId)).replace('__OTHER_TEAM__', String(otherTeam)).replace('__AGENT__', String(agentId))]));
        const res = await postTicket(sophie, { ...ticketForm({ subcategory_id: sub, establishment_id: school, subject: s }), ...fields });
        assert.equal(res.status, 303, 'the form itself is valid');
        const row = await stored(s);
        assert.ok(row, 'the ticket was created');
        check(row);
      });
    }

    // Fields the client does choose, but only among what it is offered: anything else is refused, nothing written.
    const refused: Array<[string, () => Record<string, string>, string]> = [
      ['a beneficiary outside the establishment', () => ({ beneficiary_id: String(outsiderId) }), 'beneficiary_id'],
      ['a deactivated colleague as beneficiary', () => ({ beneficiary_id: String(formerColleagueId) }), 'beneficiary_id'],
      ['a beneficiary who does not exist', () => ({ beneficiary_id: '987654' }), 'beneficiary_id'],
      ['an establishment that is not hers', () => ({ establishment_id: String(otherSchool) }), 'establishment_id'],
      ['a sub-category her school may not see (EPLE)', () => ({ subcategory_id: String(eple) }), '_form'],
      ['a support team as "Equipe métier"', () => ({ business_team_id: String(routedTeam) }), 'business_team_id'],
      ['a visibility that does not exist', () => ({ visibility: 'tous' }), 'visibility'],
      ['an impact that does not exist', () => ({ impact: 'academie' }), 'impact'],
      ['a sub-category id that is not a number', () => ({ subcategory_id: `${sub} OR 1=1` }), '_form'],
      ['the object twice (an array)', () => ({ subject: 'DOUBLE' }), 'subject'],
    ];
    for (const [what, extra, field] of refused) {
      it(`when the requester sends ${what}, should refuse the form and write nothing`, async () => {
        const s = subject();
        const before = Number((await t.db('tickets').count({ n: '*' }))[0].n);
        const form = { ...ticketForm({ subcategory_id: sub, establishment_id: school, subject: s }), ...extra() };
        const token = await csrfOf(sophie, '/assistance');
        const req = sophie.post('/assistance/tickets').field('_csrf', token);
        for (const [k, v] of Object.entries(form)) req.field(k, v);
        if (form.subject === 'DOUBLE') req.field('subject', 'DOUBLE encore');
        const res = await req;
        assert.equal(res.status, 422, what);
        assert.match(res.text, new RegExp(field === '_form' ? 'fr-alert--error' : `id="f-${field}-error"`), `the message is shown for ${field}`);
        assert.equal(Number((await t.db('tickets').count({ n: '*' }))[0].n), before, 'nothing was written');
      });
    }

    it('when the requester names a colleague of her school as beneficiary, should accept it (the control above is not a blanket refusal)', async () => {
      const s = subject();
      const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: s, beneficiary_id: paulId }));
      assert.equal(res.status, 303);
      const row = await stored(s);
      assert.equal(row.requester_id, sophieId);
      assert.equal(row.beneficiary_id, paulId);
    });
  });

  describe('"Mise à jour" and the resolution form', () => {
    it('when the requester adds status, visibility, agent or team fields to an update, should store the message only', async () => {
      const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub });
      const before = await t.db('tickets').where({ ref }).first();
      const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
      const res = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', token).field('message', 'Toujours en panne.')
        .field('status', 'fermee').field('visibility', 'managers').field('agent_id', String(agentId)).field('team_id', String(otherTeam))
        .field('requester_id', String(paulId)).field('version', '1');
      assert.equal(res.status, 303);
      const after = await t.db('tickets').where({ ref }).first();
      for (const col of ['status', 'visibility', 'agent_id', 'team_id', 'requester_id', 'beneficiary_id', 'priority']) assert.equal(after[col], before[col], col);
      const entries = await t.db('journal_entries').where({ ticket_id: after.id }).select('visibility', 'body');
      assert.deepEqual(entries, [{ visibility: 'public', body: 'Toujours en panne.' }]);
    });

    it('when the requester posts "Acceptation" on a ticket that is not resolved, or a rating of 99, should refuse and change nothing', async () => {
      const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub });
      const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
      let res = await sophie.post(`/assistance/tickets/${ref}/resolution`).type('form').send({ _csrf: token, decision: 'accept', rating: '5' });
      assert.equal(res.status, 409);
      await t.db('tickets').where({ ref }).update({ status: 'resolue', resolved_at: new Date().toISOString() });
      res = await sophie.post(`/assistance/tickets/${ref}/resolution`).type('form').send({ _csrf: token, decision: 'accept', rating: '99' });
      assert.equal(res.status, 422);
      const row = await t.db('tickets').where({ ref }).first();
      assert.equal(row.status, 'resolue');
      assert.equal(await t.db('satisfaction').where({ ticket_id: row.id }).first(), undefined);
    });
  });

  describe('the agent console', () => {
    let agent: Agent;
    let teamMateId: number, strangerAgentId: number;
    before(async () => {
      const rectorat = (await t.db('establishments').where({ rne: '0319999Z' }).first()).id;
      const me = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [routedTeam] });
      teamMateId = (await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [routedTeam] })).id;
      strangerAgentId = (await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [otherTeam] })).id;
      agent = await loginAs(t.app, me.identifiant);
    });

    it('when the agent assigns the ticket to an agent outside its team, should refuse and keep it unassigned', async () => {
      const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub });
      const res = await consoleAction(agent, ref, { action: 'assign', assignee_id: strangerAgentId });
      assert.equal(res.status, 422);
      assert.equal((await t.db('tickets').where({ ref }).first()).agent_id, null);
      const ok = await consoleAction(agent, ref, { action: 'assign', assignee_id: teamMateId });
      assert.equal(ok.status, 303, 'a team-mate is fine');
    });

    it('when the agent dispatches to a business team or to its own team, should refuse', async () => {
      const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub });
      for (const teamId of [businessTeam, routedTeam, 987654]) {
        const res = await consoleAction(agent, ref, { action: 'dispatch', team_id: teamId });
        assert.equal(res.status, 422, String(teamId));
      }
      assert.equal((await t.db('tickets').where({ ref }).first()).team_id, routedTeam);
    });

    it('when the agent forges "Résoudre" without being in charge, or adds a status field, should refuse or ignore it', async () => {
      const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub });
      await t.db('tickets').where({ ref }).update({ status: 'assignee', agent_id: teamMateId });
      let res = await consoleAction(agent, ref, { action: 'resolve', solution: 'Fait.' });
      assert.equal(res.status, 403, 'only the agent in charge resolves');
      assert.equal((await t.db('tickets').where({ ref }).first()).status, 'assignee');
      res = await consoleAction(agent, ref, { action: 'save', status: 'fermee', priority: '1', requester_id: paulId, visibility: 'managers' });
      assert.equal(res.status, 303);
      const row = await t.db('tickets').where({ ref }).first();
      assert.equal(row.status, 'assignee');
      assert.equal(row.agent_id, teamMateId);
      assert.equal(row.priority, 3);
      assert.equal(row.requester_id, sophieId);
      assert.equal(row.visibility, 'self');
    });

    it('when the agent posts with an old version, should refuse with 409 and change nothing', async () => {
      const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub });
      assert.equal((await consoleAction(agent, ref, { action: 'take' })).status, 303);
      const res = await consoleAction(agent, ref, { action: 'save', private_entry: 'trop tard' }, { version: 1 });
      assert.equal(res.status, 409);
      assert.equal(await t.db('journal_entries').where({ body: 'trop tard' }).first(), undefined);
    });
  });
});
