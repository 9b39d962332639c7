import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { consoleAction } from '../../helpers/console.js';
import { buildEstablishment, buildTeam, buildTicket, buildUser, demoUser, routeTo, subcategoryId } from '../../helpers/factories.js';

const refsOf = (html: string) => [...html.matchAll(/>(R-\d{6,})<\/a>/g)].map((m) => m[1]).sort();

describe('agent portal: seed 002', () => {
  let t: TestApp;
  let sub: number, sub2: number;
  let teamA: number, teamB: number;
  let a1: Agent, a2: Agent, a3: Agent, sophie: Agent;
  let a1Id: number, a3Id: number;
  const ticket = (ref: string) => t.db('tickets').where({ ref }).first();

  before(async () => {
    t = await startTestApp();
    teamA = await buildTeam(t.db, 'Équipe A');
    teamB = await buildTeam(t.db, 'Équipe B');
    sub = await subcategoryId(t.db, 'ONDE', 'Anomalie, bug et données manquantes');
    sub2 = await subcategoryId(t.db, 'LSU - Livret scolaire unique', 'Anomalie, bug et données manquantes');
    await routeTo(t.db, sub, teamA);
    await routeTo(t.db, sub2, teamB);
    const rectorat = (await t.db('establishments').where({ rne: '0319999Z' }).first()).id;
    const u1 = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [teamA], firstName: 'Alice', lastName: 'Agent' });
    const u2 = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [teamB], firstName: 'Bruno', lastName: 'Agent' });
    const u3 = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [teamA], firstName: 'Chloé', lastName: 'Agent' });
    a1Id = u1.id;
    a3Id = u3.id;
    a1 = await loginAs(t.app, u1.identifiant);
    a2 = await loginAs(t.app, u2.identifiant);
    a3 = await loginAs(t.app, u3.identifiant);
    sophie = await loginAs(t.app, 'SSEGUR');
  });
  after(async () => { await t.close(); });

  it('when an agent comes from ARENA, should land in the agent portal and switch to the user portal and back', async () => {
    let res = await a1.get('/guichet');
    assert.equal(res.headers.location, '/agent');
    res = await a1.get('/agent/tickets/en-cours');
    assert.ok(res.text.includes('href="/assistance">Portail utilisateur</a>'));
    res = await a1.get('/assistance');
    assert.ok(res.text.includes('href="/agent">Portail agent</a>'));
    res = await sophie.get('/guichet');
    assert.equal(res.headers.location, '/assistance');
    assert.equal((await sophie.get('/agent/tickets/en-cours')).status, 404, 'a requester has no agent portal');
  });

  it('when following seed 002, should take, note, ask, get the answer back, dispatch and resolve', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'ONDE : élève introuvable' });
    // in the team's queue, to be taken
    assert.ok(refsOf((await a1.get('/agent/tickets/en-cours?onglet=a_prendre')).text).includes(ref));
    let res = await a1.get(`/agent/tickets/${ref}`);
    const text = visibleText(res.text);
    for (const label of ['Informations sur le demandeur', 'Sophie Ségur', '0310001A', '05 61 00 00 01', 'Journal intervenant', 'Journal demandeur', 'Historique', 'Prendre en charge', 'Affecter']) {
      assert.ok(text.includes(label), label);
    }
    assert.ok(!text.includes('Résoudre'), 'not offered before taking it');
    // Prendre en charge, with a private note
    res = await consoleAction(a1, ref, { action: 'take', private_entry: 'Vu avec la DSDEN : bug connu.' });
    assert.equal(res.status, 303);
    assert.equal((await ticket(ref)).status, 'assignee');
    assert.equal((await ticket(ref)).agent_id, a1Id);
    assert.ok(refsOf((await a1.get('/agent/tickets/en-cours?onglet=mes_tickets')).text).includes(ref));
    assert.ok(refsOf((await a3.get('/agent/tickets/en-cours?onglet=equipe')).text).includes(ref), 'a team-mate sees it in progress');
    // Demander un complément needs a public message
    res = await consoleAction(a1, ref, { action: 'request_info', private_entry: 'brouillon gardé' });
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('Écrivez dans le Journal demandeur la question posée au demandeur.'));
    assert.ok(res.text.includes('brouillon gardé</textarea>'), 'what was typed is kept');
    res = await consoleAction(a1, ref, { action: 'request_info', public_entry: 'Quel est le nom de l’élève ?' });
    assert.equal(res.status, 303);
    assert.equal((await ticket(ref)).status, 'a_completer');
    // the requester answers: back to the agent in charge
    const page = await sophie.get(`/assistance/tickets/${ref}`);
    assert.ok(page.text.includes('Quel est le nom de l’élève ?'));
    assert.ok(!page.text.includes('Vu avec la DSDEN'));
    const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
    res = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', token).field('message', 'Il s’appelle Léo Petit.');
    assert.equal(res.status, 303);
    assert.equal((await ticket(ref)).status, 'assignee');
    assert.equal((await ticket(ref)).agent_id, a1Id);
    // Affecter to another team → Réaffectée, nobody in charge
    res = await consoleAction(a1, ref, { action: 'dispatch', team_id: teamB, private_entry: 'Relève de l’équipe B.' });
    assert.equal(res.status, 303);
    let row = await ticket(ref);
    assert.equal(row.status, 'reaffectee');
    assert.equal(row.team_id, teamB);
    assert.equal(row.agent_id, null);
    assert.equal((await a1.get(`/agent/tickets/${ref}`)).status, 404, 'no longer in team A\'s reach');
    // team B takes it and resolves it with a solution
    res = await consoleAction(a2, ref, { action: 'take' });
    assert.equal(res.status, 303);
    res = await consoleAction(a2, ref, { action: 'resolve', solution: '' });
    assert.equal(res.status, 422);
    res = await consoleAction(a2, ref, { action: 'resolve', solution: 'La fiche de Léo a été rétablie.' });
    assert.equal(res.status, 303);
    row = await ticket(ref);
    assert.equal(row.status, 'resolue');
    assert.ok(row.resolved_at);
    const requesterPage = await sophie.get(`/assistance/tickets/${ref}`);
    assert.ok(requesterPage.text.includes('La fiche de Léo a été rétablie.'), 'the solution is sent to the requester');
    // the full history, who and what
    const history = await t.db('ticket_history').where({ ticket_id: row.id }).orderBy('id').pluck('event');
    assert.deepEqual(history, ['created', 'private_entry', 'assigned', 'info_requested', 'requester_answered', 'private_entry', 'dispatched', 'assigned', 'resolved']);
    const consolePage = visibleText((await a2.get(`/agent/tickets/${ref}`)).text);
    assert.ok(consolePage.includes('Équipe : Équipe A → Équipe B'));
    assert.ok(consolePage.includes('Affectée → Assignée'));
  });

  it('when assigning, should offer only members of the ticket\'s team, and refuse anyone else', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
    const page = await a1.get(`/agent/tickets/${ref}`);
    assert.ok(visibleText(page.text).includes('Chloé Agent'));
    assert.ok(!visibleText(page.text).includes('Bruno Agent'));
    const b = await t.db('users').where({ first_name: 'Bruno' }).first();
    let res = await consoleAction(a1, ref, { action: 'assign', assignee_id: b.id });
    assert.equal(res.status, 422);
    res = await consoleAction(a1, ref, { action: 'assign', assignee_id: a3Id });
    assert.equal(res.status, 303);
    assert.equal((await ticket(ref)).agent_id, a3Id);
    assert.equal((await ticket(ref)).status, 'assignee');
  });

  it('when "Valider" changes impact and urgency, should recompute the priority and keep the status', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
    const res = await consoleAction(a1, ref, { action: 'save', impact: 'etablissement', urgency: 'critique' });
    assert.equal(res.status, 303);
    const row = await ticket(ref);
    assert.equal(row.status, 'affectee');
    assert.equal(row.priority, 1);
    assert.ok(visibleText((await a1.get(`/agent/tickets/${ref}`)).text).includes('Urgence : Moyenne → Critique'));
  });

  it('when an agent opens another team\'s ticket by URL, should get 404', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub2 });
    assert.equal((await a1.get(`/agent/tickets/${ref}`)).status, 404);
    const res = await consoleAction(a1, ref, { action: 'take' }, { version: 1 });
    assert.equal(res.status, 404);
    assert.equal((await ticket(ref)).agent_id, null);
  });

  it('when a ticket has no team, should sit in the platform team\'s queue', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const unrouted = await subcategoryId(t.db, 'Affelnet 6e', 'Anomalie, bug et données manquantes');
    await routeTo(t.db, unrouted, null);
    const ref = await buildTicket(t.services, s.id, { subcategory_id: unrouted });
    assert.equal((await ticket(ref)).status, 'nouvelle');
    const aleroy = await loginAs(t.app, 'ALEROY');
    assert.ok(refsOf((await aleroy.get('/agent/tickets/en-cours?onglet=a_prendre&par_page=100')).text).includes(ref));
    assert.equal((await a1.get(`/agent/tickets/${ref}`)).status, 404);
  });

  it('when the form is stale (another agent changed the ticket), should say so and keep what was typed', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
    const stale = (await ticket(ref)).version;
    await consoleAction(a3, ref, { action: 'take' });
    const res = await consoleAction(a1, ref, { action: 'save', private_entry: 'Ma note longue' }, { version: stale });
    assert.equal(res.status, 409);
    assert.ok(visibleText(res.text).includes('Ce ticket a été modifié entre-temps'));
    assert.ok(res.text.includes('Ma note longue</textarea>'));
    assert.equal(await t.db('journal_entries').where({ body: 'Ma note longue' }).first(), undefined, 'nothing half-written');
  });

  it('when two agents take the same ticket at the same moment, 50 times, should leave exactly one winner each time', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const t1 = await csrfOf(a1, '/agent/tickets/en-cours');
    const t3 = await csrfOf(a3, '/agent/tickets/en-cours');
    for (let i = 0; i < 50; i++) {
      const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
      const post = (agent: Agent, token: string) => agent.post(`/agent/tickets/${ref}`).field('_csrf', token).field('version', '1').field('action', 'take').field('private_entry', `pris ${i}`);
      const [r1, r3] = await Promise.all([post(a1, t1), post(a3, t3)]);
      const statuses = [r1.status, r3.status].sort();
      assert.deepEqual(statuses, [303, 409], `pair ${i}: ${statuses}`);
      const row = await ticket(ref);
      assert.equal(row.agent_id, r1.status === 303 ? a1Id : a3Id);
      const notes = await t.db('journal_entries').where({ ticket_id: row.id, visibility: 'private' }).count({ n: '*' });
      assert.equal(Number(notes[0].n), 1, 'the loser wrote nothing');
    }
  });
});

