import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, skipUnless } from '../../helpers/app.js';
import { databaseEnv, knexOn } from '../../helpers/engine.js';
import { startServer, withCookies, type ServerProcess } from '../../helpers/server-process.js';
import { SmtpSink } from '../../helpers/smtp-sink.js';

const csrfOfPage = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)![1];

describe('two app processes on one PostgreSQL database', function () {
  this.timeout(120_000);
  let a: ServerProcess, b: ServerProcess;
  let dir: string;
  let drop: () => Promise<void>;
  let target: Awaited<ReturnType<typeof freshDatabase>>['target'];
  const sink = new SmtpSink();
  const url = (p: ServerProcess, route: string) => `http://127.0.0.1:${p.port}${route}`;

  /** Sign in through the login form of one process; the cookies it gives back. */
  async function signIn(p: ServerProcess, identifiant: string): Promise<string> {
    const page = await fetch(url(p, '/login'));
    let cookie = withCookies('', page);
    const res = await fetch(url(p, '/login'), {
      method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOfPage(await page.text()), identifiant, password: 'demo' }),
    });
    assert.equal(res.status, 303);
    cookie = withCookies(cookie, res);
    return cookie;
  }

  /** Post a form of `page` on process `p`, as the browser would. */
  async function post(p: ServerProcess, cookie: string, page: string, route: string, fields: Record<string, string>): Promise<{ status: number; cookie: string }> {
    const form = await fetch(url(p, page), { headers: { cookie } });
    cookie = withCookies(cookie, form);
    const res = await fetch(url(p, route), {
      method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOfPage(await form.text()), ...fields }),
    });
    return { status: res.status, cookie: withCookies(cookie, res) };
  }

  before(async function () {
    skipUnless('postgres', this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-two-'));
    ({ target, drop } = await freshDatabase(dir));
    await sink.start();
    const env = { ...databaseEnv(target), SMTP_URL: `smtp://127.0.0.1:${sink.port}`, SESSION_SECRET: 'deux-processus-un-secret-commun' };
    [a, b] = await Promise.all([startServer(dir, env), startServer(dir, env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await sink.stop();
    await drop?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when a user signs in on one process, should be signed in on the other', async () => {
    const cookie = await signIn(a, 'SSEGUR');
    const there = await fetch(url(b, '/assistance'), { headers: { cookie }, redirect: 'manual' });
    assert.equal(there.status, 200);
    assert.ok((await there.text()).includes('Sophie'));
  });

  it('when the admin renames the helpdesk through one process, should show the new name on the next page of the other', async () => {
    const sophie = await signIn(b, 'SSEGUR');
    assert.ok(!(await (await fetch(url(b, '/portail'), { headers: { cookie: sophie } })).text()).includes('Assistance Bretagne'), 'B has read and kept the old name');
    const admin = await signIn(a, 'ADMIN');
    const changed = await post(a, admin, '/admin/portail', '/admin/portail', { academy_name: 'Académie de Rennes', helpdesk_name: 'Assistance Bretagne', phone_fallback: 'Appelez le 02 23 21 73 00.' });
    assert.equal(changed.status, 303);
    const page = await (await fetch(url(b, '/portail'), { headers: { cookie: sophie } })).text();
    assert.ok(page.includes('Assistance Bretagne'), 'the other process reads the settings again');
    assert.ok(page.includes('Académie de Rennes'));
  });

  it('when both processes run their outbox, should send each mail exactly once', async () => {
    const db = knexOn(target);
    try {
      const sophie = await signIn(a, 'SSEGUR');
      const sub = (await db('cat_subcategories').where({ name: "Accès à l'application" }).first('id')).id;
      const school = (await db('establishments').where({ rne: '0310001A' }).first('id')).id;
      const subjects = Array.from({ length: 12 }, (_, i) => `Deux processus ${i}`);
      for (const [i, subject] of subjects.entries()) {
        const res = await post(i % 2 ? b : a, sophie, '/assistance', '/assistance/tickets', {
          subcategory_id: String(sub), kind: 'incident', establishment_id: String(school), visibility: 'self', beneficiary_id: '', business_team_id: '',
          subject, detail: 'Le poste ne démarre plus.', phone: '', availability: '', impact: 'personne', urgency: 'moyenne',
        });
        assert.equal(res.status, 303, subject);
      }
      const queued: number = Number((await db('outbox').whereLike('subject', '%Deux processus%').count({ n: '*' }))[0].n);
      assert.ok(queued >= 24, `${queued} mails queued`);
      const sent = () => sink.received.filter((m) => m.subject.includes('Deux processus'));
      const until = Date.now() + 30_000;
      while (sent().length < queued && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      // A little longer: a second sending of any of them would arrive now.
      await new Promise((r) => setTimeout(r, 6_000));
      const keys = sent().map((m) => `${m.to} ${m.subject}`);
      assert.equal(keys.length, queued, 'every queued mail arrived, none twice');
      assert.equal(new Set(keys).size, keys.length);
      assert.equal(Number((await db('outbox').whereLike('subject', '%Deux processus%').where({ status: 'sent' }).count({ n: '*' }))[0].n), queued);
    } finally {
      await db.destroy();
    }
  });
});
