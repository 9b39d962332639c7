import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { buildEstablishment, buildTicket, demoUser, subcategoryId } from '../../helpers/factories.js';

const refsOf = (html: string) => [...html.matchAll(/>(R-\d{6,})<\/a>/g)].map((m) => m[1]).sort();

// "Partagés" counts come from counts kept by triggers (ticket_shared_counts), not from a count
// of the tickets: they must follow every change a shared ticket can go through.
describe('"Partagés" counts kept by triggers', () => {
  let t: TestApp;
  let marie: Agent;
  let sophie: Agent;
  let otherSchoolId: number;
  const refs: string[] = [];
  const update = (ref: string, fields: Record<string, unknown>) => t.db('tickets').where({ ref }).update(fields);

  before(async () => {
    t = await startTestApp();
    const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    const s = await demoUser(t.db, 'SSEGUR');
    const m = await demoUser(t.db, 'MDURAND');
    otherSchoolId = (await buildEstablishment(t.db)).id;
    for (let i = 0; i < 6; i++) refs.push(await buildTicket(t.services, s.id, { subcategory_id: sub, subject: `Partagé ${i}`, visibility: i < 5 ? 'managers' : 'self' }));
    refs.push(await buildTicket(t.services, m.id, { subcategory_id: sub, subject: 'Le sien, partagé', visibility: 'managers' }));
    marie = await loginAs(t.app, 'MDURAND');
    sophie = await loginAs(t.app, 'SSEGUR');
  });
  after(async () => { await t.close(); });

  /** The badge and the list of one "Partagés" tab, as the reader sees them. */
  const tab = async (agent: Agent, board: 'en-cours' | 'traites') => {
    const html = (await agent.get(`/assistance/tickets/${board}?onglet=partages`)).text;
    const badge = Number(visibleText(html).match(/Partagés (\d+)/)![1]);
    return { badge, listed: refsOf(html) };
  };

  const assertKeptEqualsRecount = async () => {
    const kept = await t.db('ticket_shared_counts').where('n', '<>', 0).orderBy(['establishment_id', 'status']).select('establishment_id', 'status', 'n');
    const recount = await t.db('tickets').where('visibility', 'managers')
      .select('establishment_id', 'status', t.db.raw('count(*) AS n')).groupBy('establishment_id', 'status').orderBy(['establishment_id', 'status']);
    assert.deepEqual(kept, recount);
  };

  it('when shared tickets are filed, resolved, closed, unshared and moved, should show badges equal to the tickets listed', async () => {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['filed', async () => undefined],
      ['one resolved', () => update(refs[0], { status: 'resolue' })],
      ['one closed', () => update(refs[1], { status: 'fermee' })],
      ['one made private', () => update(refs[2], { visibility: 'self' })],
      ['a private one shared', () => update(refs[5], { visibility: 'managers' })],
      ['one moved to another school', () => update(refs[3], { establishment_id: otherSchoolId })],
      ['one reopened', () => update(refs[0], { status: 'assignee' })],
    ];
    for (const [step, change] of steps) {
      await change();
      await assertKeptEqualsRecount();
      for (const board of ['en-cours', 'traites'] as const) {
        const { badge, listed } = await tab(marie, board);
        assert.equal(badge, listed.length, `${step}: ${board}`);
      }
    }
    // Marie's school now has: 0 (reopened), 4, 5 (shared since) and her own in progress; 1 closed.
    assert.deepEqual((await tab(marie, 'en-cours')).listed, [refs[0], refs[4], refs[5], refs[6]].sort());
    assert.deepEqual((await tab(marie, 'traites')).listed, [refs[1]]);
  });

  it("when a responsable's own shared ticket is at a school she no longer manages, should still count it in her tab", async () => {
    await update(refs[6], { establishment_id: otherSchoolId });
    const { badge, listed } = await tab(marie, 'en-cours');
    assert.ok(listed.includes(refs[6]));
    assert.equal(badge, listed.length);
  });

  it('when a requester who manages nothing opens "Partagés", should count only her own shared tickets', async () => {
    const { badge, listed } = await tab(sophie, 'en-cours');
    // Hers and shared, in progress: 0 (reopened), 4, 5 (shared since) and 3 (moved away, still hers).
    assert.deepEqual(listed, [refs[0], refs[3], refs[4], refs[5]].sort());
    assert.equal(badge, 4);
  });
});
