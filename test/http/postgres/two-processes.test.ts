import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
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
  let env: Record<string, string>;
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

  /** Sophie files a ticket through the form of process `p`. */
  async function fileTicket(db: Knex, p: ServerProcess, cookie: string, subject: string): Promise<void> {
    const sub = (await db('cat_subcategories').where({ name: "Accès à l'application" }).first('id')).id;
    const school = (await db('establishments').where({ rne: '0310001A' }).first('id')).id;
    const res = await post(p, cookie, '/assistance', '/assistance/tickets', {
      subcategory_id: String(sub), kind: 'incident', establishment_id: String(school), visibility: 'self', beneficiary_id: '', business_team_id: '',
      subject, detail: 'Le poste ne démarre plus.', phone: '', availability: '', impact: 'personne', urgency: 'moyenne',
    });
    assert.equal(res.status, 303, subject);
  }

  before(async function () {
    skipUnless('postgres', this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-two-'));
    ({ target, drop } = await freshDatabase(dir));
    await sink.start();
    env = { ...databaseEnv(target), SMTP_URL: `smtp://127.0.0.1:${sink.port}`, SESSION_SECRET: 'deux-processus-un-secret-commun' };
    [a, b] = await Promise.all([startServer(dir, env), startServer(dir, env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await sink.stop();
    await drop?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when two processes start together on an empty database, should both come up: one migrates and seeds, the other waits', async () => {
    const empty = await freshDatabase(dir, { empty: true });
    try {
      const both = await Promise.all([startServer(dir, { ...env, ...databaseEnv(empty.target) }), startServer(dir, { ...env, ...databaseEnv(empty.target) })]);
      const pages = await Promise.all(both.map((p) => fetch(url(p, '/login'))));
      assert.deepEqual(pages.map((r) => r.status), [200, 200]);
      await Promise.all(both.map((p) => p.stop()));
      const db = knexOn(empty.target);
      try {
        assert.equal(Number((await db('teams').count({ n: '*' }))[0].n), Number((await db('teams').countDistinct({ n: 'name' }))[0].n), 'each seeded team once');
      } finally {
        await db.destroy();
      }
    } finally {
      await empty.drop();
    }
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
      for (let i = 0; i < 12; i++) await fileTicket(db, i % 2 ? b : a, sophie, `Deux processus ${i}`);
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

  it('when both processes start their sweep on the same due tickets, should close each once and remind each once', async () => {
    const db = knexOn(target);
    try {
      const sophie = await signIn(a, 'SSEGUR');
      for (let i = 0; i < 40; i++) await fileTicket(db, a, sophie, `Balayage ${i}`);
      const ids: number[] = (await db('tickets').whereLike('subject', 'Balayage %').orderBy('id').select('id')).map((r) => r.id);
      const [toClose, toRemind] = [ids.slice(0, 20), ids.slice(20)];
      // Resolved 15 days ago (past the 14-day auto-close) and 13 days ago (inside the reminder's 2 days).
      const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
      await db('tickets').whereIn('id', toClose).update({ status: 'resolue', resolved_at: daysAgo(15) });
      await db('tickets').whereIn('id', toRemind).update({ status: 'resolue', resolved_at: daysAgo(13) });

      // Both processes sweep as they start: restarted together, they sweep the same tickets at once.
      await Promise.all([a.stop(), b.stop()]);
      [a, b] = await Promise.all([startServer(dir, env), startServer(dir, env)]);
      const until = Date.now() + 30_000;
      const done = async () =>
        Number((await db('tickets').whereIn('id', toClose).where({ status: 'fermee' }).count({ n: '*' }))[0].n) === toClose.length &&
        Number((await db('tickets').whereIn('id', toRemind).whereNotNull('reminder_sent_at').count({ n: '*' }))[0].n) === toRemind.length;
      while (!(await done())) {
        assert.ok(Date.now() < until, 'the sweep closed and reminded every due ticket');
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, 2_000));
      const perTicket = async (table: string, where: Record<string, string>, of: number[]) =>
        (await db(table).whereIn('ticket_id', of).where(where).groupBy('ticket_id').select('ticket_id').count({ n: '*' })).map((r) => Number(r.n));
      assert.deepEqual(await perTicket('ticket_history', { event: 'closed' }, toClose), toClose.map(() => 1), 'one closing each');
      assert.deepEqual(await perTicket('satisfaction', {}, toClose), toClose.map(() => 1), 'one "non évalué" each');
      assert.deepEqual(await perTicket('outbox', { kind: 'closed' }, toClose), toClose.map(() => 1), 'one closing mail each');
      assert.deepEqual(await perTicket('outbox', { kind: 'auto_close_reminder' }, toRemind), toRemind.map(() => 1), 'one reminder each');
      assert.ok(!/scheduled job failed/.test(a.output() + b.output()), 'neither sweep failed');
    } finally {
      await db.destroy();
    }
  });
});
