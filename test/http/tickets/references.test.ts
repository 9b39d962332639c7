import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText } from '../../helpers/agent.js';
import { buildTicket, demoUser, subcategoryId } from '../../helpers/factories.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { setNextTicketId } from '../../helpers/engine.js';

describe('references, duplicates and restarts', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it('when 50 tickets are created at the same moment, should give 50 distinct R-###### references', async () => {
    const sophie = await loginAs(t.app, 'SSEGUR');
    const token = await csrfOf(sophie, '/assistance');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: `Concurrent ${i}` }), [], { csrf: token })),
    );
    assert.ok(results.every((r) => r.status === 303), results.map((r) => r.status).join(','));
    const rows = await t.db('tickets').where('subject', 'like', 'Concurrent %').select('ref');
    assert.equal(rows.length, 50);
    const refs = new Set(rows.map((r: { ref: string }) => r.ref));
    assert.equal(refs.size, 50);
    for (const ref of refs) assert.match(ref, /^R-\d{6}$/);
    // Each answer names its own ticket, and each ticket has its history and its mails.
    const announced = results.map((r) => {
      const cookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((c) => c.startsWith('guichet.flash='))!;
      const signed = decodeURIComponent(cookie.split(';')[0].slice('guichet.flash='.length));
      const message = JSON.parse(Buffer.from(signed.slice(0, signed.lastIndexOf('.')), 'base64url').toString()).message as string;
      return message.match(/R-\d{6}/)![0];
    });
    const subjectOf = new Map((await t.db('tickets').whereIn('ref', announced).select('ref', 'subject')).map((r) => [r.ref, r.subject]));
    assert.deepEqual(announced.map((ref) => subjectOf.get(ref)), results.map((_, i) => `Concurrent ${i}`));
    const created = await t.db('tickets as t').where('t.subject', 'like', 'Concurrent %')
      .select('t.ref', t.db.raw("(SELECT count(*) FROM ticket_history h WHERE h.ticket_id = t.id AND h.event = 'created') AS history"),
        t.db.raw("(SELECT count(*) FROM outbox o WHERE o.ticket_id = t.id AND o.kind = 'ticket_created' AND o.subject LIKE '[' || t.ref || ']%') AS mails"));
    assert.deepEqual(created.filter((r) => r.history !== 1 || r.mails !== 1), [], 'one history line and one mail each');
  });

  it('when the ids pass a million, should give R-1000000 and on, the same reference the page and the mail show', async () => {
    const sophie = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    await setNextTicketId(t.db, 1_000_000);
    const ref = await buildTicket(t.services, sophie.id, { subcategory_id: sub, subject: 'Le millionième' });
    assert.equal(ref, 'R-1000000');
    const row = await t.db('tickets').where({ ref }).first('id', 'subject');
    assert.deepEqual(row, { id: 1_000_000, subject: 'Le millionième' });
    const mail = await t.db('outbox').where({ ticket_id: row.id, kind: 'ticket_created' }).first('subject', 'text_body');
    assert.equal(mail.subject, '[R-1000000] Votre demande a été créée : Le millionième');
    const page = await (await loginAs(t.app, 'SSEGUR')).get(`/assistance/tickets/${ref}`);
    assert.equal(page.status, 200);
    assert.ok(visibleText(page.text).includes('Le millionième'));
  });

  it('when an open ticket exists on the same service, should point to it on the form before "Valider"', async () => {
    const marie = await demoUser(t.db, 'MDURAND');
    const sophie = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Poste de direction', 'Panne matérielle');
    const sub2 = await subcategoryId(t.db, 'Poste de direction', 'Demande de matériel');
    const shared = await buildTicket(t.services, sophie.id, { subcategory_id: sub, subject: 'Écran noir au bureau', visibility: 'managers' });
    const own = await buildTicket(t.services, sophie.id, { subcategory_id: sub, subject: 'Mon poste privé' });
    const agent = await loginAs(t.app, 'MDURAND');
    const res = await agent.get(`/assistance/tickets/nouveau?sous_categorie=${sub2}&type=request`);
    const text = visibleText(res.text);
    assert.ok(text.includes('Un ticket est peut-être déjà ouvert pour ce problème'));
    assert.ok(text.includes(`${shared} — Écran noir au bureau`), "the school's shared ticket is shown to its responsable");
    assert.ok(!text.includes(own), 'a private ticket of a colleague is not');
    void marie;
  });

  it('when the app starts again on the same database, should not duplicate anything', async () => {
    const count = async (table: string) => Number((await t.db(table).count({ n: '*' }))[0].n);
    const tables = ['users', 'establishments', 'teams', 'cat_domains', 'cat_subcategories', 'portal_sections', 'portal_tools', 'settings', 'tickets'];
    const before = await Promise.all(tables.map(count));
    await t.database.migrateAndSeed();
    assert.deepEqual(await Promise.all(tables.map(count)), before);
    const ftsRows = Number((await t.db('catalogue_fts').count({ n: '*' }))[0].n);
    assert.equal(ftsRows, before[tables.indexOf('cat_subcategories')]);
  });
});
