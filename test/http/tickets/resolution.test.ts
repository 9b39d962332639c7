import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfFrom, csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { consoleAction } from '../../helpers/console.js';
import { buildTicket, demoUser, subcategoryId } from '../../helpers/factories.js';
import { emailOf, mailsTo } from '../../helpers/outbox.js';

const DAY = 86_400_000;

describe('resolution loop: accept, refuse, reminder, auto-close, satisfaction', () => {
  let t: TestApp;
  let agent: Agent, sophie: Agent;
  let sub: number;
  before(async () => {
    t = await startTestApp();
    agent = await loginAs(t.app, 'ALEROY');
    sophie = await loginAs(t.app, 'SSEGUR');
    sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
  });
  after(async () => { await t.close(); });

  /** A ticket of Sophie's, taken and resolved by ALEROY. */
  async function resolvedTicket(): Promise<string> {
    const s = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
    assert.equal((await consoleAction(agent, ref, { action: 'take' })).status, 303);
    assert.equal((await consoleAction(agent, ref, { action: 'resolve', solution: 'Code OTP renvoyé.' })).status, 303);
    return ref;
  }
  const decide = async (who: Agent, ref: string, fields: Record<string, string>) => {
    const token = await csrfOf(who, `/assistance/tickets/${ref}`);
    return who.post(`/assistance/tickets/${ref}/resolution`).type('form').send({ _csrf: token, ...fields });
  };
  const row = (ref: string) => t.db('tickets').where({ ref }).first();

  it('when the requester follows the link of the resolution mail, should go through login to the ticket\'s acceptance form', async () => {
    const ref = await resolvedTicket();
    const anonymous = request.agent(t.app);
    let res = await anonymous.get(`/assistance/tickets/${ref}/resolution`);
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, `/login?next=${encodeURIComponent(`/assistance/tickets/${ref}/resolution`)}`);
    const page = await anonymous.get(res.headers.location);
    res = await anonymous.post('/login').type('form').send({ _csrf: csrfFrom(page.text), identifiant: 'SSEGUR', password: 'demo', next: `/assistance/tickets/${ref}/resolution` });
    res = await anonymous.get(res.headers.location);
    assert.equal(res.headers.location, `/assistance/tickets/${ref}#resolution`);
    res = await anonymous.get(`/assistance/tickets/${ref}`);
    const text = visibleText(res.text);
    assert.ok(text.includes('Acceptation ou refus de la résolution'));
    assert.ok(text.includes('Acceptation') && text.includes('Refus'));
    assert.match(text, /sera fermé automatiquement le .* \(dans 14 jours\)/);
  });

  it('when the requester accepts with a rating, should close the ticket and record the evaluation the agent then sees', async () => {
    const ref = await resolvedTicket();
    let res = await decide(sophie, ref, { decision: 'accept', comment: 'Rapide !' });
    assert.equal(res.status, 422, 'a rating is asked');
    assert.ok(visibleText(res.text).includes('Choisissez une note de 1 à 5'));
    assert.ok(res.text.includes('Rapide !</textarea>'), 'the comment is kept');
    res = await decide(sophie, ref, { decision: 'accept', rating: '4', comment: 'Rapide !' });
    assert.equal(res.status, 303);
    const r = await row(ref);
    assert.equal(r.status, 'fermee');
    assert.equal(r.closed_by, 'requester');
    const sat = await t.db('satisfaction').where({ ticket_id: r.id }).first();
    assert.equal(sat.rating, 4);
    assert.equal(sat.comment, 'Rapide !');
    const consoleText = visibleText((await agent.get(`/agent/tickets/${ref}`)).text);
    assert.ok(consoleText.includes('Satisfaction 4 / 5 Rapide !'));
    const closedMail = (await mailsTo(t.db, await emailOf(t.db, 'SSEGUR'))).filter((m) => m.ticket_id === r.id).map((m) => m.kind);
    assert.deepEqual(closedMail, ['ticket_created', 'resolved', 'closed']);
  });

  it('when the requester refuses, should need a reason, reopen the ticket to its agent and tell him', async () => {
    const ref = await resolvedTicket();
    let res = await decide(sophie, ref, { decision: 'refuse' });
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('Expliquez pourquoi la solution ne vous convient pas.'));
    res = await decide(sophie, ref, { decision: 'refuse', reason: 'Je ne reçois toujours pas le code.' });
    assert.equal(res.status, 303);
    const r = await row(ref);
    assert.equal(r.status, 'assignee');
    assert.equal(r.agent_id, (await demoUser(t.db, 'ALEROY')).id);
    const toAgent = (await mailsTo(t.db, await emailOf(t.db, 'ALEROY'))).filter((m) => m.ticket_id === r.id);
    assert.equal(toAgent.at(-1)!.kind, 'resolution_refused');
    assert.ok(toAgent.at(-1)!.text_body.includes('Je ne reçois toujours pas le code.'));
    const history = await t.db('ticket_history').where({ ticket_id: r.id }).orderBy('id').pluck('event');
    assert.equal(history.at(-1), 'resolution_refused');
  });

  it('when the ticket is not resolved, should refuse "Acceptation" with a clear message', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
    const res = await decide(sophie, ref, { decision: 'accept', rating: '5' });
    assert.equal(res.status, 409);
    assert.ok(visibleText(res.text).includes("Ce ticket n'attend pas votre acceptation."));
    assert.equal((await row(ref)).status, 'affectee');
    const paul = await loginAs(t.app, 'PMARTIN');
    assert.equal((await decide(paul, ref, { decision: 'accept', rating: '5' })).status, 404, 'not his ticket');
  });

  it('when 12 days pass, should remind the requester once; at 14 days, close it as "non évalué"; until 16 days, still let it be refused', async () => {
    const ref = await resolvedTicket();
    const id = (await row(ref)).id;
    const sophieMail = await emailOf(t.db, 'SSEGUR');
    const kinds = async () => (await mailsTo(t.db, sophieMail)).filter((m) => m.ticket_id === id).map((m) => m.kind);
    const start = t.clock.now.getTime();

    t.clock.now = new Date(start + 11 * DAY);
    assert.equal(await t.services.resolution.remindDue(), 0);
    t.clock.now = new Date(start + 12 * DAY + 60_000);
    const [a, b] = await Promise.all([t.services.resolution.remindDue(), t.services.resolution.remindDue()]);
    assert.equal(a + b >= 1, true);
    await t.services.resolution.remindDue();
    assert.deepEqual((await kinds()).filter((k) => k === 'auto_close_reminder'), ['auto_close_reminder'], 'exactly one reminder');
    assert.match(visibleText((await sophie.get(`/assistance/tickets/${ref}`)).text), /\(dans 2 jours\)/);

    t.clock.now = new Date(start + 14 * DAY + 60_000);
    await Promise.all([t.services.resolution.autoCloseDue(), t.services.resolution.autoCloseDue()]);
    const closings = await t.db('ticket_history').where({ ticket_id: id, event: 'closed' });
    assert.equal(closings.length, 1, 'closed once though two sweeps ran at once');
    const r = await row(ref);
    assert.equal(r.status, 'fermee');
    assert.equal(r.closed_by, 'system');
    const sat = await t.db('satisfaction').where({ ticket_id: id }).first();
    assert.equal(sat.rating, null, 'non évalué, never counted as satisfied');
    assert.equal(sat.source, 'auto');
    assert.deepEqual((await kinds()).filter((k) => k === 'closed'), ['closed']);
    const consoleText = visibleText((await agent.get(`/agent/tickets/${ref}`)).text);
    assert.ok(consoleText.includes('Non évalué (fermé automatiquement).'));

    t.clock.now = new Date(start + 15 * DAY);
    const page = visibleText((await sophie.get(`/assistance/tickets/${ref}`)).text);
    assert.ok(page.includes('Ce ticket a été fermé automatiquement. Vous pouvez encore refuser la résolution'));
    const res = await decide(sophie, ref, { decision: 'refuse', reason: 'Toujours en panne.' });
    assert.equal(res.status, 303);
    assert.equal((await row(ref)).status, 'assignee');
    assert.equal(await t.db('satisfaction').where({ ticket_id: id }).first(), undefined, 'the "non évalué" goes with the reopening');
    t.clock.now = new Date(start);
  });

  it('when the reopen window has passed, should refuse the "Refus" and say why', async () => {
    const ref = await resolvedTicket();
    const start = t.clock.now.getTime();
    t.clock.now = new Date(start + 14 * DAY + 60_000);
    await t.services.resolution.autoCloseDue();
    t.clock.now = new Date(start + 16 * DAY + 60_000);
    const page = visibleText((await sophie.get(`/assistance/tickets/${ref}`)).text);
    assert.ok(!page.includes('Acceptation ou refus de la résolution'), 'no form any more');
    const res = await decide(sophie, ref, { decision: 'refuse', reason: 'Trop tard ?' });
    assert.equal(res.status, 409);
    assert.ok(visibleText(res.text).includes('Le délai de réouverture (16 jours après la résolution) est dépassé'));
    assert.equal((await row(ref)).status, 'fermee');
    t.clock.now = new Date(start);
  });

  it('when an admin looks at satisfaction, should see average and count per team, auto-closed apart', async () => {
    await t.db('satisfaction').delete();
    const a = await resolvedTicket();
    const b = await resolvedTicket();
    const c = await resolvedTicket();
    assert.equal((await decide(sophie, a, { decision: 'accept', rating: '5' })).status, 303);
    assert.equal((await decide(sophie, b, { decision: 'accept', rating: '2' })).status, 303);
    const start = t.clock.now.getTime();
    t.clock.now = new Date(start + 14 * DAY + 60_000);
    await t.services.resolution.autoCloseDue();
    assert.equal((await row(c)).status, 'fermee');
    const admin = await loginAs(t.app, 'ADMIN');
    const res = await admin.get('/admin/satisfaction');
    t.clock.now = new Date(start);
    assert.equal(res.status, 200);
    const text = visibleText(res.text);
    const line = text.match(/Assistance premier degré (\d+) ([\d,—]+) (\d+)/);
    assert.ok(line, text);
    assert.deepEqual(line.slice(1), ['2', '3,5', '1'], 'two evaluations averaging 3.5; the auto-closed one apart, not in the average');
    assert.equal((await (await loginAs(t.app, 'SSEGUR')).get('/admin/satisfaction')).status, 404);
  });
});
