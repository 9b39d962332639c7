import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, type Agent } from '../../helpers/agent.js';
import { generate, type BenchData } from '../../bench/generate.js';
import { DONE_STATUSES, IN_PROGRESS_STATUSES } from '../../../src/features/tickets/vocabulary.js';

/** The references of a list page, in the order shown. */
const refsOf = (html: string) => [...html.matchAll(/<td><a href="[^"]*">(R-\d+)<\/a><\/td>/g)].map((m) => m[1]);

/** The sorts a user can pick, written here in SQL on their own (each ends on the id). */
const SORTS: Record<string, string> = {
  date_desc: 'created_at DESC, id DESC',
  date_asc: 'created_at ASC, id ASC',
  priority: 'priority ASC, created_at DESC, id DESC',
  status: 'status ASC, created_at DESC, id DESC',
};

/** Every page of a list, walked with the page links' parameters, 10 by 10. */
async function walk(who: Agent, url: string, sort: string): Promise<string[]> {
  const seen: string[] = [];
  for (let page = 1; page < 200; page++) {
    const res = await who.get(`${url}&tri=${sort}&par_page=10&page=${page}`);
    assert.equal(res.status, 200);
    const refs = refsOf(res.text);
    seen.push(...refs);
    if (refs.length < 10) return seen;
  }
  throw new Error('more than 200 pages');
}

describe('lists: every page of a tab, in every order, shows each visible ticket once', function () {
  this.timeout(120_000);
  let t: TestApp;
  let data: BenchData;
  let managerId: number;

  before(async () => {
    t = await startTestApp();
    data = await generate(t.db, { tickets: 3_000, users: 400, establishments: 30 });
    managerId = (await t.db('users').where({ identifiant: data.largeEstablishmentManager }).first('id')).id;
    // The manager's own shared tickets: some at their establishment (listed by two rules at
    // once), some elsewhere (only because they filed them or are their beneficiary).
    const ids = (await t.db('tickets').orderBy('id').limit(40).select('id')).map((r) => r.id as number);
    await t.db('tickets').whereIn('id', ids.slice(0, 15)).update({ requester_id: managerId, visibility: 'managers' });
    await t.db('tickets').whereIn('id', ids.slice(15, 30)).update({ beneficiary_id: managerId, visibility: 'managers' });
    await t.db('tickets').whereIn('id', ids.slice(0, 5)).update({ establishment_id: 1 });
  });
  after(async () => { await t.close(); });

  /** What the visibility rule and the tab give, straight from the tickets table. */
  async function expected(where: string, bindings: Knex.RawBinding[], sort: string): Promise<string[]> {
    const result = await t.db.raw(`SELECT ref FROM tickets WHERE ${where} ORDER BY ${SORTS[sort]}`, bindings);
    const rows: Array<{ ref: string }> = Array.isArray(result) ? result : result.rows;
    return rows.map((r) => r.ref);
  }

  it('when a responsable pages through "Partagés" of both boards, should show exactly the shared tickets they may see, each once, in order', async () => {
    const manager = await loginAs(t.app, data.largeEstablishmentManager, 'bench');
    const managed = (await t.db('user_establishments').where({ user_id: managerId }).select('establishment_id')).map((r) => r.establishment_id as number);
    const rule = `(requester_id = ? OR beneficiary_id = ? OR (visibility = 'managers' AND establishment_id IN (${managed.map(() => '?').join(', ')})))`;
    for (const [board, statuses] of [['en-cours', IN_PROGRESS_STATUSES], ['traites', DONE_STATUSES]] as const) {
      for (const sort of Object.keys(SORTS)) {
        const want = await expected(`${rule} AND visibility = 'managers' AND status IN (${statuses.map(() => '?').join(', ')})`, [managerId, managerId, ...managed, ...statuses], sort);
        assert.ok(want.length > 10, `enough tickets to page through (${board}: ${want.length})`);
        const shown = await walk(manager, `/assistance/tickets/${board}?onglet=partages`, sort);
        assert.deepEqual(shown, want, `${board}, ${sort}`);
      }
    }
  });

  it("when an agent pages through the team's resolved tickets, should show exactly the team's ones, each once, in order", async () => {
    const agent = await loginAs(t.app, data.largeTeamAgent, 'bench');
    const agentId = (await t.db('users').where({ identifiant: data.largeTeamAgent }).first('id')).id as number;
    const teams = (await t.db('team_members').where({ user_id: agentId }).select('team_id')).map((r) => r.team_id as number);
    // Some of the team's tickets were resolved by the agent: listed by both rules of the agent's scope.
    await t.db('tickets').whereIn('team_id', teams).whereIn('status', DONE_STATUSES).orderBy('id').limit(8).update({ agent_id: agentId });
    for (const sort of Object.keys(SORTS)) {
      const want = await expected(
        `(agent_id = ? OR coalesce(team_id, 0) IN (${teams.map(() => '?').join(', ')})) AND coalesce(team_id, 0) IN (${teams.map(() => '?').join(', ')}) AND status IN ('resolue', 'fermee')`,
        [agentId, ...teams, ...teams], sort,
      );
      assert.ok(want.length > 10, `enough tickets to page through (${want.length})`);
      // Not every page: the large team has many; the first three and the order are enough here.
      const shown: string[] = [];
      for (let page = 1; page <= 3; page++) shown.push(...refsOf((await agent.get(`/agent/tickets/resolus?onglet=equipe&tri=${sort}&par_page=10&page=${page}`)).text));
      assert.deepEqual(shown, want.slice(0, 30), sort);
    }
  });
});