describe('agent portal: the private journal stays private', () => {
  let t: TestApp;
  after(async () => { await t.close(); });
  it('when agents write private notes and private files, should show no trace of them in any requester response', async () => {
    t = await startTestApp();
    const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    const s = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub, visibility: 'managers' });
    const agent = await loginAs(t.app, 'ALEROY');
    let res = await consoleAction(agent, ref, { action: 'take', private_entry: 'SECRET-NOTE-1' });
    assert.equal(res.status, 303);
    const page = await agent.get(`/agent/tickets/${ref}`);
    const token = page.text.match(/name="_csrf" value="([^"]+)"/)![1];
    const version = page.text.match(/name="version" value="(\d+)"/)![1];
    res = await agent.post(`/agent/tickets/${ref}`).field('_csrf', token).field('version', version).field('action', 'save')
      .field('private_entry', 'SECRET-NOTE-2').attach('attachments', Buffer.from('SECRET-FILE-CONTENT'), 'secret-interne.txt');
    assert.equal(res.status, 303);
    res = await consoleAction(agent, ref, { action: 'request_info', public_entry: 'Question publique', private_entry: 'SECRET-NOTE-3' });
    assert.equal(res.status, 303);
    const privateFile = await t.db('attachments').where({ original_name: 'secret-interne.txt' }).first();
    assert.ok(privateFile.private);
    for (const who of ['SSEGUR', 'MDURAND']) {
      const user = await loginAs(t.app, who);
      const pages = [
        `/assistance/tickets/${ref}`, '/assistance/tickets/en-cours', '/assistance/tickets/en-cours?onglet=attente',
        '/assistance/tickets/en-cours?onglet=partages', '/assistance/tickets/traites', `/assistance/recherche?q=SECRET`,
      ];
      for (const p of pages) {
        const r = await user.get(p);
        assert.equal(r.status, 200, `${who} ${p}`);
        assert.ok(!/SECRET-(NOTE|FILE)|secret-interne|intervenant/i.test(r.text), `${who} sees a private trace on ${p}`);
      }
      assert.equal((await user.get(`/pieces-jointes/${privateFile.id}`)).status, 404);
      assert.equal((await user.get(`/agent/tickets/${ref}`)).status, 404);
    }
  });
});

