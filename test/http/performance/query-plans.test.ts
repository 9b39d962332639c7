import assert from 'node:assert/strict';
import { skipUnless, startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, type Agent } from '../../helpers/agent.js';
import { generate, type BenchData } from '../../bench/generate.js';
import { queriesDuring } from '../../helpers/queries.js';
import { planPages } from '../../helpers/plan-pages.js';

describe('SQLite query plans: every list and search uses an index (no SCAN of tickets or journal)', function () {
  this.timeout(120_000);
  let t: TestApp;
  let data: BenchData;
  let requester: Agent, manager: Agent, agent: Agent;

  before(async function () {
    skipUnless('sqlite', this);
    t = await startTestApp();
    data = await generate(t.db, { tickets: 20_000, users: 3_000, establishments: 200 });
    await t.database.refreshPlannerStatistics(); // as the next start does
    requester = await loginAs(t.app, data.heavyRequester, 'bench');
    manager = await loginAs(t.app, data.largeEstablishmentManager, 'bench');
    agent = await loginAs(t.app, data.largeTeamAgent, 'bench');
  });
  after(async () => { await t?.close(); });


  it('when each list, search and ticket page is served, should plan every query on tickets and journal with an index', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const [name, who, url] of planPages(data, requester, manager, agent)) {
      const { queries, result: res } = await queriesDuring([t.readDb], () => who.get(url));
      assert.ok([200, 404].includes(res.status), `${name}: ${res.status}`);
      for (const q of queries) {
        if (!/^\s*select/i.test(q.sql) || !/\b(tickets|journal_entries)\b/.test(q.sql)) continue;
        const plan: Array<{ detail: string }> = await t.readDb.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as never);
        checked++;
        const scans = plan.filter((p) => /^SCAN (tickets|journal_entries|t|j)\b/.test(p.detail));
        if (scans.length > 0) problems.push(`${name}: ${scans.map((s) => s.detail).join('; ')}\n    ${q.sql}`);
      }
    }
    assert.ok(checked >= 30, `only ${checked} queries checked`);
    assert.deepEqual(problems, []);
  });

  it('when the agent opens the queues, should read only the open (or assigned) tickets, through their partial indexes', async () => {
    const cases: Array<[() => Agent, string, string]> = [
      [() => agent, '/agent/tickets/en-cours?onglet=a_prendre', 'tickets_open_queue_agent_created'],
      [() => agent, '/agent/tickets/en-cours?onglet=equipe', 'tickets_open_queue_agent_created'],
      [() => agent, '/agent/tickets/en-cours?onglet=mes_tickets', 'tickets_assigned_status_created'],
    ];
    for (const [who, url, index] of cases) {
      const { queries, result: res } = await queriesDuring([t.readDb], () => who().get(url));
      assert.equal(res.status, 200);
      const details: string[] = [];
      for (const q of queries.filter((x) => /^\s*select/i.test(x.sql) && /\btickets\b/.test(x.sql))) {
        const plan: Array<{ detail: string }> = await t.readDb.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as never);
        details.push(...plan.map((p) => p.detail));
      }
      assert.ok(details.some((d) => d.includes(index)), `${url} should use ${index}:\n${details.join('\n')}`);
    }
  });
});
