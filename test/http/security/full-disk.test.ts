import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { skipUnless, startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { subcategoryId } from '../../helpers/factories.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { PNG_1PX } from '../../helpers/files.js';
import { createLogger } from '../../../src/logger.js';
import { DETAIL_MAX } from '../../../src/features/tickets/tickets.schemas.js';

const DETAIL = 'Texte-confidentiel-du-demandeur : le poste de la salle 12 ne démarre plus. '.repeat(400).slice(0, 9000).trim();

/** The longest detail the form takes. */
const LONGEST = DETAIL.repeat(3).slice(0, DETAIL_MAX).trim();

/** The textarea "Détail de la demande" as the form gives it back. */
const detailBack = (html: string) => html.match(/<textarea[^>]*name="detail"[^>]*>([\s\S]*?)<\/textarea>/)?.[1].trim() ?? '';

describe('SQLite full disk: a clear message, the text kept, nothing half-written', () => {
  let t: TestApp;
  let sophie: Agent;
  let form: Record<string, string>;
  const logs: string[] = [];

  before(async function () {
    skipUnless('sqlite', this);
    const sink = new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } });
    t = await startTestApp({}, { logger: createLogger('info', sink) });
    const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    form = ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Poste bloqué salle 12', detail: DETAIL });
    sophie = await loginAs(t.app, 'SSEGUR');
  });
  after(async () => { await t?.close(); });

  const ticketCount = async () => Number((await t.db('tickets').count({ n: '*' }).first())!.n);
  const storedFiles = () => fs.readdirSync(t.config.uploadDir, { withFileTypes: true }).filter((d) => d.isFile()).length;

  it('when the database cannot grow, should give the form back with the message and everything typed, and create nothing', async () => {
    fs.mkdirSync(t.config.uploadDir, { recursive: true });
    const [ticketsBefore, filesBefore, journalBefore] = [await ticketCount(), storedFiles(), Number((await t.db('journal_entries').count({ n: '*' }).first())!.n)];
    // The app's one SQLite connection may not add a page: SQLite answers SQLITE_FULL, as on a full disk.
    await t.db.raw('VACUUM');
    const [{ page_count: pages }] = await t.db.raw('PRAGMA page_count');
    await t.db.raw(`PRAGMA max_page_count = ${pages}`);
    let res;
    try {
      res = await postTicket(sophie, form, [{ name: 'capture.png', content: PNG_1PX }]);
    } finally {
      await t.db.raw('PRAGMA max_page_count = 1073741823');
    }
    assert.equal(res.status, 507);
    const text = visibleText(res.text);
    assert.ok(text.includes("le serveur manque d'espace disque"), 'the message says what happened');
    assert.ok(text.includes('votre texte est conservé ci-dessous'));
    assert.ok(detailBack(res.text) === DETAIL.replace(/'/g, '&#39;'), 'the detail comes back whole');
    assert.ok(res.text.includes('value="Poste bloqué salle 12"'), 'the subject too');
    assert.ok(text.includes('les pièces jointes doivent être sélectionnées à nouveau'), 'the user is told to attach the file again');
    assert.equal(await ticketCount(), ticketsBefore, 'no ticket');
    assert.equal(Number((await t.db('journal_entries').count({ n: '*' }).first())!.n), journalBefore, 'no journal entry');
    assert.equal(storedFiles(), filesBefore, 'the file moved in for the ticket was taken back');

    const logged = logs.join('');
    assert.match(logged, /"code":"SQLITE_FULL"/, 'the operator sees why');
    assert.ok(!logged.includes('Texte-confidentiel'), 'the SQL and its values stay out of the logs: ' + logs.filter((l) => l.includes('Texte-confidentiel')).map((l) => l.slice(0, 600)).join('\n'));

    // Space is back: the same form goes through.
    const again = await postTicket(sophie, form, [{ name: 'capture.png', content: PNG_1PX }]);
    assert.equal(again.status, 303);
    assert.equal(await ticketCount(), ticketsBefore + 1);
  });

  it('when the disk fills in the middle of concurrent creations, should give the failing one its form back and record every other ticket exactly once', async () => {
    const pageCount = async () => Number((await t.db.raw('PRAGMA page_count'))[0].page_count);
    const big = (subject: string) => ({ ...form, subject, detail: LONGEST });
    const small = (subject: string) => ({ ...form, subject, detail: 'Le poste ne démarre plus.' });
    // How many pages one small and one big creation add, each from a freshly compacted file.
    const growth = async (fields: Record<string, string>) => {
      await t.db.raw('VACUUM');
      const before = await pageCount();
      assert.equal((await postTicket(sophie, fields)).status, 303);
      return (await pageCount()) - before;
    };
    const smallPages = await growth(small('Mesure petite'));
    const bigPages = await growth(big('Mesure grande'));
    const room = 2 * smallPages + 1;
    assert.ok(bigPages > room, `the big creation (${bigPages} pages) must not fit in the room left (${room})`);

    await t.db.raw('VACUUM');
    await t.db.raw(`PRAGMA max_page_count = ${(await pageCount()) + room}`);
    let results;
    try {
      const token = await csrfOf(sophie, '/assistance');
      results = await Promise.all([small('Lot a'), big('Lot grand'), small('Lot b')].map((f) => postTicket(sophie, f, [], { csrf: token })));
    } finally {
      await t.db.raw('PRAGMA max_page_count = 1073741823');
    }
    assert.deepEqual(results.map((r) => r.status), [303, 507, 303]);
    assert.ok(visibleText(results[1].text).includes("le serveur manque d'espace disque"));
    assert.ok(detailBack(results[1].text) === LONGEST.replace(/'/g, '&#39;'), 'the failing user gets the detail back whole');
    assert.ok(results[1].text.includes('value="Lot grand"'));

    const recorded = async (table: string, column: string) =>
      (await t.db(table).join('tickets', 'tickets.id', `${table}.${column}`).whereLike('tickets.subject', 'Lot %').select('tickets.subject')).map((r) => r.subject).sort();
    assert.deepEqual((await t.db('tickets').whereLike('subject', 'Lot %').orderBy('subject').select('subject')).map((r) => r.subject), ['Lot a', 'Lot b'], 'each ticket once, none of the failed one');
    assert.deepEqual(await recorded('ticket_history', 'ticket_id'), ['Lot a', 'Lot b'], 'one history row each');
    const mails = await recorded('outbox', 'ticket_id');
    assert.deepEqual(mails, ['Lot a', 'Lot a', 'Lot b', 'Lot b'], 'its two mails each (requester, team), once');
  });

  it('when an uploaded file cannot be written, should say so next to "Pièces jointes" and keep the text', async () => {
    const ticketsBefore = await ticketCount();
    const tmpDir = t.config.uploadTmpDir;
    // Every write into the upload folder goes to /dev/full: the kernel answers ENOSPC.
    const original = fs.createWriteStream;
    (fs as { createWriteStream: unknown }).createWriteStream = (p: fs.PathLike, o?: unknown) =>
      String(p).startsWith(tmpDir) ? original('/dev/full', o as never) : original(p, o as never);
    let res;
    try {
      res = await postTicket(sophie, form, [{ name: 'capture.png', content: Buffer.concat([PNG_1PX, Buffer.alloc(256 * 1024)]) }]);
    } finally {
      (fs as { createWriteStream: unknown }).createWriteStream = original;
    }
    assert.equal(res.status, 422);
    const text = visibleText(res.text);
    assert.ok(text.includes("Les pièces jointes n'ont pas pu être enregistrées : le serveur manque d'espace disque."));
    assert.ok(detailBack(res.text) === DETAIL.replace(/'/g, '&#39;'), 'the detail comes back whole');
    assert.equal(await ticketCount(), ticketsBefore);
    assert.deepEqual(fs.readdirSync(tmpDir), [], 'no partial file left behind');
  });
});
