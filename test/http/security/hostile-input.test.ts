import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { adminPost } from '../../helpers/admin.js';
import { consoleAction } from '../../helpers/console.js';
import { buildTicket, demoUser, subcategoryId } from '../../helpers/factories.js';
import { PNG_1PX, zipOf } from '../../helpers/files.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { inlineScripts, tagsWithHandlers } from '../../helpers/security-clients.js';
import { searchWords } from '../../../src/db/dialect.js';
import { cleanFileName } from '../../../src/features/attachments/attachments.service.js';
import { parseForm } from '../../../src/http/validation.js';
import { parsePaging } from '../../../src/http/paging.js';
import { CreateTicketSchema, ListQuerySchema, NewTicketQuerySchema, ResolutionSchema, UpdateTicketSchema } from '../../../src/features/tickets/tickets.schemas.js';
import { ConsoleActionSchema } from '../../../src/features/agent/agent.schemas.js';

// What a hostile user types is only ever text: escaped wherever it is shown, inert in SQL and
// in the full-text search, harmless in file names; and odd bytes get a 4xx, never a 500.

/** A payload that runs if any page prints it raw: a script, event handlers, attribute and textarea breakouts. */
const xss = (tag: string) =>
  `${tag}<script>alert("${tag}")</script><img src=x onerror=alert("${tag}")>"><svg onload=alert(1)>' onmouseover='alert(2)</textarea><b onclick=alert(3)>x</b>`;
/** The same, escaped as a page must print it. */
const escapedMark = '&lt;script&gt;alert(';

