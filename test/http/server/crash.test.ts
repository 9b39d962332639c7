import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { DatabaseTarget } from '../../../src/db/database.js';
import { freshDatabase } from '../../helpers/app.js';
import { databaseEnv, integrityProblems, knexOn } from '../../helpers/engine.js';
import { startServer, withCookies, type ServerProcess } from '../../helpers/server-process.js';
import { PNG_1PX } from '../../helpers/files.js';
import { subcategoryId } from '../../helpers/factories.js';

/** A browser's session against the live server: its cookie and its CSRF token. */
interface Session {
  cookie: string;
  csrf: string;
}

const csrfIn = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)![1];

async function login(base: string, identifiant: string): Promise<Session> {
  const page = await fetch(`${base}/login`);
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: withCookies('', page), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfIn(await page.text()), identifiant, password: 'demo' }),
  });
  assert.equal(res.status, 303, `login of ${identifiant}`);
  const home = await fetch(`${base}/assistance`, { headers: { cookie: withCookies('', res) } });
  return { cookie: withCookies(withCookies('', res), home), csrf: csrfIn(await home.text()) };
}

/** The bytes attached to creation number i: a real PNG, different for each. */
const fileFor = (i: number) => Buffer.concat([PNG_1PX, crypto.createHash('sha256').update(`crash-${i}`).digest(), Buffer.alloc(16 * 1024, i % 256)]);
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

function ticketFields(i: number, sub: number, school: number): Record<string, string> {
  return {
    subcategory_id: String(sub), kind: 'incident', establishment_id: String(school), visibility: 'self', beneficiary_id: '',
    business_team_id: '', subject: `CRASH-${i}`, detail: `Création ${i} pendant le test d'arrêt brutal.`, phone: '05 61 00 00 01',
    availability: 'Toute la journée', impact: 'personne', urgency: 'moyenne',
  };
}

function ticketForm(session: Session, fields: Record<string, string>, file: Buffer): FormData {
  const form = new FormData();
  form.set('_csrf', session.csrf);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('attachments', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'capture.png');
  return form;
}

