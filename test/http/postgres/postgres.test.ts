import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipUnless, startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { subcategoryId } from '../../helpers/factories.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { queriesDuring } from '../../helpers/queries.js';
import { generate, type BenchData } from '../../bench/generate.js';
import { planPages } from '../../helpers/plan-pages.js';
import { sql } from '../../../src/db/sql.js';

type PgClient = { query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> };

/** A statement on a connection of the test's own (outside the app's pool): EXPLAIN, locks, terminations. */
async function onConnection<T>(t: TestApp, work: (c: PgClient) => Promise<T>): Promise<T> {
  const client = t.db.client as { acquireConnection(): Promise<PgClient>; releaseConnection(c: PgClient): Promise<void> };
  const c = await client.acquireConnection();
  try {
    return await work(c);
  } finally {
    await client.releaseConnection(c);
  }
}

/** Every plan node of an EXPLAIN (FORMAT JSON). */
function nodesOf(plan: Record<string, unknown>): Array<Record<string, unknown>> {
  const children = (plan.Plans as Array<Record<string, unknown>> | undefined) ?? [];
  return [plan, ...children.flatMap(nodesOf)];
}

const DETAIL = 'Le poste de la salle 12 ne démarre plus depuis ce matin, écran noir après le logo.';

describe('PostgreSQL: plans at 200,000 tickets, a full disk, a lost connection', function () {
  this.timeout(300_000);

  describe('query plans at 200,000 tickets', () => {
    let t: TestApp;
    let data: BenchData;
    let requester: Agent, manager: Agent, agent: Agent;

    before(async function () {
      skipUnless('postgres', this);
      t = await startTestApp();
      data = await generate(t.db, { tickets: 200_000 });
      requester = await loginAs(t.app, data.heavyRequester, 'bench');
      manager = await loginAs(t.app, data.largeEstablishmentManager, 'bench');
      agent = await loginAs(t.app, data.largeTeamAgent, 'bench');
    });
    after(async () => { await t?.close(); });

    it('when each list, search and ticket page is served, should read tickets and journal through indexes, never a sequential scan', async () => {
      const pages = planPages(data, requester, manager, agent);
      const problems: string[] = [];
      let checked = 0;
      let searches = 0;
      for (const [name, who, url] of pages) {
        const { queries, result: res } = await queriesDuring([t.readDb], () => who.get(url));
        assert.ok([200, 404].includes(res.status), `${name}: ${res.status}`);
        for (const q of queries) {
          if (!/^\s*select/i.test(q.sql) || !/\b(tickets|journal_entries|catalogue_fts)\b/.test(q.sql)) continue;
          const [{ 'QUERY PLAN': [top] }] = (await onConnection(t, (c) => c.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.bindings))).rows as Array<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>;
          checked++;
          const nodes = nodesOf(top.Plan);
          if (/\bcatalogue_fts\b/.test(q.sql)) {
            // A few hundred rows: the planner rightly reads them all; the index must still fit the query.
            const forced = await onConnection(t, async (c) => {
              await c.query('BEGIN');
              await c.query('SET LOCAL enable_seqscan = off');
              const r = await c.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.bindings);
              await c.query('ROLLBACK');
              return nodesOf((r.rows[0]['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>)[0].Plan);
            });
            if (forced.some((n) => n['Index Name'] === 'catalogue_fts_doc')) searches++;
          }
          const scans = nodes.filter((n) => n['Node Type'] === 'Seq Scan' && ['tickets', 'journal_entries'].includes(String(n['Relation Name'])));
          if (scans.length > 0) problems.push(`${name}: Seq Scan on ${scans.map((s) => s['Relation Name']).join(', ')}\n    ${q.sql}`);
        }
      }
      assert.ok(checked >= 30, `only ${checked} queries checked`);
      assert.equal(searches, 2, 'both searches read the full-text index (GIN)');
      assert.deepEqual(problems, []);
    });
  });

  describe('kept statements and a schema changed by another process', () => {
    let t: TestApp;
    before(async function () {
      skipUnless('postgres', this);
      t = await startTestApp();
    });
    after(async () => { await t?.close(); });

    it('when a migration changes a table under a kept statement, should prepare it again and answer, not fail', async () => {
      const q = sql`SELECT * FROM portal_sections ORDER BY id`;
      // Run enough times on every connection for PostgreSQL to keep its plan.
      for (let i = 0; i < 30; i++) await Promise.all([t.database.select(q), t.database.select(q)]);
      await t.db.raw('ALTER TABLE portal_sections ADD COLUMN added_by_a_migration text');
      const rows = await t.database.select<Record<string, unknown>>(q);
      assert.ok(rows.length > 0 && 'added_by_a_migration' in rows[0], 'the new column is there');
      const inTransaction = await t.database.transaction((trx) => t.database.select<Record<string, unknown>>(q, trx)).catch(() => null);
      const again = inTransaction ?? (await t.database.transaction((trx) => t.database.select<Record<string, unknown>>(q, trx)));
      assert.ok('added_by_a_migration' in again[0], 'a transaction gets the new shape too (at worst after one failure)');
    });
  });

  describe('failures in the middle of a creation', () => {
    let t: TestApp;
    let sophie: Agent;
    let form: Record<string, string>;
    const count = async (table: string) => Number((await t.db(table).count({ n: '*' }))[0].n);
    const counts = async () => ({ tickets: await count('tickets'), history: await count('ticket_history'), outbox: await count('outbox') });

    before(async function () {
      skipUnless('postgres', this);
      t = await startTestApp();
      sophie = await loginAs(t.app, 'SSEGUR');
      const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
      const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
      form = ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Poste bloqué salle 12', detail: DETAIL });
      bigForm = { ...form, detail: LONG };
    });
    after(async () => { await t?.close(); });

    // A long detail: its mails need new pages of the outbox.
    const LONG = Array.from({ length: 300 }, (_, i) => `Ligne ${i} : le poste ${i * 7919 % 1000} redémarre.`).join(' ');
    let bigForm: Record<string, string>;
    const assertFormBack = (res: { status: number; text: string }, status: number, words: string, detail = DETAIL) => {
      assert.equal(res.status, status);
      const text = visibleText(res.text);
      assert.ok(text.includes(words), text.slice(0, 400));
      assert.ok(text.includes('votre texte est conservé ci-dessous'));
      assert.ok(res.text.includes('value="Poste bloqué salle 12"'), 'the subject is kept');
      assert.ok(res.text.includes(detail.replace(/'/g, '&#39;')), 'the detail is kept');
    };

    it('when the connection is cut while the creation waits inside its transaction, should give the form back (503) and write nothing; the next one goes through', async () => {
      const before = await counts();
      const token = await csrfOf(sophie, '/assistance');
      const ended = await onConnection(t, async (c) => {
        // The creation's insert into the outbox waits behind this lock, its ticket already written in its transaction.
        await c.query('BEGIN');
        await c.query('LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE');
        const pending = postTicket(sophie, form, [], { csrf: token }).then((r) => r);
        let waiting: unknown[] = [];
        for (let i = 0; i < 100 && waiting.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 50));
          waiting = (await c.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'guichet' AND wait_event_type = 'Lock' AND datname = current_database()")).rows;
        }
        assert.equal(waiting.length, 1, 'the creation waits for the lock');
        await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'guichet' AND wait_event_type = 'Lock' AND datname = current_database()");
        await c.query('ROLLBACK');
        return pending;
      });
      assertFormBack(ended, 503, 'la base de données est momentanément injoignable');
      assert.deepEqual(await counts(), before, 'no ticket, history or mail of it');
      const again = await postTicket(sophie, form);
      assert.equal(again.status, 303, 'the pool replaced the lost connection');
      assert.equal((await counts()).tickets, before.tickets + 1);
    });

    it('when the disk under the outbox is full, should give the form back (507) and leave no ticket without its mails', async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-full-'));
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
      } catch {
        fs.rmdirSync(dir);
        console.log('      (skipped: a small tmpfs cannot be mounted here; needs root)');
        return this.skip();
      }
      try {
        // The server's own user must own the tablespace's folder.
        const [{ data_directory: dataDir }] = (await onConnection(t, (c) => c.query("SELECT current_setting('data_directory') AS data_directory"))).rows as Array<{ data_directory: string }>;
        const owner = fs.statSync(dataDir);
        fs.chownSync(dir, owner.uid, owner.gid);
        await t.db.raw(`CREATE TABLESPACE guichet_full LOCATION '${dir}'`);
        try {
          await t.db.raw('ALTER TABLE outbox SET TABLESPACE guichet_full');
          // Mail bodies stored as they are, so that the long mails need new pages.
          await t.db.raw('ALTER TABLE outbox ALTER COLUMN text_body SET STORAGE EXTERNAL, ALTER COLUMN html_body SET STORAGE EXTERNAL');
          // Fill the rest of the tablespace with rows stored as they are (EXTERNAL: not compressed).
          await t.db.raw('CREATE TABLE filler (b text) TABLESPACE guichet_full');
          await t.db.raw('ALTER TABLE filler ALTER COLUMN b SET STORAGE EXTERNAL');
          let full = false;
          for (let i = 0; i < 200 && !full; i++) {
            full = await t.db.raw("INSERT INTO filler SELECT repeat(md5(random()::text || g::text), 30) FROM generate_series(1, 20) AS g")
              .then(() => false, (e: { code?: string; message?: string }) => {
                if (e.code !== '53100') throw e;
                return true;
              });
          }
          assert.ok(full, 'the tablespace is full');
          const before = await counts();
          const res = await postTicket(sophie, bigForm);
          assertFormBack(res, 507, "le serveur manque d'espace disque", LONG);
          assert.deepEqual(await counts(), before, 'the ticket and its history went back with the mails that could not be written');
          await t.db.raw('DROP TABLE filler');
          const again = await postTicket(sophie, bigForm);
          assert.equal(again.status, 303, 'with space back, the same form goes through');
          assert.equal((await counts()).outbox, before.outbox + 2);
        } finally {
          await t.db.raw('DROP TABLE IF EXISTS filler');
          await t.db.raw('ALTER TABLE outbox ALTER COLUMN text_body SET STORAGE EXTENDED, ALTER COLUMN html_body SET STORAGE EXTENDED');
          await t.db.raw('ALTER TABLE outbox SET TABLESPACE pg_default');
          await t.db.raw('DROP TABLESPACE guichet_full');
        }
      } finally {
        execFileSync('umount', [dir]);
        fs.rmdirSync(dir);
      }
    });
  });
});