describe('agent portal: lists of two agents in two teams', () => {
  let t: TestApp;
  it('when each agent opens each list, should see exactly the tickets of their teams and their own', async () => {
    t = await startTestApp();
    try {
      const teamA = await buildTeam(t.db);
      const teamB = await buildTeam(t.db);
      const subA = await subcategoryId(t.db, 'ONDE', 'Anomalie, bug et données manquantes');
      const subB = await subcategoryId(t.db, 'LSU - Livret scolaire unique', 'Anomalie, bug et données manquantes');
      await routeTo(t.db, subA, teamA);
      await routeTo(t.db, subB, teamB);
      const est = await buildEstablishment(t.db, { type: 'service' });
      const x = await buildUser(t.db, { establishmentId: est.id, roles: ['agent'], teamIds: [teamA] });
      const y = await buildUser(t.db, { establishmentId: est.id, roles: ['agent'], teamIds: [teamB] });
      const s = await demoUser(t.db, 'SSEGUR');
      const mk = async (sub: number, status: string, agentId: number | null) => {
        const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
        await t.db('tickets').where({ ref }).update({ status, agent_id: agentId });
        return ref;
      };
      const aQueued = await mk(subA, 'affectee', null);
      const aMine = await mk(subA, 'assignee', x.id);
      const aWaiting = await mk(subA, 'en_attente', x.id);
      const aResolvedByX = await mk(subA, 'resolue', x.id);
      const bQueued = await mk(subB, 'affectee', null);
      const bByY = await mk(subB, 'assignee', y.id);
      const bResolvedByY = await mk(subB, 'fermee', y.id);
      const ax = await loginAs(t.app, x.identifiant);
      const ay = await loginAs(t.app, y.identifiant);
      const list = async (a: Agent, board: string, tab: string) => refsOf((await a.get(`/agent/tickets/${board}?onglet=${tab}`)).text);
      assert.deepEqual(await list(ax, 'en-cours', 'mes_tickets'), [aMine, aWaiting].sort());
      assert.deepEqual(await list(ax, 'en-cours', 'a_prendre'), [aQueued]);
      assert.deepEqual(await list(ax, 'en-cours', 'equipe'), []);
      assert.deepEqual(await list(ax, 'resolus', 'par_moi'), [aResolvedByX]);
      assert.deepEqual(await list(ax, 'resolus', 'equipe'), [aResolvedByX]);
      assert.deepEqual(await list(ay, 'en-cours', 'mes_tickets'), [bByY]);
      assert.deepEqual(await list(ay, 'en-cours', 'a_prendre'), [bQueued]);
      assert.deepEqual(await list(ay, 'resolus', 'par_moi'), [bResolvedByY]);
      const text = visibleText((await ax.get('/agent/tickets/en-cours')).text);
      assert.match(text, /Pris en charge 2 À prendre en charge 1 Traités par mon équipe 0/);
    } finally {
      await t.close();
    }
  });
});