describe('nothing lost: SIGKILL in the middle of creations, SIGTERM with a request in flight', function () {
  this.timeout(120_000);
  let dir: string;
  let server: ServerProcess | null = null;
  let db: Knex | null = null;
  let target: DatabaseTarget;
  let drop: () => Promise<void>;
  let sub: number, school: number;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-crash-'));
    ({ target, drop } = await freshDatabase(dir));
    server = await startServer(dir, databaseEnv(target));
    db = knexOn(target);
    sub = await subcategoryId(db, 'ONDE', "Accès à l'application");
    school = (await db('establishments').where({ rne: '0310001A' }).first('id')).id;
  });
  after(async () => {
    await db?.destroy();
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Each round kills at another moment: right after an answer, or some milliseconds later,
  // when the next creations are being parsed, checked, moved or committed.
  const ROUNDS: Array<{ afterAcks: number; delayMs: number }> = [
    { afterAcks: 20, delayMs: 0 },
    { afterAcks: 50, delayMs: 7 },
    { afterAcks: 100, delayMs: 33 },
  ];
  ROUNDS.forEach(({ afterAcks, delayMs }, round) => {
    it(`when the server is killed ${delayMs} ms after the ${afterAcks}th of 200 concurrent creations with files, should keep every acknowledged one whole and no half-written one`, async () => {
      const base = `http://127.0.0.1:${server!.port}`;
      const sessions = await Promise.all(['SSEGUR', 'PMARTIN'].map((id) => login(base, id)));
      const outcome: Array<'ok' | 'failed'> = Array(200).fill('failed');
      const subject = (i: number) => `CRASH-${round}-${i}`;
      const bytes = (i: number) => fileFor(round * 1000 + i);
      let acknowledged = 0;
      const killed = new Promise<void>((resolve) => server!.child.once('exit', () => resolve()));
      const creations = Array.from({ length: 200 }, async (_, i) => {
        const session = sessions[i % 2];
        try {
          const res = await fetch(`${base}/assistance/tickets`, {
            method: 'POST', redirect: 'manual', headers: { cookie: session.cookie },
            body: ticketForm(session, { ...ticketFields(i, sub, school), subject: subject(i) }, bytes(i)),
          });
          if (res.status === 303 && res.headers.get('location') === '/assistance/tickets/en-cours') {
            outcome[i] = 'ok';
            if (++acknowledged === afterAcks) setTimeout(() => server!.child.kill('SIGKILL'), delayMs);
          }
        } catch {
          // the connection died with the server
        }
      });
      await Promise.all(creations);
      await killed;
      assert.equal(server!.child.signalCode, 'SIGKILL', 'the server was killed, not stopped');
      const ok = outcome.filter((o) => o === 'ok').length;
      assert.ok(ok >= afterAcks && ok < 200, `killed in the middle (${ok} acknowledged)`);

      // The folders as the crash left them, aged past the grace period: the next start sweeps them.
      await db!.destroy();
      const uploadDir = path.join(dir, 'uploads');
      const tmpDir = path.join(dir, 'tmp');
      const past = new Date(Date.now() - 2 * 3600_000);
      for (const d of [uploadDir, tmpDir]) for (const f of fs.readdirSync(d)) fs.utimesSync(path.join(d, f), past, past);
      const filesAtCrash = fs.readdirSync(uploadDir).length + fs.readdirSync(tmpDir).length;

      server = await startServer(dir, databaseEnv(target));
      db = knexOn(target);
      assert.deepEqual(await integrityProblems(db), []);

      const rows: Array<{ id: number; subject: string }> = await db('tickets').where('subject', 'like', `CRASH-${round}-%`).select('id', 'subject');
      const byIndex = new Map(rows.map((r) => [Number(r.subject.split('-')[2]), r]));
      assert.equal(byIndex.size, rows.length, 'no creation twice');
      for (let i = 0; i < 200; i++) if (outcome[i] === 'ok') assert.ok(byIndex.has(i), `acknowledged creation ${i} is there`);
      // Every creation that is there, acknowledged or not, is whole.
      for (const [i, t] of byIndex) {
        const history: unknown[] = await db('ticket_history').where({ ticket_id: t.id, event: 'created' });
        assert.equal(history.length, 1, `${subject(i)}: its history`);
        const files: Array<{ stored_name: string }> = await db('attachments').where({ ticket_id: t.id });
        assert.equal(files.length, 1, `${subject(i)}: its attachment`);
        const onDisk = path.join(uploadDir, files[0].stored_name);
        assert.ok(fs.existsSync(onDisk), `${subject(i)}: its file on disk`);
        assert.equal(sha(fs.readFileSync(onDisk)), sha(bytes(i)), `${subject(i)}: the very bytes sent`);
        const mails: unknown[] = await db('outbox').where({ ticket_id: t.id, kind: 'ticket_created' });
        assert.ok(mails.length >= 1, `${subject(i)}: its mail in the outbox`);
      }
      // Files of transactions that never committed, and temp files, are swept at start.
      const referenced = new Set(await db('attachments').pluck('stored_name'));
      const orphans = filesAtCrash - referenced.size;
      assert.ok(orphans > 0, 'the crash left files of creations that never committed');
      await server.waitFor(new RegExp(`"removed":${orphans},"msg":"orphan files removed"`));
      const left = fs.readdirSync(uploadDir).filter((f) => !referenced.has(f));
      assert.deepEqual(left, [], 'no orphan file in uploads');
      assert.deepEqual(fs.readdirSync(tmpDir), [], 'no temp file left');

      // And the app serves on: the requester finds an acknowledged ticket.
      const first = outcome.indexOf('ok');
      const owner = await login(`http://127.0.0.1:${server.port}`, first % 2 === 0 ? 'SSEGUR' : 'PMARTIN');
      const list = await (await fetch(`http://127.0.0.1:${server.port}/assistance/tickets/en-cours?q=${subject(first)}`, { headers: { cookie: owner.cookie } })).text();
      assert.ok(list.includes(subject(first)));
      console.log(`      crash run ${round + 1}: 200 creations, ${ok} acknowledged, ${byIndex.size} present and whole, ${orphans} orphan files swept at restart`);
    });
  });

  it('when SIGTERM comes while a creation is being uploaded, should finish it, refuse new connections, then exit 0', async () => {
    const port = server!.port;
    const session = await login(`http://127.0.0.1:${port}`, 'SSEGUR');
    const form = ticketForm(session, { ...ticketFields(1000, sub, school), subject: 'SIGTERM-EN-VOL' }, fileFor(1000));
    const encoded = new Response(form);
    const type = encoded.headers.get('content-type')!;
    const body = Buffer.from(await encoded.arrayBuffer());
    const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/assistance/tickets', headers: { cookie: session.cookie, 'content-type': type, 'content-length': body.length } }, resolve);
      req.on('error', reject);
      // Half the body, then the signal, then the rest a moment later.
      req.write(body.subarray(0, body.length >> 1));
      setTimeout(() => {
        server!.child.kill('SIGTERM');
        setTimeout(() => req.end(body.subarray(body.length >> 1)), 500);
      }, 200);
    });
    const res = await response;
    assert.equal(res.statusCode, 303, `the request in flight is answered\n${server!.output().slice(-3000)}`);
    res.resume();
    await new Promise((r) => setTimeout(r, 100));
    const refused = await fetch(`http://127.0.0.1:${port}/login`).then(() => false, () => true);
    assert.ok(refused, 'no new connection after SIGTERM');
    assert.equal(await exited, 0, 'a clean exit');
    assert.ok(await db!('tickets').where({ subject: 'SIGTERM-EN-VOL' }).first('id'), 'the ticket is there');
  });
});