/** Nothing of the payload is live in the page; and, when it should be there, it is there, escaped. */
function assertInert(html: string, where: string, mustShow = true): void {
  assert.deepEqual(tagsWithHandlers(html), [], `${where}: a tag carries an event handler`);
  assert.deepEqual(inlineScripts(html), [], `${where}: an inline <script>`);
  assert.ok(!/<script>alert/i.test(html), `${where}: a raw <script>`);
  assert.ok(!/<svg\b/i.test(html), `${where}: a raw <svg>`);
  assert.ok(!/href\s*=\s*["']?\s*javascript:/i.test(html), `${where}: a javascript: link`);
  if (mustShow) assert.ok(html.includes(escapedMark), `${where}: the payload should be shown, escaped`);
}

const refsOf = (html: string) => [...html.matchAll(/>(R-\d{6,})<\/a>/g)].map((m) => m[1]);

describe('hostile input: text stays text, odd bytes get a 4xx', () => {
  let t: TestApp;
  let sophie: Agent, marie: Agent, antoine: Agent, admin: Agent;
  let sub: number, school: number;

  before(async () => {
    t = await startTestApp();
    sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    sophie = await loginAs(t.app, 'SSEGUR');
    marie = await loginAs(t.app, 'MDURAND');
    antoine = await loginAs(t.app, 'ALEROY');
    admin = await loginAs(t.app, 'ADMIN');
  });
  after(async () => { await t.close(); });

  describe('script in every field, shown everywhere', () => {
    let ref: string;
    let ticketId: number;
    const hostileFile = '<img src=x onerror=alert(7)>.png';

    before(async () => {
      const form = ticketForm({
        subcategory_id: sub, establishment_id: school, visibility: 'managers',
        subject: xss('OBJ').slice(0, 190), detail: xss('DET'), availability: xss('DISPO').slice(0, 490), phone: '05 61 00 00 01',
      });
      const res = await postTicket(sophie, form, [{ name: hostileFile, content: PNG_1PX }]);
      assert.equal(res.status, 303);
      const row = await t.db('tickets').orderBy('id', 'desc').first();
      ref = row.ref;
      ticketId = row.id;
      assert.ok(row.subject.startsWith('OBJ<script>'), 'stored as typed: escaping is the page\'s job');
    });

    it('when the form comes back with errors, should echo every hostile value escaped', async () => {
      const form = ticketForm({ subcategory_id: sub, establishment_id: school, subject: xss('OBJ').slice(0, 190), detail: xss('DET'), availability: xss('DISPO').slice(0, 490), phone: xss('TEL').slice(0, 40) });
      const res = await postTicket(sophie, form);
      assert.equal(res.status, 422, 'the phone accepts digits only');
      assertInert(res.text, 'form with errors');
    });

    it('when the requester and her manager read the lists and the ticket page, should see the payloads escaped', async () => {
      for (const [who, agent, url] of [
        ['requester', sophie, '/assistance/tickets/en-cours?onglet=ouverts'],
        ['requester', sophie, `/assistance/tickets/${ref}`],
        ['manager', marie, '/assistance/tickets/en-cours?onglet=partages'],
        ['manager', marie, `/assistance/tickets/${ref}`],
      ] as const) {
        const res = await agent.get(url);
        assert.equal(res.status, 200, url);
        assertInert(res.text, `${who} ${url}`);
      }
      const page = (await sophie.get(`/assistance/tickets/${ref}`)).text;
      assert.ok(page.includes('&lt;img src=x onerror=alert(7)&gt;.png'), 'the file name, escaped');
    });

    it('when the requester posts a hostile "Mise à jour", should show it escaped on both sides', async () => {
      const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
      const res = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', token).field('message', xss('MAJ'));
      assert.equal(res.status, 303);
      const page = await sophie.get(`/assistance/tickets/${ref}`);
      assertInert(page.text, 'ticket page after the update');
      assert.ok(page.text.includes('MAJ&lt;script&gt;'));
    });

    it('when the agent writes hostile journals, files and a solution, should show them escaped in the console, its history, the lists and to the requester', async () => {
      const token = await csrfOf(antoine, '/agent/tickets/en-cours');
      const page = await antoine.get(`/agent/tickets/${ref}`);
      const version = page.text.match(/name="version" value="(\d+)"/)![1];
      const res = await antoine.post(`/agent/tickets/${ref}`).field('_csrf', token).field('version', version).field('action', 'take')
        .field('private_entry', xss('PRIV')).field('public_entry', xss('PUB')).field('files_public', 'on')
        .attach('attachments', PNG_1PX, '"><svg onload=alert(8)>.png');
      assert.equal(res.status, 303);
      assert.equal((await consoleAction(antoine, ref, { action: 'resolve', solution: xss('SOL') })).status, 303);
      const console = await antoine.get(`/agent/tickets/${ref}`);
      assertInert(console.text, 'agent console');
      for (const mark of ['PRIV&lt;script&gt;', 'PUB&lt;script&gt;', 'SOL&lt;script&gt;', 'DET&lt;script&gt;', '&#34;&gt;&lt;svg onload=alert(8)&gt;.png']) {
        assert.ok(console.text.includes(mark), `the console shows ${mark}`);
      }
      assert.match(console.text, /Fichiers : [^<]*&lt;svg onload=alert\(8\)&gt;\.png/, 'the history names the file, escaped');
      for (const url of ['/agent/tickets/resolus?onglet=par_moi', '/agent/tickets/resolus?onglet=equipe']) assertInert((await antoine.get(url)).text, url);
      const requesterPage = await sophie.get(`/assistance/tickets/${ref}`);
      assertInert(requesterPage.text, 'requester page after resolution');
      assert.ok(!requesterPage.text.includes('PRIV'), 'the private journal stays on the agent side');
      assertInert((await sophie.get('/assistance/tickets/traites?onglet=resolus')).text, 'Tickets traités');
    });

    it('when the admin reads the queued mails, should see them escaped; the mails themselves carry no live HTML nor broken headers', async () => {
      const mails = await t.db('outbox').where({ ticket_id: ticketId }).orderBy('id');
      assert.ok(mails.length >= 3, 'created, public entry, resolved');
      assertInert((await admin.get('/admin/courriels')).text, 'outbox');
      for (const m of mails) {
        assertInert((await admin.get(`/admin/courriels/${m.id}`)).text, `mail ${m.id} (${m.kind})`);
        assert.ok(!/[\r\n]/.test(m.subject), `mail ${m.id}: one-line subject`);
        assert.deepEqual(tagsWithHandlers(m.html_body), [], `mail ${m.id}: HTML body`);
        assert.ok(!/<script/i.test(m.html_body), `mail ${m.id}: no <script> in the HTML body`);
        assert.ok(!m.text_body.includes('PRIV'), `mail ${m.id}: no private journal`);
      }
    });

    it('when the subject carries a line break and a header, should not reach the mail headers', async () => {
      const res = await postTicket(sophie, ticketForm({ subject: 'Panne\r\nBcc: pirate@example.com', subcategory_id: sub, establishment_id: school }));
      assert.equal(res.status, 303);
      const row = await t.db('tickets').orderBy('id', 'desc').first();
      const mail = await t.db('outbox').where({ ticket_id: row.id }).first();
      assert.ok(!/[\r\n]/.test(mail.subject), mail.subject);
    });

    it('when the admin writes a hostile article, should render it inert in the admin, the FAQ, the fiches, the search and the audit log', async () => {
      const body = [
        xss('ART'),
        '[cliquez](javascript:alert(9)) [ici](JaVaScRiPt:alert(10)) <a href="javascript:alert(11)">lien</a>',
        '<iframe src="https://example.com"></iframe><style>body{display:none}</style>',
        '![image](x" onerror="alert(12))',
      ].join('\n\n');
      for (const kind of ['faq', 'fiche']) {
        const res = await adminPost(admin, '/admin/articles', { kind, title: xss('TITRE').slice(0, 190), body, keywords: `hostilemot ${xss('KW').slice(0, 300)}`, service_id: '', position: 0, published: 'on' });
        assert.equal(res.status, 303, kind);
      }
      const article = await t.db('knowledge_articles').where({ kind: 'fiche' }).orderBy('id', 'desc').first();
      for (const [agent, url, mustShow] of [
        [admin, '/admin/articles', true],
        [admin, `/admin/articles/${article.id}`, true],
        [admin, '/admin/journal', true],
        [sophie, '/assistance/faq', true],
        [sophie, '/assistance/fiches', true],
        [sophie, `/assistance/fiches/${article.id}`, true],
        [sophie, '/assistance/recherche?q=hostilemot', false],
      ] as const) {
        const res = await agent.get(url);
        assert.equal(res.status, 200, url);
        assertInert(res.text, url, mustShow);
        assert.ok(!/<iframe|<style/i.test(res.text), `${url}: raw iframe or style`);
      }
      assert.ok(/TITRE&lt;script&gt;/.test((await sophie.get('/assistance/recherche?q=hostilemot')).text), 'the search lists the article, escaped');
    });

    it('when hostile text comes back in the URL (search, filters, login, lost password, a 404), should print it escaped', async () => {
      const x = encodeURIComponent(xss('URL').slice(0, 90)); // list filters keep 100 characters at most
      for (const url of [`/assistance/recherche?q=${x}`, `/assistance/recherche?q=onde&filtre=${x}`, `/assistance/tickets/en-cours?q=${x}`, `/admin/utilisateurs?q=${x}`]) {
        const agent = url.startsWith('/admin') ? admin : sophie;
        const res = await agent.get(url);
        assert.equal(res.status, 200, url);
        assertInert(res.text, url);
      }
      const anon = request.agent(t.app);
      const login = await anon.get(`/login?next=${encodeURIComponent('/"><script>alert(1)</script>')}`);
      assertInert(login.text, 'login page with a hostile next', false);
      const token = login.text.match(/name="_csrf" value="([^"]+)"/)![1];
      const failed = await anon.post('/login').type('form').send({ _csrf: token, identifiant: xss('ID').slice(0, 60), password: 'x' });
      assert.equal(failed.status, 401);
      assertInert(failed.text, 'failed login', false);
      assert.ok(failed.text.includes('ID&lt;script&gt;'), 'the identifiant is echoed, escaped');
      const lost = await anon.post('/mot-de-passe-perdu').type('form').send({ _csrf: token, identifiant: xss('PERDU').slice(0, 60) });
      assert.equal(lost.status, 200);
      assertInert(lost.text, 'lost password', false);
      const missing = await sophie.get(`/assistance/tickets/${encodeURIComponent('<script>alert(1)</script>')}`);
      assert.equal(missing.status, 404);
      assertInert(missing.text, '404 page', false);
    });
  });

  describe('SQL and full-text syntax', () => {
    const nasty = [
      "'", '"', '""', '"unterminated', '*', '*ONDE', 'ONDE*', '^onde', 'AND', 'OR NOT', 'NOT', 'a AND', 'NEAR(a b, 2)', 'domain:webmail',
      'service : onde', '{domain grp}: onde', 'a -b', '+', '(', ')', '[', ']', "'; DROP TABLE tickets; --", "' OR 1=1 --", '" OR ""="', '%', '_', '\\', '%_\\%',
      'é', 'Ⓐ', '😀', 'x'.repeat(500), 'onde '.repeat(40), '\u202Eedno', 'null', 'undefined', '$where', '{"$gt": ""}',
    ];

    it('when the keyword search gets SQL or FTS5 syntax, should answer 200 every time and keep the tables', async () => {
      for (const q of nasty) {
        for (const url of [`/assistance/recherche?q=${encodeURIComponent(q)}`, `/assistance/recherche?q=onde&filtre=${encodeURIComponent(q)}`]) {
          const res = await sophie.get(url);
          assert.equal(res.status, 200, `${url} → ${res.status}`);
        }
      }
      assert.ok(Number((await t.db('tickets').count({ n: '*' }))[0].n) > 0, 'tickets still there');
    });

    it('when the list filters, tabs, sorts and pages get SQL, should answer 200 every time', async () => {
      const lists: Array<[Agent, string]> = [
        [sophie, '/assistance/tickets/en-cours'], [sophie, '/assistance/tickets/traites'], [antoine, '/agent/tickets/en-cours'],
        [antoine, '/agent/tickets/resolus'], [admin, '/admin/utilisateurs'], [admin, '/admin/etablissements'], [admin, '/admin/courriels'], [admin, '/admin/journal'],
      ];
      for (const [agent, base] of lists) {
        for (const q of nasty) {
          const res = await agent.get(`${base}?q=${encodeURIComponent(q)}&onglet=${encodeURIComponent(q)}&tri=${encodeURIComponent(q)}&objet=${encodeURIComponent(q)}`);
          assert.equal(res.status, 200, `${base} with ${q}`);
        }
        for (const paging of ['page=-1', 'page=1e9', 'par_page=100000', 'page=1;DROP', 'par_page=-5', 'page[]=2']) {
          assert.equal((await agent.get(`${base}?${paging}`)).status, 200, `${base}?${paging}`);
        }
      }
    });

    it('when a list filter is a LIKE wildcard, should match it literally, not everything', async () => {
      const s = await demoUser(t.db, 'SSEGUR');
      await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'Sans joker' });
      for (const q of ['%', '_', '\\']) {
        const res = await sophie.get(`/assistance/tickets/en-cours?onglet=ouverts&q=${encodeURIComponent(q)}`);
        assert.deepEqual(refsOf(res.text), [], `q=${q}`);
      }
    });
  });

  describe('null bytes and broken UTF-8', () => {
    const queries = ['%00', 'a%00b', '%FF', '%C3%28', '%E2%82', '%ED%A0%80', '%F4%90%80%80', '%', '%%', '%G1', 'a%', '%0D%0ASet-Cookie:%20x=1'];

    it('when a query string carries them, should answer 200 or 4xx, never 500', async () => {
      const pages: Array<[Agent, string]> = [
        [sophie, '/assistance/recherche?q='], [sophie, '/assistance/tickets/en-cours?q='], [sophie, '/assistance/tickets/nouveau?type=incident&sous_categorie='],
        [antoine, '/agent/tickets/en-cours?q='], [admin, '/admin/utilisateurs?q='], [admin, '/admin/satisfaction?du='], [sophie, '/login?next='],
      ];
      for (const [agent, base] of pages) {
        for (const q of queries) {
          const res = await agent.get(base + q);
          assert.ok(res.status < 500, `${base}${q} → ${res.status}`);
          assert.ok(![res.headers['set-cookie'] ?? []].flat().some((c) => /^x=1/.test(c)), 'no injected cookie');
        }
      }
    });

    it('when a URL path carries them, should answer 4xx, never 500', async () => {
      for (const p of ['/assistance/tickets/%FF', '/assistance/tickets/R-%00', '/assistance/tickets/%E0%A4%A', '/pieces-jointes/%00', '/pieces-jointes/1%00',
        '/assistance/fiches/%C3%28', '/agent/tickets/%', '/admin/utilisateurs/%ED%A0%80', '/assistance/services/service/%FF', '/%00', '/static/%2e%2e/%2e%2e/package.json']) {
        const agent = p.startsWith('/admin') ? admin : p.startsWith('/agent') ? antoine : sophie;
        const res = await agent.get(p);
        assert.ok(res.status >= 400 && res.status < 500, `${p} → ${res.status}`);
      }
    });

    it('when a form field carries them (urlencoded or multipart), should answer 4xx or succeed, never 500, and never store a NUL', async () => {
      const ref = await buildTicket(t.services, (await demoUser(t.db, 'SSEGUR')).id, { subcategory_id: sub });
      const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
      for (const raw of ['a%00b', '%00', '%FF%FE', '%C3%28', '%E2%82', '%', '%%41', 'message%00=x']) {
        const res = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).type('form').send(`_csrf=${token}&message=${raw}`);
        assert.ok(res.status < 500, `message=${raw} → ${res.status}`);
      }
      const nul = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', token).field('message', 'avant\u0000après');
      assert.equal(nul.status, 422);
      // A multipart body written by hand: raw bytes that are not UTF-8 in a field and in a file name.
      const boundary = 'xBOUNDARYx';
      const part = (headers: string, body: Buffer | string) => Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(body), Buffer.from('\r\n')]);
      const multipart = Buffer.concat([
        part('Content-Disposition: form-data; name="_csrf"', token),
        part('Content-Disposition: form-data; name="message"', Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0x62])),
        part(`Content-Disposition: form-data; name="attachments"; filename="${Buffer.from([0xff, 0x2e, 0x70, 0x6e, 0x67]).toString('latin1')}"\r\nContent-Type: image/png`, PNG_1PX),
        Buffer.from(`--${boundary}--\r\n`),
      ]);
      const res = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(multipart);
      assert.ok(res.status < 500, `raw bytes in multipart → ${res.status}`);
      // Cut short (a dropped connection, a wrong boundary): the client's fault, a 400.
      for (const broken of [multipart.subarray(0, multipart.length - 40), Buffer.from('--autre\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--autre--\r\n')]) {
        const cut = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(broken);
        assert.equal(cut.status, 400, `a broken multipart body → ${cut.status}`);
      }
      const login = await request(t.app).post('/login').type('form').send('identifiant=%00%FF&password=%00');
      assert.ok(login.status < 500, `login → ${login.status}`);
      const bodies: string[] = await t.db('journal_entries').pluck('body');
      assert.ok(!bodies.some((b) => b.includes('\u0000')), 'no NUL stored');
    });
  });

  describe('archives and big files', () => {
    const contentTypes = Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>');
    const zeros = Buffer.alloc(200 * 1024 * 1024);
    // Temp files go when the response ends: give the deletion a moment.
    const tmpEmpty = async () => {
      for (let i = 0; i < 20 && fs.readdirSync(t.config.uploadTmpDir).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
      return fs.readdirSync(t.config.uploadTmpDir).length === 0;
    };

    it('when a zip bomb comes as a picture or as a bare archive, should refuse it without unpacking it', async () => {
      const bombs = [
        { name: 'capture.png', content: zipOf([{ name: 'bombe.txt', data: zeros }]) },
        { name: 'archive.zip', content: zipOf([{ name: 'bombe.txt', data: zeros }]) },
        // A bomb where the sniffer looks (the office documents' table of contents): read as a plain zip.
        { name: 'rapport.docx', content: zipOf([{ name: '[Content_Types].xml', data: Buffer.concat([contentTypes, zeros]) }]) },
      ];
      for (const bomb of bombs) {
        const started = Date.now();
        const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Bombe' }), [bomb]);
        assert.equal(res.status, 422, bomb.name);
        assert.match(visibleText(res.text), new RegExp(`Le fichier « ${bomb.name.replace('.', '\\.')} » n'est pas d'un type accepté`));
        assert.ok(Date.now() - started < 3000, `${bomb.name}: answered in ${Date.now() - started} ms`);
      }
      assert.ok(await tmpEmpty(), 'nothing left in the temp folder');
    });

    it('when an office document carries a bomb inside, should store it as sent, never unpacked', async () => {
      const docx = zipOf([{ name: '[Content_Types].xml', data: contentTypes }, { name: 'word/document.xml', data: zeros }]);
      const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Document piégé' }), [{ name: 'rapport.docx', content: docx }]);
      assert.equal(res.status, 303);
      const ticket = await t.db('tickets').where({ subject: 'Document piégé' }).first('id');
      const file = await t.db('attachments').where({ ticket_id: ticket.id }).first();
      assert.equal(file.size, docx.length, `stored as sent: ${docx.length} bytes, not 200 MB`);
      assert.equal(fs.statSync(t.services.attachments.filePath(file)).size, docx.length);
      const download = await sophie.get(`/pieces-jointes/${file.id}`).buffer(true).parse((r, cb) => { const parts: Buffer[] = []; r.on('data', (c: Buffer) => parts.push(c)); r.on('end', () => cb(null, Buffer.concat(parts))); });
      assert.match(String(download.headers['content-disposition']), /^attachment;/);
      assert.equal((download.body as Buffer).length, docx.length);
    });

    it('when a 50 MB file is sent, should stop reading at the limit, say it and keep the text', async function () {
      this.timeout(60_000);
      const big = Buffer.concat([PNG_1PX, Buffer.alloc(50 * 1024 * 1024)]);
      const before = Number((await t.db('tickets').count({ n: '*' }).first())!.n);
      const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Énorme capture' }), [{ name: 'enorme.png', content: big }]);
      assert.equal(res.status, 422);
      assert.match(visibleText(res.text), /Chaque pièce jointe doit faire au plus 10 Mo\./);
      assert.ok(res.text.includes('value="Énorme capture"'), 'the subject is kept');
      assert.equal(Number((await t.db('tickets').count({ n: '*' }).first())!.n), before);
      assert.ok(await tmpEmpty(), 'the partial file is deleted');
    });
  });

  describe('upload file names', () => {
    const cases: Array<[string, string]> = [
      ['../../etc/passwd.png', 'passwd.png'],
      ['..\\..\\windows\\win.ini.png', 'win.ini.png'],
      ['CON.png', '_CON.png'],
      ['nul.png', '_nul.png'],
      ['LPT1.png', '_LPT1.png'],
      ['com9', '_com9'],
      ['.htaccess.png', 'htaccess.png'],
      ['../.png', 'png'],
      [`${'a'.repeat(300)}.png`, `${'a'.repeat(176)}.png`],
    ];

    // busboy already drops the folders of a multipart file name; cleanFileName does it again (see the properties below).
    it('when file names carry path traversal or Windows device names, should store them under a random name and show a safe name', async () => {
      const ref = await buildTicket(t.services, (await demoUser(t.db, 'SSEGUR')).id, { subcategory_id: sub });
      const ticket = await t.db('tickets').where({ ref }).first();
      const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
      for (const [sent, shown] of cases) {
        const res = await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', token).field('message', '').attach('attachments', PNG_1PX, sent);
        assert.equal(res.status, 303, sent);
        const row = await t.db('attachments').where({ ticket_id: ticket.id }).orderBy('id', 'desc').first();
        assert.equal(row.original_name, shown, sent);
        assert.match(row.stored_name, /^[0-9a-f]{32}$/);
        const stored = t.services.attachments.filePath(row);
        assert.equal(path.dirname(stored), t.config.uploadDir);
        assert.ok(fs.readFileSync(stored).equals(PNG_1PX));
        const download = await sophie.get(`/pieces-jointes/${row.id}`);
        assert.equal(download.status, 200);
        assert.match(String(download.headers['content-disposition']), new RegExp(`^attachment; filename="?${shown.replace(/\./g, '\\.')}"?$`), 'the browser saves it under the safe name');
      }
      assert.equal(fs.existsSync(path.join(t.config.dataDir, '..', 'etc', 'passwd.png')), false);
      assert.equal(fs.existsSync(path.join(t.config.dataDir, 'etc')), false);
      for (const f of fs.readdirSync(t.config.uploadDir)) assert.match(f, /^[0-9a-f]{32}$/, 'only random names in uploads/');
    });
  });

  describe('properties (fast-check)', () => {
    /** What users type, and what attackers type: FTS5 operators, quotes, odd Unicode. */
    const searchInput = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.array(fc.constantFrom('"', '""', '*', '^', ':', '(', ')', '-', '+', ',', '{', '}', 'AND', 'OR', 'NOT', 'NEAR', 'NEAR(', 'domain:', "'", '\\', '%', '_', ';', '--',
        '\u0000', ' ', '\t', '\n', 'é', 'e\u0301', 'ß', 'İ', 'ǅ', '²', 'Ⅷ', '𝔘', '😀', '\u202E', '\uFEFF', '\uD800', '\uDC00', '𞤀', 'onde', 'ONDE', 'webmail', '0'),
      { maxLength: 25 }).map((a) => a.join('')),
    );
    it('when searchWords gets any input, should never throw and keep only words of letters and digits (12 at most)', () => {
      fc.assert(fc.property(searchInput, (input) => {
        const words = searchWords(input);
        assert.ok(words.length <= 12);
        for (const w of words) assert.match(w, /^[\p{L}\p{N}]+$/u);
        return true;
      }), { numRuns: 2000 });
    });

    it("when any input runs through the engine's full-text search (catalogue and FAQ), should never be a syntax error", async () => {
      const sophie = (await t.services.users.loadCurrentUser((await t.db('users').where({ identifiant: 'SSEGUR' }).first('id')).id))!;
      await fc.assert(fc.asyncProperty(searchInput, async (input) => {
        await t.services.catalogue.search(sophie, input, 20, 0);
        await t.services.knowledge.search(input);
        // Letters unaccent turns into punctuation ("ː" into ":") once made "::*" on PostgreSQL.
      }), { numRuns: 400, examples: [['\u{10781}'], ['ː'], ['ːx accès'], ["ʼ"], ['℃']] });
    });

    const fileNames = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.constantFrom('..', '/', '\\', '.', ' ', 'CON', 'nul', 'com1', 'LPT9', 'aux', '.png', '.txt', '\u0000', '\u0001', '\u001f', '\u007f', '\t', '\n', 'é', 'Ã©',
        '\uFFFD', 'a'.repeat(60), 'ç', '\u00A0', 'C:', '%2e%2e', '<', '>', '"'), { maxLength: 20 }).map((a) => a.join('')),
    );
    const DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

    it('when cleanFileName gets any name, should return a non-empty name without folders, C0 controls, leading dots, nor a bare device name, 180 characters at most', () => {
      fc.assert(fc.property(fileNames, (raw) => {
        const name = cleanFileName(raw);
        assert.ok(name.length > 0 && name.length <= 180, `length ${name.length}`);
        assert.ok(!/[/\\]/.test(name), 'no folder separator');
        assert.ok(!/[\u0000-\u001f\u007f]/.test(name), 'no C0 control nor DEL');
        assert.ok(!/^[.\s]/.test(name), 'no leading dot or space');
        assert.ok(!DEVICE.test(name), 'not a Windows device name');
      }), { numRuns: 2000 });
    });

    it('when cleanFileName gets any name, should keep no Unicode control character at all (C1 and bidi overrides included)', () => {
      // as busboy hands them: the UTF-8 bytes of the name read as latin1
      const asBusboyGivesThem = ['a\u0085b.png', 'facture\u202Efdp.png', 'x\u009b.png'].map((n) => Buffer.from(n).toString('latin1'));
      fc.assert(fc.property(fc.oneof(fileNames, fc.constantFrom(...asBusboyGivesThem)), (raw) => {
        assert.ok(!/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(cleanFileName(raw)));
      }), { numRuns: 2000 });
    });

    /** A form body as an attacker may send it: known and unknown keys, strings, arrays, odd values. */
    const formBody = (keys: string[]) => fc.dictionary(
      fc.oneof(fc.constantFrom(...keys, '_form', '__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 10 })),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constantFrom('', ' ', '0', '-1', '1', '1.5', '1e3', '99999999999999999999', 'NaN', 'Infinity', 'incident', 'request', 'self', 'managers',
          'personne', 'moyenne', 'accept', 'refuse', 'take', 'resolve', '\u0000', 'on', 'true'),
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
        fc.constant(undefined), fc.constant(null), fc.integer(), fc.double(), fc.boolean(), fc.object({ maxDepth: 1 }),
      ),
      { maxKeys: 16 },
    );
    const schemas = [
      ['CreateTicketSchema', CreateTicketSchema], ['UpdateTicketSchema', UpdateTicketSchema], ['ResolutionSchema', ResolutionSchema],
      ['NewTicketQuerySchema', NewTicketQuerySchema], ['ConsoleActionSchema', ConsoleActionSchema],
    ] as const;

    for (const [name, schema] of schemas) {
      it(`when ${name} parses any body, should never throw, and every failure should be a French message on a known field`, () => {
        const keys = Object.keys(schema.shape);
        fc.assert(fc.property(fc.oneof(formBody(keys), fc.anything()), (body) => {
          const result = parseForm(schema, body);
          if (result.ok) return;
          const entries = Object.entries(result.errors);
          assert.ok(entries.length > 0, 'a failure names at least one field');
          for (const [field, message] of entries) {
            assert.ok(field === '_form' || keys.includes(field), `unknown field ${field}`);
            assert.equal(typeof message, 'string');
            assert.ok(message.length > 0);
            assert.ok(!/^(Invalid|Expected|Required)\b/.test(message), `an English message: ${message}`);
          }
        }), { numRuns: 1000 });
      });
    }

    it('when CreateTicketSchema accepts a body, should hand over only checked values', () => {
      fc.assert(fc.property(formBody(Object.keys(CreateTicketSchema.shape)), (body) => {
        const result = parseForm(CreateTicketSchema, body);
        if (!result.ok) return;
        const d = result.data;
        assert.ok(Number.isInteger(d.subcategory_id) && d.subcategory_id > 0);
        assert.ok(d.subject.length > 0 && d.subject.length <= 200 && !d.subject.includes('\u0000'));
        assert.ok(!d.detail.includes('\u0000'));
        assert.deepEqual(Object.keys(d).sort(), Object.keys(CreateTicketSchema.shape).filter((k) => k in d).sort(), 'no unknown key survives');
      }), { numRuns: 1000 });
    });

    it('when a list query string is anything, should fall back to defaults instead of throwing', () => {
      // Express always hands an object as req.query.
      fc.assert(fc.property(fc.oneof(formBody(['onglet', 'tri', 'q', 'page', 'par_page']), fc.object()), (query) => {
        const q = ListQuerySchema.parse(query);
        assert.ok(['date_desc', 'date_asc', 'priority', 'status'].includes(q.tri));
        const p = parsePaging(query);
        assert.ok(p.page >= 1 && [10, 20, 50, 100].includes(p.perPage));
      }), { numRuns: 1000 });
    });
  });
});
