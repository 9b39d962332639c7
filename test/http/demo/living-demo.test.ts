import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, visibleText } from '../../helpers/agent.js';
import { populateDemo } from '../../../src/features/demo/living-demo.js';
import { loadConfig } from '../../../src/config.js';

describe('the living demo: six months of tickets played through the app', () => {
  let t: TestApp;
  let made: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const count = async (q: any): Promise<number> => Number((await q.count({ n: '*' }))[0].n);

  before(async function () {
    this.timeout(120_000);
    t = await startTestApp();
    made = await populateDemo({ config: t.config, db: t.database, now: () => t.clock.now });
  });
  after(async () => { await t.close(); });

  it('when started on a fresh base with the demo data, should hold about 150 tickets of every status over the last six months', async () => {
    assert.ok(made >= 140 && made <= 150, `${made}`);
    const statuses = (await t.db('tickets').distinct('status')).map((r) => r.status).sort();
    assert.deepEqual(statuses, ['a_completer', 'affectee', 'assignee', 'en_attente', 'fermee', 'nouvelle', 'reaffectee', 'resolue']);
    const { min, max } = (await t.db('tickets').min({ min: 'created_at' }).max({ max: 'created_at' }).first()) as { min: string; max: string };
    const days = (iso: string) => (t.clock.now.getTime() - new Date(iso).getTime()) / 86_400_000;
    assert.ok(days(min) > 170 && days(min) < 184, `oldest ${min}`);
    assert.ok(days(max) < 7, `newest ${max}`);
    assert.ok(await count(t.db('journal_entries').where({ visibility: 'private' })) > 20, 'notes');
    assert.ok(await count(t.db('attachments')) > 10, 'files');
    assert.ok(await count(t.db('satisfaction').whereNotNull('rating')) > 50, 'ratings');
    assert.ok(await count(t.db('satisfaction').whereNull('rating')) > 5, '"non évalué"');
    assert.ok(await count(t.db('tickets').where({ sla_ttr_met: false })) > 3, 'a few late');
    assert.equal(await count(t.db('outbox').whereNot({ status: 'sent' })), 0, 'its mails never leave');
    assert.equal(await populateDemo({ config: t.config, db: t.database }), 0, 'once only');
  });

  it('when the agent and the admin open their pages, should find them filled', async () => {
    const agent = await loginAs(t.app, 'ALEROY');
    const board = visibleText((await agent.get('/agent/tickets/en-cours?onglet=mes_tickets')).text);
    assert.match(board, /Tickets 1 à \d+ sur \d+/);
    const admin = await loginAs(t.app, 'ADMIN');
    const stats = await admin.get('/statistiques');
    assert.equal((stats.text.match(/<svg role="img"/g) ?? []).length, 8, 'every chart has something to draw');
  });

  it('when in production, should never load it', () => {
    assert.equal(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), DATA_DIR: '/nonexistent' }).demoData, false);
  });
});
