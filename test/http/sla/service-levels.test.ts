import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { consoleAction } from '../../helpers/console.js';
import { buildTeam, buildTicket, buildUser, demoUser, routeTo, subcategoryId } from '../../helpers/factories.js';

// Winter: Paris is UTC+1. Monday 7 December 2026, opening hours 08:00–12:00 and 13:30–17:30.
const paris = (local: string) => new Date(new Date(`${local.replace(' ', 'T')}:00Z`).getTime() - 3600_000);

describe('service levels: deadlines agents see, alerts, targets and calendar', () => {
  let t: TestApp;
  let sub: number;
  let team: number;
  let agent: Agent, admin: Agent, sophie: Agent;
  let agentId: number, mateId: number, sophieId: number;
  const ticket = (ref: string) => t.db('tickets').where({ ref }).first();
  const at = (local: string) => { t.clock.now = paris(local); };

  before(async () => {
    t = await startTestApp();
    team = await buildTeam(t.db, 'Équipe délais');
    sub = await subcategoryId(t.db, 'ONDE', 'Anomalie, bug et données manquantes');
    await routeTo(t.db, sub, team);
    const rectorat = (await t.db('establishments').where({ rne: '0319999Z' }).first()).id;
    const u = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [team], firstName: 'Diane', lastName: 'Délai' });
    const mate = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [team], firstName: 'Marc', lastName: 'Délai' });
    agentId = u.id;
    mateId = mate.id;
    agent = await loginAs(t.app, u.identifiant);
    admin = await loginAs(t.app, 'admin');
    sophie = await loginAs(t.app, 'SSEGUR');
    sophieId = (await demoUser(t.db, 'SSEGUR')).id;
  });
  after(async () => { await t.close(); });

  it('when a ticket is filed, should start both clocks and show its deadline in the team\'s list and in the console', async () => {
    at('2026-12-07 09:00');
    const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Délai normal' }); // Normale: 8 h / 24 h
    const row = await ticket(ref);
    // 8 working hours from Monday 09:00: 3 h in the morning, 4 h in the afternoon, 1 h on Tuesday.
    assert.equal(new Date(row.sla_tto_due_at).getTime(), paris('2026-12-08 09:00').getTime());
    assert.equal(new Date(row.sla_due_at).getTime(), paris('2026-12-08 09:00').getTime());
    at('2026-12-07 10:00');
    const list = visibleText((await agent.get('/agent/tickets/en-cours?onglet=a_prendre')).text);
    assert.ok(list.includes('Échéance'), 'the column');
    assert.ok(list.includes('Prise en charge avant le 2026-12-08 09:00 (reste 7 h 00)'), list);
    const page = visibleText((await agent.get(`/agent/tickets/${ref}`)).text);
    assert.ok(page.includes('Échéance : Prise en charge avant le 2026-12-08 09:00'), 'the console');
    assert.ok(page.includes('Résolution : 1 h 00 sur 24 h 00'));
  });

  it('when sorted by "Échéance", should list the soonest deadline first, whatever the creation order', async () => {
    at('2026-12-07 11:00');
    const late = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Basse', impact: 'personne', urgency: 'basse' });
    const soon = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Critique', impact: 'etablissement', urgency: 'critique' });
    const html = (await agent.get('/agent/tickets/en-cours?onglet=a_prendre&tri=deadline')).text;
    const order = [...html.matchAll(/>(R-\d{6,})<\/a>/g)].map((m) => m[1]);
    assert.equal(order[0], soon);
    assert.ok(order.indexOf(late) > order.indexOf(soon));
    assert.ok(html.includes('<option value="deadline" selected>'), 'the choice is kept');
  });

  it('when a clock passes 75 % then 100 %, should mark the ticket and mail the team once each, even with two sweeps at once', async () => {
    at('2026-12-07 14:00');
    const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Panne critique', impact: 'etablissement', urgency: 'critique' }); // 1 h / 4 h
    const { id } = await ticket(ref);
    const mails = (kind: string) => t.db('outbox').where({ ticket_id: id, kind }).orderBy('to_user_id');
    at('2026-12-07 14:40');
    await Promise.all([t.services.sla.sendDueAlerts(), t.services.sla.sendDueAlerts()]);
    assert.equal((await mails('sla_warning')).length, 0, 'not yet at 75 %');
    at('2026-12-07 14:46');
    assert.ok(visibleText((await agent.get('/agent/tickets/en-cours?onglet=a_prendre')).text).includes('Plus de 75 % du délai'));
    await Promise.all([t.services.sla.sendDueAlerts(), t.services.sla.sendDueAlerts()]);
    await t.services.sla.sendDueAlerts();
    const warned = await mails('sla_warning');
    assert.deepEqual(warned.map((m) => m.to_user_id), [agentId, mateId], 'nobody has it: the team, once each');
    assert.ok(warned[0].subject.includes(`[${ref}] Ticket à 75 % de son délai de prise en charge`), warned[0].subject);
    assert.ok(warned[0].text_body.includes('Échéance : 2026-12-07 15:00'), 'the deadline is in the mail');
    at('2026-12-07 15:05');
    await Promise.all([t.services.sla.sendDueAlerts(), t.services.sla.sendDueAlerts()]);
    assert.equal((await mails('sla_breach')).length, 2);
    assert.ok(visibleText((await agent.get('/agent/tickets/en-cours?onglet=a_prendre')).text).includes('En retard'));
    // Taken in charge late: TTO missed; the TTR alerts go to the agent in charge only.
    assert.equal((await consoleAction(agent, ref, { action: 'take' })).status, 303);
    assert.equal(Boolean((await ticket(ref)).sla_tto_met), false);
    at('2026-12-07 17:05'); // 3 h 05 of TTR counted (14:00–17:05)
    await t.services.sla.sendDueAlerts();
    assert.deepEqual((await mails('sla_warning')).map((m) => m.to_user_id), [agentId, agentId, mateId]);
    await t.services.sla.sendDueAlerts();
    assert.equal((await mails('sla_warning')).length, 3, 'once');
    assert.equal((await mails('sla_breach')).length, 2, 'no TTO breach again once taken (GLPI #2765)');
  });

  it('when the ticket waits for the requester, should stop the clock, and resume it from where it stood on the answer', async () => {
    at('2026-12-07 08:00');
    const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Complément' });
    at('2026-12-07 09:00');
    await consoleAction(agent, ref, { action: 'take' });
    at('2026-12-07 10:00');
    await consoleAction(agent, ref, { action: 'request_info', public_entry: 'Quel élève ?' });
    const asked = await ticket(ref);
    assert.equal(asked.sla_ttr_s, 2 * 3600);
    assert.equal(asked.sla_due_at, null);
    at('2026-12-09 16:00'); // two days later
    const page = visibleText((await agent.get(`/agent/tickets/${ref}`)).text);
    assert.ok(page.includes('En pause (résolution : 2 h 00 sur 24 h 00)'), page.slice(0, 400));
    await t.services.sla.sendDueAlerts();
    assert.equal((await t.db('outbox').where({ ticket_id: asked.id }).whereIn('kind', ['sla_warning', 'sla_breach'])).length, 0, 'no alert while it waits (GLPI #24481)');
    const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
    const res = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', token).field('message', 'Jean Dupont, CM1.');
    assert.equal(res.status, 303);
    const answered = await ticket(ref);
    assert.equal(answered.status, 'assignee');
    assert.equal(answered.sla_ttr_s, 2 * 3600, 'the pause is not counted');
    // 22 h left from Wednesday 16:00: 1 h 30, then 8 h Thursday and Friday, 4 h 30 on Monday 14.
    assert.equal(new Date(answered.sla_ttr_due_at).getTime(), paris('2026-12-14 14:00').getTime());
    const history = await t.db('ticket_history').where({ ticket_id: asked.id }).whereNotNull('to_status').orderBy('id');
    assert.deepEqual(history.map((h) => [h.to_status, h.sla_ttr_s]), [['affectee', 0], ['assignee', 3600], ['a_completer', 7200], ['assignee', 7200]]);
  });

  it('when the agent raises the priority, should move the deadline from the time already counted', async () => {
    at('2026-12-07 08:00');
    const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Priorité relevée' });
    await consoleAction(agent, ref, { action: 'take' });
    at('2026-12-07 09:00');
    const res = await consoleAction(agent, ref, { action: 'save', impact: 'etablissement', urgency: 'critique' });
    assert.equal(res.status, 303);
    const row = await ticket(ref);
    assert.equal(row.priority, 1);
    assert.equal(row.sla_ttr_target_s, 4 * 3600);
    assert.equal(new Date(row.sla_ttr_due_at).getTime(), paris('2026-12-07 12:00').getTime(), '1 h counted, 3 h left');
  });

  it('when resolved and closed, should record each target met or missed', async () => {
    at('2026-12-07 08:00');
    const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Résolu à temps' });
    await consoleAction(agent, ref, { action: 'take' });
    at('2026-12-07 09:00');
    await consoleAction(agent, ref, { action: 'resolve', solution: 'Réparé.' });
    const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
    const res = await sophie.post(`/assistance/tickets/${ref}/resolution`).type('form').send({ _csrf: token, decision: 'accept', rating: '5' });
    assert.equal(res.status, 303);
    const row = await ticket(ref);
    assert.equal(row.status, 'fermee');
    assert.equal(Boolean(row.sla_tto_met), true);
    assert.equal(Boolean(row.sla_ttr_met), true);
    assert.equal(row.sla_ttr_s, 3600);
    assert.ok(visibleText((await agent.get('/agent/tickets/resolus?onglet=par_moi')).text).includes('Délais respectés'));
  });

  it('when an admin enters targets wrongly, should give the form back with the message and what was typed', async () => {
    const token = await csrfOf(admin, '/admin/niveaux-de-service');
    const res = await admin.post('/admin/niveaux-de-service').type('form').send({
      _csrf: token, tto_1: 'deux', ttr_1: '4', tto_2: '4', ttr_2: '8', tto_3: '10', ttr_3: '9', tto_4: '16', ttr_4: '40',
    });
    assert.equal(res.status, 422);
    const text = visibleText(res.text);
    assert.ok(text.includes('Critique, prise en charge : un nombre d’heures ouvrées'), text.slice(0, 600));
    assert.ok(text.includes('le délai de prise en charge ne peut dépasser celui de résolution') || text.includes('Critique'));
    assert.ok(res.text.includes('name="tto_1" value="deux"'), 'kept');
    assert.ok(res.text.includes('name="tto_3" value="10"'), 'kept');
  });

  it('when an admin changes the targets, a service\'s own ones or the calendar, should move the open tickets\' deadlines', async () => {
    at('2026-12-07 09:00');
    const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Cible changée' });
    const before = await ticket(ref);
    at('2026-12-07 10:00');
    let token = await csrfOf(admin, '/admin/niveaux-de-service');
    let res = await admin.post('/admin/niveaux-de-service').type('form').send({
      _csrf: token, tto_1: '1', ttr_1: '4', tto_2: '4', ttr_2: '8', tto_3: '2', ttr_3: '24', tto_4: '16', ttr_4: '40',
    });
    assert.equal(res.status, 303);
    let row = await ticket(ref);
    assert.equal(row.sla_tto_s, 3600, 'the hour counted is kept');
    assert.equal(new Date(row.sla_tto_due_at).getTime(), paris('2026-12-07 11:00').getTime());
    assert.notEqual(row.sla_tto_due_at, before.sla_tto_due_at);
    // The ONDE service gets its own Normale targets.
    const serviceId = (await t.db('cat_subcategories').where({ id: sub }).first()).parent_id;
    token = await csrfOf(admin, '/admin/niveaux-de-service');
    res = await admin.post('/admin/niveaux-de-service/services').type('form').send({ _csrf: token, service_id: serviceId, tto_3: '0,5', ttr_3: '2' });
    assert.equal(res.status, 303);
    row = await ticket(ref);
    assert.equal(new Date(row.sla_tto_due_at).getTime(), paris('2026-12-07 09:30').getTime(), 'already 30 min late: the deadline has passed');
    assert.equal(row.sla_tto_target_s, 1800);
    const page = visibleText((await admin.get('/admin/niveaux-de-service')).text);
    assert.ok(page.includes('ONDE'), 'listed among the services with their own targets');
    // An academy closing day on Tuesday moves a deadline that crossed it.
    token = await csrfOf(admin, '/admin/niveaux-de-service');
    res = await admin.post('/admin/niveaux-de-service/services/' + serviceId + '/supprimer').type('form').send({ _csrf: token });
    assert.equal(res.status, 303);
    const hours = { hours_1: '08:00-12:00, 13:30-17:30', hours_2: '08:00-12:00, 13:30-17:30', hours_3: '08:00-12:00, 13:30-17:30', hours_4: '08:00-12:00, 13:30-17:30', hours_5: '08:00-12:00, 13:30-17:30', hours_6: '', hours_7: '' };
    token = await csrfOf(admin, '/admin/niveaux-de-service');
    res = await admin.post('/admin/niveaux-de-service/calendrier').type('form').send({ _csrf: token, ...hours, holiday_region: '', closed_days: '32/12/2026' });
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('« 32/12/2026 » n’est ni une date'), 'a clear message');
    assert.ok(res.text.includes('32/12/2026</textarea>'), 'kept');
    // 23 h of TTR left from Monday 10:00: due Thursday 09:00; with Tuesday and Wednesday closed, Monday 14 at 09:00.
    assert.equal(new Date((await ticket(ref)).sla_ttr_due_at).getTime(), paris('2026-12-10 09:00').getTime());
    res = await admin.post('/admin/niveaux-de-service/calendrier').type('form').send({ _csrf: token, ...hours, holiday_region: '', closed_days: '08/12/2026 - 09/12/2026' });
    assert.equal(res.status, 303);
    assert.equal(new Date((await ticket(ref)).sla_ttr_due_at).getTime(), paris('2026-12-14 09:00').getTime());
    assert.ok(visibleText((await admin.get('/admin/niveaux-de-service')).text).includes('08/12/2026 - 09/12/2026'));
    // Saturday hours added on Monday morning: the weekend already passed is not counted after the fact.
    at('2026-12-11 17:00');
    const friday = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Vendredi soir' });
    at('2026-12-14 08:30');
    token = await csrfOf(admin, '/admin/niveaux-de-service');
    res = await admin.post('/admin/niveaux-de-service/calendrier').type('form').send({ _csrf: token, ...hours, hours_6: '08:00-12:00', holiday_region: '', closed_days: '' });
    assert.equal(res.status, 303);
    assert.equal((await ticket(friday)).sla_ttr_s, 3600, '30 min on Friday, 30 min this morning');
    // Back to the defaults for the tests after.
    token = await csrfOf(admin, '/admin/niveaux-de-service');
    await admin.post('/admin/niveaux-de-service/calendrier').type('form').send({ _csrf: token, ...hours, holiday_region: '', closed_days: '' });
  });

  it('when tickets were filed before service levels, should replay their history into the same clocks', async () => {
    at('2026-12-07 08:00');
    const ref = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Ancien ticket' });
    at('2026-12-07 09:30');
    await consoleAction(agent, ref, { action: 'take' });
    at('2026-12-07 10:00');
    await consoleAction(agent, ref, { action: 'hold' });
    const kept = await ticket(ref);
    const cleared = Object.fromEntries(Object.keys(kept).filter((k) => k.startsWith('sla_')).map((k) => [k, null]));
    await t.db('tickets').where({ ref }).update({ ...cleared, sla_tto_s: 0, sla_ttr_s: 0, sla_alerts: 0 });
    assert.ok((await t.services.sla.backfill()) >= 1);
    const replayed = await ticket(ref);
    for (const k of Object.keys(cleared)) assert.deepEqual(replayed[k], kept[k], k);
    assert.equal(await t.services.sla.backfill(), 0, 'done once');
    // An old ticket replayed long after its deadline: counted as alerted, nobody is mailed about it.
    at('2026-12-07 08:00');
    const old = await buildTicket(t.services, sophieId, { subcategory_id: sub, subject: 'Très ancien' });
    const { id } = await ticket(old);
    await t.db('tickets').where({ ref: old }).update({ ...cleared, sla_tto_s: 0, sla_ttr_s: 0, sla_alerts: 0 });
    at('2027-01-20 10:00');
    await t.services.sla.backfill();
    assert.equal(Number((await ticket(old)).sla_alerts), 15, 'every threshold passed');
    await t.services.sla.sendDueAlerts();
    assert.equal((await t.db('outbox').where({ ticket_id: id }).whereIn('kind', ['sla_warning', 'sla_breach'])).length, 0);
  });
});
