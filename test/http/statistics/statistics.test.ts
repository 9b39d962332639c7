import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { consoleAction } from '../../helpers/console.js';
import { buildEstablishment, buildTeam, buildTicket, buildUser, routeTo, subcategoryId } from '../../helpers/factories.js';
import { DAILY_MEASURES, StatisticsRepo, type StatsFilter } from '../../../src/features/statistics/statistics.repo.js';

const paris = (local: string) => new Date(new Date(`${local.replace(' ', 'T')}:00Z`).getTime() - 3600_000);

describe('statistics: charts from kept daily counts, for admins, teams and responsables', () => {
  let t: TestApp;
  let sub: number, otherSub: number;
  let team: number, otherTeam: number;
  let admin: Agent, agent: Agent, head: Agent, teacher: Agent, otherHead: Agent;
  let teacherId: number, otherTeacherId: number, schoolRne: string, otherRne: string;
  const at = (local: string) => { t.clock.now = paris(local); };
  const whole: Omit<StatsFilter, 'from' | 'to'> = { teamIds: null, domain: null, scope: null, establishmentId: null };

  /** Tickets through the app's own rules over two months: created, taken, asked, resolved, closed, refused. */
  async function history(requesterId: number, subcategoryId: number, agentOf: Agent, n: number, start: number) {
    const refs: string[] = [];
    for (let i = 0; i < n; i++) {
      const day = String(start + i).padStart(2, '0');
      at(`2026-10-${day} 09:00`);
      const ref = await buildTicket(t.services, requesterId, { subcategory_id: subcategoryId, subject: `Stat ${day}`, urgency: i % 2 ? 'haute' : 'moyenne', visibility: i % 3 === 0 ? 'self' : 'managers' });
      refs.push(ref);
      if (i % 5 === 4) continue; // stays to take
      at(`2026-10-${day} 10:00`);
      await consoleAction(agentOf, ref, { action: 'take' });
      if (i % 5 === 3) continue; // stays assigned
      at(`2026-10-${day} 15:00`);
      await consoleAction(agentOf, ref, { action: 'resolve', solution: 'Fait.' });
    }
    return refs;
  }

  before(async () => {
    t = await startTestApp();
    team = await buildTeam(t.db, 'Équipe <img src=x onerror=alert(1)>');
    otherTeam = await buildTeam(t.db, 'Équipe voisine');
    sub = await subcategoryId(t.db, 'ONDE', 'Anomalie, bug et données manquantes');
    otherSub = await subcategoryId(t.db, 'LSU - Livret scolaire unique', 'Anomalie, bug et données manquantes');
    await routeTo(t.db, sub, team);
    await routeTo(t.db, otherSub, otherTeam);
    const rectorat = (await t.db('establishments').where({ rne: '0319999Z' }).first()).id;
    const school = await buildEstablishment(t.db, { type: 'ecole' });
    const other = await buildEstablishment(t.db, { type: 'ecole' });
    schoolRne = school.rne;
    otherRne = other.rne;
    const a = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [team] });
    const b = await buildUser(t.db, { establishmentId: rectorat, roles: ['agent'], teamIds: [otherTeam] });
    const h = await buildUser(t.db, { establishmentId: school.id, roles: ['responsable'] });
    const oh = await buildUser(t.db, { establishmentId: other.id, roles: ['responsable'] });
    const tr = await buildUser(t.db, { establishmentId: school.id });
    const otr = await buildUser(t.db, { establishmentId: other.id });
    teacherId = tr.id;
    otherTeacherId = otr.id;
    admin = await loginAs(t.app, 'admin');
    agent = await loginAs(t.app, a.identifiant);
    const otherAgent = await loginAs(t.app, b.identifiant);
    head = await loginAs(t.app, h.identifiant);
    otherHead = await loginAs(t.app, oh.identifiant);
    teacher = await loginAs(t.app, tr.identifiant);
    await history(teacherId, sub, agent, 10, 5); // the school's tickets, team A
    await history(otherTeacherId, otherSub, otherAgent, 6, 12); // the other school's, team B
    at('2026-10-20 10:00');
  });
  after(async () => { await t.close(); });

  const query = '?periode=perso&du=2026-09-01&au=2026-12-31';

  it('when the kept days are counted, then tickets change, should equal a full recount of the tickets, day by day and month by month', async () => {
    assert.deepEqual(await t.services.statistics.recount(), { days: -1 }, 'the first pass counts everything');
    // Changes after the first pass: a refusal (its resolution day no longer counts), a closing with a rating, a new ticket.
    const [first, second] = await t.db('tickets').where({ status: 'resolue' }).orderBy('id').limit(2).pluck('ref');
    at('2026-10-20 11:00');
    let token = await csrfOf(teacher, `/assistance/tickets/${first}`);
    assert.equal((await teacher.post(`/assistance/tickets/${first}/resolution`).type('form').send({ _csrf: token, decision: 'refuse', reason: 'Toujours en panne.' })).status, 303);
    token = await csrfOf(teacher, `/assistance/tickets/${second}`);
    assert.equal((await teacher.post(`/assistance/tickets/${second}/resolution`).type('form').send({ _csrf: token, decision: 'accept', rating: '4' })).status, 303);
    await buildTicket(t.services, teacherId, { subcategory_id: sub, subject: 'Nouveau après le passage' });
    at('2026-10-20 11:10');
    const pass = await t.services.statistics.recount();
    assert.ok(pass && pass.days > 0 && pass.days < 10, `only the changed days: ${JSON.stringify(pass)}`);
    const repo = new StatisticsRepo(t.database);
    const period = { from: '2026-09-01', to: '2026-12-31' };
    for (const by of ['team_id', 'priority'] as const) {
      assert.deepEqual(await repo.sums({ ...whole, ...period }, by, DAILY_MEASURES), await repo.sums({ ...whole, ...period, live: true }, by, DAILY_MEASURES), by);
    }
    const kept = await repo.sums({ ...whole, ...period }, 'day', DAILY_MEASURES);
    const live = await repo.sums({ ...whole, ...period, live: true }, 'day', DAILY_MEASURES);
    assert.ok(kept.length > 10);
    assert.deepEqual(kept, live);
    const total = kept.reduce((n, r) => n + r.created, 0);
    assert.equal(total, await t.db('tickets').where('created_at', '>=', '2026-09-01').count({ n: '*' }).then((r) => Number(r[0].n)));
    assert.ok(kept.some((r) => r.sat_4 === 1), 'the rating given after the first pass');
    for (const by of ['subcategory', 'establishment'] as const) {
      assert.deepEqual(await repo.createdBy({ ...whole, ...period }, by, 50), await repo.createdBy({ ...whole, ...period, live: true }, by, 50), by);
    }
  });

  it('when two processes recount at once, should count each day once', async () => {
    at('2026-11-20 12:00');
    await buildTicket(t.services, teacherId, { subcategory_id: sub, subject: 'Pendant deux passages' });
    at('2026-11-20 12:10');
    const results = await Promise.all([t.services.statistics.recount(), t.services.statistics.recount()]);
    assert.ok(results.some((r) => r !== null), 'one of them counted');
    const repo = new StatisticsRepo(t.database);
    const period = { from: '2026-09-01', to: '2026-12-31' };
    assert.deepEqual(await repo.sums({ ...whole, ...period }, 'day', DAILY_MEASURES), await repo.sums({ ...whole, ...period, live: true }, 'day', DAILY_MEASURES));
  });

  it('when the admin opens "Statistiques", should show every chart with its title, summary, picture, table and CSV', async () => {
    await t.services.statistics.recount();
    const res = await admin.get(`/statistiques${query}`);
    assert.equal(res.status, 200);
    const text = visibleText(res.text);
    for (const title of ['Tickets créés et résolus par mois', 'Tickets en cours aujourd’hui, par statut et ancienneté', 'Délais de prise en charge et de résolution par équipe',
      'Part des délais respectés par priorité', 'Services et sous-catégories les plus demandés', 'Satisfaction des demandeurs', 'Note moyenne de satisfaction par équipe', 'Tickets par établissement (UAI)']) {
      assert.ok(text.includes(title), title);
    }
    assert.equal((res.text.match(/<svg role="img" aria-label="/g) ?? []).length, 8, 'eight pictures, each named');
    assert.equal((res.text.match(/<details class="fr-mt-2w guichet-chart__data">/g) ?? []).length, 8, 'each with its data under a disclosure');
    assert.ok(text.includes('tickets créés et'), 'a text summary');
    assert.ok(!res.text.includes('<img src=x'), 'a name with markup is shown as text, in the table and in the picture');
    assert.ok(res.text.includes('Équipe &lt;img src=x onerror=alert(1)&gt;'));
    // A line separator pasted into a name does not break the drawing.
    await t.db('establishments').where({ rne: otherRne }).update({ name: 'École\u2028des Pins' });
    const pasted = await admin.get('/statistiques?periode=perso&du=2026-09-01&au=2026-12-30');
    assert.equal(pasted.status, 200);
    const csv = await admin.get(`/statistiques/etablissements.csv${query}`);
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="?statistiques-etablissements-2026-09-01-2026-12-31.csv"?/);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\n');
    assert.equal(lines[0], 'UAI;Établissement;Tickets créés');
    assert.ok(lines.some((l) => l.startsWith(`${schoolRne};`)) && lines.some((l) => l.startsWith(`${otherRne};`)));
    assert.equal((await admin.get(`/statistiques/inconnu.csv${query}`)).status, 404);
  });

  it('when a responsable opens it, should count only the shared tickets of the establishments they head', async () => {
    const res = await head.get(`/statistiques${query}`);
    assert.equal(res.status, 200);
    const csv = await head.get(`/statistiques/etablissements.csv${query}`);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\n').slice(1);
    const shared = await t.db('tickets').join('establishments', 'establishments.id', 'tickets.establishment_id')
      .where({ 'establishments.rne': schoolRne, visibility: 'managers' }).where('tickets.created_at', '>=', '2026-09-01').count({ n: '*' });
    assert.deepEqual(lines.map((l) => l.split(';')[0]), [schoolRne], 'no other establishment');
    assert.equal(Number(lines[0].split(';')[2]), Number(shared[0].n), 'only "Visible par : Responsables" tickets');
    // Asking for another establishment gives nothing of it.
    const other = await head.get(`/statistiques/flux.csv${query}&uai=${otherRne}`);
    const created = other.text.replace(/^\uFEFF/, '').trim().split('\n').slice(1).reduce((n, l) => n + Number(l.split(';')[1]), 0);
    assert.equal(created, 0);
    const otherPage = visibleText((await otherHead.get(`/statistiques${query}`)).text);
    assert.ok(!otherPage.includes(schoolRne), 'the other head sees nothing of the first school');
  });

  it('when an agent opens it, should offer their teams only, and refuse another team with a message', async () => {
    const res = await agent.get(`/statistiques${query}`);
    assert.equal(res.status, 200);
    const csv = await agent.get(`/statistiques/etablissements.csv${query}`);
    assert.ok(!csv.text.includes(otherRne), 'the other team\'s tickets are not counted');
    for (const team of [otherTeam, 0]) {
      // 0: the tickets no team was found for, the platform team's, not this agent's.
      const refused = await agent.get(`/statistiques${query}&equipe=${team}`);
      assert.equal(refused.status, 422, `equipe=${team}`);
      assert.ok(visibleText(refused.text).includes('Choisissez une de vos équipes.'));
      assert.equal((await agent.get(`/statistiques/flux.csv${query}&equipe=${team}`)).status, 422, 'nor as CSV');
    }
  });

  it('when the period is wrong, should say so next to the field and keep what was typed', async () => {
    const res = await admin.get('/statistiques?periode=perso&du=2026-12-31&au=2026-01-01&uai=XYZ');
    assert.equal(res.status, 422);
    const text = visibleText(res.text);
    assert.ok(text.includes('La date de fin doit suivre la date de début.'));
    assert.ok(text.includes('Un code UAI a sept chiffres et une lettre'));
    assert.ok(res.text.includes('value="2026-12-31"') && res.text.includes('value="XYZ"'));
    assert.ok(visibleText((await admin.get('/statistiques?uai=0000000X')).text).includes('Aucun établissement n’a ce code UAI.'));
    // Nothing an engine refuses reaches it: a NUL, a year 9999, repeated or nested parameters.
    for (const q of ['uai=%00', 'periode=perso&du=9996-01-01&au=9999-12-31', 'periode=perso&du=0000-01-01&au=2026-01-01', 'equipe=1&equipe=2', 'periode[]=x&domaine[a]=b']) {
      const odd = await head.get(`/statistiques?${q}`);
      assert.ok(odd.status === 200 || odd.status === 422, `${q}: ${odd.status}`);
    }
  });

  it('when someone without a team, an establishment to head or the admin role asks, should find no such page', async () => {
    assert.equal((await teacher.get('/statistiques')).status, 404);
    assert.equal((await teacher.get('/statistiques/flux.csv')).status, 404);
  });
});
