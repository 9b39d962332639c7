import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { buildEstablishment, buildTicket, buildUser, demoUser, subcategoryId } from '../../helpers/factories.js';
import { PNG_1PX } from '../../helpers/files.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';

const refsOf = (html: string) => [...html.matchAll(/>(R-\d{6,})<\/a>/g)].map((m) => m[1]).sort();

describe('dashboards and the access rules', () => {
  let t: TestApp;
  let sophie: Agent, paul: Agent, marie: Agent, otherManager: Agent, otherTeacher: Agent;
  const tk: Record<string, string> = {};
  let sub: number, otherTeacherId: number;
  const setStatus = (ref: string, status: string) => t.db('tickets').where({ ref }).update({ status });

  before(async () => {
    t = await startTestApp();
    sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    const s = await demoUser(t.db, 'SSEGUR');
    const p = await demoUser(t.db, 'PMARTIN');
    const otherSchool = await buildEstablishment(t.db);
    const om = await buildUser(t.db, { establishmentId: otherSchool.id, roles: ['responsable'] });
    const ot = await buildUser(t.db, { establishmentId: otherSchool.id });
    otherTeacherId = ot.id;
    tk.A = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'A privé' });
    tk.B = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'B partagé', visibility: 'managers' });
    tk.C = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'C pour Paul', beneficiary_id: p.id });
    tk.D = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'D à compléter' });
    tk.E = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'E résolu' });
    tk.F = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'F fermé' });
    tk.G = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'G partagé résolu', visibility: 'managers' });
    tk.H = await buildTicket(t.services, ot.id, { subcategory_id: sub, subject: 'H autre école', visibility: 'managers' });
    await setStatus(tk.D, 'a_completer');
    await setStatus(tk.E, 'resolue');
    await setStatus(tk.F, 'fermee');
    await setStatus(tk.G, 'resolue');
    sophie = await loginAs(t.app, 'SSEGUR');
    paul = await loginAs(t.app, 'PMARTIN');
    marie = await loginAs(t.app, 'MDURAND');
    otherManager = await loginAs(t.app, om.identifiant);
    otherTeacher = await loginAs(t.app, ot.identifiant);
  });
  after(async () => { await t.close(); });

  const tab = async (agent: Agent, board: string, onglet: string) => refsOf((await agent.get(`/assistance/tickets/${board}?onglet=${onglet}`)).text);

  it("when the requester opens each tab, should see exactly her tickets there", async () => {
    assert.deepEqual(await tab(sophie, 'en-cours', 'ouverts'), [tk.A, tk.B].sort());
    assert.deepEqual(await tab(sophie, 'en-cours', 'attente'), [tk.D]);
    assert.deepEqual(await tab(sophie, 'en-cours', 'beneficiaire'), [tk.C]);
    assert.deepEqual(await tab(sophie, 'en-cours', 'partages'), [tk.B]);
    assert.deepEqual(await tab(sophie, 'traites', 'resolus'), [tk.E, tk.G].sort());
    assert.deepEqual(await tab(sophie, 'traites', 'fermes'), [tk.F]);
    assert.deepEqual(await tab(sophie, 'traites', 'partages'), [tk.G]);
    const text = visibleText((await sophie.get('/assistance/tickets/en-cours')).text);
    assert.match(text, /Ouverts 2 En attente 1 Bénéficiaire 1 Partagés 1/);
  });

  it('when the beneficiary opens "Bénéficiaire", should see the ticket filed for him, and nothing else of hers', async () => {
    assert.deepEqual(await tab(paul, 'en-cours', 'beneficiaire'), [tk.C]);
    assert.deepEqual(await tab(paul, 'en-cours', 'ouverts'), []);
    assert.deepEqual(await tab(paul, 'en-cours', 'partages'), []);
    assert.equal((await paul.get(`/assistance/tickets/${tk.C}`)).status, 200);
  });

  it('when a colleague of the same school tries her tickets, should get 404 on each page', async () => {
    for (const ref of [tk.A, tk.B, tk.D, tk.E]) assert.equal((await paul.get(`/assistance/tickets/${ref}`)).status, 404, ref);
  });

  it("when the school's responsable opens \"Partagés\", should see the shared tickets of her school only", async () => {
    assert.deepEqual(await tab(marie, 'en-cours', 'partages'), [tk.B]);
    assert.deepEqual(await tab(marie, 'traites', 'partages'), [tk.G]);
    assert.equal((await marie.get(`/assistance/tickets/${tk.B}`)).status, 200);
    assert.equal((await marie.get(`/assistance/tickets/${tk.A}`)).status, 404, 'not shared: not hers to see');
  });

  it("when another school's responsable or teacher tries, should see nothing of this school", async () => {
    assert.deepEqual(await tab(otherManager, 'en-cours', 'partages'), [tk.H]);
    assert.equal((await otherManager.get(`/assistance/tickets/${tk.B}`)).status, 404);
    assert.equal((await otherTeacher.get(`/assistance/tickets/${tk.B}`)).status, 404);
  });

  it('when filtering and sorting a tab, should narrow and order the list', async () => {
    assert.deepEqual(refsOf((await sophie.get('/assistance/tickets/en-cours?onglet=ouverts&q=partag')).text), [tk.B]);
    const asc = refsOf((await sophie.get('/assistance/tickets/en-cours?onglet=ouverts&tri=date_asc')).text);
    assert.equal(asc.length, 2);
    const res = await sophie.get('/assistance/tickets/en-cours?onglet=ouverts&tri=nimporte&page=-4&par_page=7');
    assert.equal(res.status, 200, 'odd parameters fall back to defaults');
  });

  it('when the filter holds % or _, should match them as typed, not as wildcards; a reference finds its ticket', async () => {
    const quota = await buildTicket(t.services, otherTeacherId, { subcategory_id: sub, subject: 'Quota 100% atteint' });
    const plain = await buildTicket(t.services, otherTeacherId, { subcategory_id: sub, subject: 'Quota presque atteint' });
    const filtered = async (q: string) => refsOf((await otherTeacher.get(`/assistance/tickets/en-cours?onglet=ouverts&q=${encodeURIComponent(q)}`)).text);
    assert.deepEqual(await filtered('Quota'), [quota, plain].sort());
    assert.deepEqual(await filtered('100%'), [quota]);
    assert.deepEqual(await filtered('%'), [quota]);
    assert.deepEqual(await filtered('_'), []);
    assert.deepEqual(await filtered(plain.toLowerCase()), [plain]);
  });

  it('when an anonymous visitor opens a ticket, should be sent to the login page', async () => {
    const res = await request(t.app).get(`/assistance/tickets/${tk.A}`);
    assert.equal(res.status, 302);
    assert.match(res.headers.location, /^\/login\?next=/);
  });

  describe('attachments and journals', () => {
    let fileId: number;
    let privateFileId: number;
    before(async () => {
      const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
      sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
      const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Avec fichier' }), [{ name: 'ecran.png', content: PNG_1PX }]);
      assert.equal(res.status, 303);
      const ticket = await t.db('tickets').where({ subject: 'Avec fichier' }).first();
      tk.I = ticket.ref;
      fileId = (await t.db('attachments').where({ ticket_id: ticket.id }).first()).id;
      const agent = await demoUser(t.db, 'ALEROY');
      const now = new Date().toISOString();
      await t.db('journal_entries').insert({ ticket_id: ticket.id, author_id: agent.id, visibility: 'private', body: 'NOTE-INTERNE-SECRETE', created_at: now });
      await t.db('journal_entries').insert({ ticket_id: ticket.id, author_id: agent.id, visibility: 'public', body: 'Bonjour, nous regardons.', created_at: now });
      [{ id: privateFileId }] = await t.db('attachments')
        .insert({ ticket_id: ticket.id, uploader_id: agent.id, original_name: 'interne.png', stored_name: 'f'.repeat(32), mime: 'image/png', size: 10, private: true, created_at: now })
        .returning('id');
    });

    it('when the requester downloads her file, should get it as an attachment with its name', async () => {
      const res = await sophie.get(`/pieces-jointes/${fileId}`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="?ecran\.png"?/);
      assert.equal(res.headers['content-type'], 'image/png');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.ok((res.body as Buffer).equals(PNG_1PX));
    });

    it('when another teacher guesses the file id, should get 404', async () => {
      assert.equal((await paul.get(`/pieces-jointes/${fileId}`)).status, 404);
      assert.equal((await paul.get('/pieces-jointes/abc')).status, 404);
    });

    it('when the requester reads the page, should see the public journal, never the private one nor private files', async () => {
      const res = await sophie.get(`/assistance/tickets/${tk.I}`);
      assert.equal(res.status, 200);
      assert.ok(res.text.includes('Bonjour, nous regardons.'));
      assert.ok(!res.text.includes('NOTE-INTERNE-SECRETE'));
      assert.ok(!res.text.includes('interne.png'));
      assert.ok(!/intervenant/i.test(res.text), 'not even the private journal\'s name');
      assert.match(visibleText(res.text), /Journal demandeur \(1\)/);
      assert.equal((await sophie.get(`/pieces-jointes/${privateFileId}`)).status, 404);
    });
  });

  describe('"Mise à jour"', () => {
    it('when the requester adds a message, should list it in the public journal without changing the status', async () => {
      const token = await csrfOf(sophie, `/assistance/tickets/${tk.A}`);
      const res = await sophie.post(`/assistance/tickets/${tk.A}/mise-a-jour`).field('_csrf', token).field('message', 'Le problème persiste <b>ce matin</b>.');
      assert.equal(res.status, 303);
      const page = await sophie.get(`/assistance/tickets/${tk.A}`);
      assert.ok(page.text.includes('Le problème persiste &lt;b&gt;ce matin&lt;/b&gt;.'), 'escaped, never rendered as HTML');
      assert.ok(visibleText(page.text).includes('Votre mise à jour a été ajoutée au ticket.'));
      assert.equal((await t.db('tickets').where({ ref: tk.A }).first()).status, 'affectee');
    });

    it('when the requester answers "À compléter", should send it back to Assignée', async () => {
      const token = await csrfOf(sophie, `/assistance/tickets/${tk.D}`);
      const page = await sophie.get(`/assistance/tickets/${tk.D}`);
      assert.ok(visibleText(page.text).includes('Des informations complémentaires sont attendues de votre part'));
      const res = await sophie.post(`/assistance/tickets/${tk.D}/mise-a-jour`).field('_csrf', token).field('message', 'Voici le numéro du poste : PC-042.');
      assert.equal(res.status, 303);
      const ticket = await t.db('tickets').where({ ref: tk.D }).first();
      assert.equal(ticket.status, 'assignee');
      const h = await t.db('ticket_history').where({ ticket_id: ticket.id, event: 'requester_answered' }).first();
      assert.equal(h.from_status, 'a_completer');
      assert.equal(h.to_status, 'assignee');
    });

    it('when the update is empty, should say what is missing', async () => {
      const token = await csrfOf(sophie, `/assistance/tickets/${tk.A}`);
      const res = await sophie.post(`/assistance/tickets/${tk.A}/mise-a-jour`).field('_csrf', token).field('message', '  ');
      assert.equal(res.status, 422);
      assert.ok(visibleText(res.text).includes('Écrivez un message ou joignez au moins un fichier.'));
    });

    it('when the ticket is closed, should refuse with a clear message and no form', async () => {
      const page = await sophie.get(`/assistance/tickets/${tk.F}`);
      assert.ok(!page.text.includes('/mise-a-jour'), 'no update form on a closed ticket');
      const token = await csrfOf(sophie, `/assistance/tickets/${tk.A}`);
      const res = await sophie.post(`/assistance/tickets/${tk.F}/mise-a-jour`).field('_csrf', token).field('message', 'Encore moi');
      assert.equal(res.status, 409);
      assert.ok(visibleText(res.text).includes('Ce ticket est fermé'));
    });

    it('when a colleague posts an update to her ticket, should get 404', async () => {
      const token = await csrfOf(paul, '/assistance');
      const res = await paul.post(`/assistance/tickets/${tk.A}/mise-a-jour`).field('_csrf', token).field('message', 'intrus');
      assert.equal(res.status, 404);
    });
  });
});
