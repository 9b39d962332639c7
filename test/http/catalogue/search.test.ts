import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { buildEstablishment, buildUser } from '../../helpers/factories.js';
import { queriesDuring } from '../../helpers/queries.js';

/** The rows of the results table, as arrays of cell texts. */
function resultRows(html: string): string[][] {
  const body = html.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => visibleText(c[1]).trim()));
}

describe('catalogue: keyword search and browse', () => {
  let t: TestApp;
  let teacher: Agent;
  before(async () => {
    t = await startTestApp();
    teacher = await loginAs(t.app, 'SSEGUR');
  });
  after(async () => { await t.close(); });

  it('when searching "OTP", should find OTP / OTP-ODA with both buttons', async () => {
    const res = await teacher.get('/assistance/recherche?q=OTP');
    assert.equal(res.status, 200);
    const rows = resultRows(res.text);
    assert.ok(rows.length >= 5);
    assert.ok(rows.every((r) => r[3] === 'OTP / OTP-ODA'), 'only the OTP service matches');
    assert.deepEqual(rows[0].slice(0, 5), ['Offre de services pour les écoles', 'Applications métier du premier degré', 'Authentification et accès', 'OTP / OTP-ODA', "Accès à l'application"]);
    assert.ok(res.text.includes("J&#39;ai un problème") || res.text.includes("J'ai un problème"));
    assert.ok(visibleText(res.text).includes("J'ai une demande ou besoin d'aide"));
    for (const th of ['Domaine de service', 'Groupe de famille', 'Famille de service', 'Service', 'Sous catégorie de service']) {
      assert.ok(res.text.includes(`<th scope="col">${th}</th>`), th);
    }
  });

  it('when searching "webmail" in lower case, should find the five Webmail sub-categories', async () => {
    const rows = resultRows((await teacher.get('/assistance/recherche?q=webmail')).text);
    assert.deepEqual(
      rows.map((r) => r[4]),
      ["Accès à l'application", 'Anomalie, bug et données manquantes', "Aide à l'usage, conseil et paramétrage", 'Question réglementaire / Règle de gestion', "Demande d'évolution de l'application"],
    );
    assert.ok(rows.every((r) => r[3] === 'Webmail'));
  });

  it('when searching "acces" without accent, should find "Accès"', async () => {
    const res = await teacher.get('/assistance/recherche?q=acces&par_page=100');
    const rows = resultRows(res.text);
    assert.ok(rows.length > 0);
    assert.ok(rows.some((r) => r[4] === "Accès à l'application"));
  });

  it('when searching a keyword that is not a name ("mot de passe à usage unique"), should find the service that has it', async () => {
    const rows = resultRows((await teacher.get('/assistance/recherche?q=' + encodeURIComponent('usage unique'))).text);
    assert.ok(rows.some((r) => r[3] === 'OTP / OTP-ODA'));
  });

  it('when searching with FTS syntax or SQL, should answer 200 without error', async () => {
    for (const q of ['"', 'NEAR(', "' OR 1=1 --", 'webmail*) OR (', 'domain:x', '^^^']) {
      const res = await teacher.get('/assistance/recherche?q=' + encodeURIComponent(q));
      assert.equal(res.status, 200, q);
    }
  });

  it('when there are more results than a page, should page them 20 at a time', async () => {
    const first = await teacher.get('/assistance/recherche?q=application');
    const rows = resultRows(first.text);
    assert.equal(rows.length, 20);
    assert.ok(first.text.includes('Page suivante'));
    const second = resultRows((await teacher.get('/assistance/recherche?q=application&page=2')).text);
    assert.ok(second.length > 0);
    assert.notDeepEqual(second[0], rows[0]);
  });

  it('when filtering the results, should keep only matching rows', async () => {
    const rows = resultRows((await teacher.get('/assistance/recherche?q=webmail&filtre=bug')).text);
    assert.deepEqual(rows.map((r) => r[4]), ['Anomalie, bug et données manquantes']);
  });

  it('when a teacher of a school browses, should see only the offers for schools', async () => {
    const res = await teacher.get('/assistance/services');
    const text = visibleText(res.text);
    assert.ok(text.includes('Offre de services pour les écoles'));
    assert.ok(!text.includes('Offre de services pour les EPLE'));
    assert.ok(!text.includes('Offre de services pour les services académiques'));
  });

  it('when a staff member of an academic service browses, should see the academic offer down to Webmail', async () => {
    const rectorat = await t.db('establishments').where({ rne: '0319999Z' }).first();
    const staff = await buildUser(t.db, { establishmentId: rectorat.id });
    const agent = await loginAs(t.app, staff.identifiant);
    let res = await agent.get('/assistance/services');
    assert.ok(visibleText(res.text).includes('Offre de services pour les services académiques'));
    assert.ok(!visibleText(res.text).includes('Offre de services pour les écoles'));
    // Domaine → Groupe de famille → Famille de service → Service → Sous catégorie
    for (const name of ['Offre de services pour les services académiques', 'Communication, partage et collaboration', 'Messagerie et liste de diffusion', 'Webmail']) {
      const link = res.text.match(new RegExp(`href="(/assistance/services/[a-z]+/\\d+)">${name.replace(/[()]/g, '\\$&')}</a>`));
      assert.ok(link, `a link to ${name}`);
      res = await agent.get(link[1]);
      assert.equal(res.status, 200);
    }
    assert.ok(visibleText(res.text).includes("Accès à l'application"));
    assert.match(res.text, /\/assistance\/tickets\/nouveau\?sous_categorie=\d+&amp;type=incident/);
  });

  it('when a school teacher opens an EPLE node by URL, should get 404', async () => {
    const eple = await t.db('cat_domains').where({ name: 'Offre de services pour les EPLE' }).first();
    const res = await teacher.get(`/assistance/services/domaine/${eple.id}`);
    assert.equal(res.status, 404);
    const bad = await teacher.get('/assistance/services/nimporte/abc');
    assert.equal(bad.status, 404);
  });

  it('when a lycée teacher searches "pronote", should find it while a school teacher does not', async () => {
    const lycee = await buildEstablishment(t.db, { type: 'lycee' });
    const prof = await buildUser(t.db, { establishmentId: lycee.id });
    const agent = await loginAs(t.app, prof.identifiant);
    assert.ok(resultRows((await agent.get('/assistance/recherche?q=pronote')).text).length > 0);
    assert.equal(resultRows((await teacher.get('/assistance/recherche?q=pronote')).text).length, 0);
  });

  it('when the catalogue has not changed, should answer a search with one statement besides the session, from the catalogue kept in memory', async () => {
    await teacher.get('/assistance/recherche?q=webmail');
    const { queries, result: res } = await queriesDuring([t.db, t.readDb], () => teacher.get('/assistance/recherche?q=webmail'));
    assert.equal(resultRows(res.text).length, 5);
    // On PostgreSQL each request also checks what other processes changed (cache_versions, all rows).
    const catalogueStatements = queries.filter((q) => !/FROM sessions/i.test(q.sql) && !/knowledge/i.test(q.sql) && !/^SELECT name, version FROM cache_versions$/.test(q.sql));
    assert.equal(catalogueStatements.length, 1, catalogueStatements.map((q) => q.sql).join('\n'));
    assert.match(catalogueStatements[0].sql, /catalogue_fts (MATCH|WHERE doc @@)/);
  });

  it('when the catalogue is changed in the database by another route than the admin pages, should show the change on the next search, browse and new ticket form', async () => {
    const webmail = await t.db('cat_services as v').join('cat_families as f', 'f.id', 'v.parent_id').join('cat_groups as g', 'g.id', 'f.parent_id')
      .join('cat_domains as d', 'd.id', 'g.parent_id').where({ 'v.name': 'Webmail', 'd.name': 'Offre de services pour les écoles' }).first('v.id');
    const bug = await t.db('cat_subcategories').where({ parent_id: webmail.id, name: 'Anomalie, bug et données manquantes' }).first();
    // Kept in memory by the searches above; now changed behind the app's back.
    assert.equal(resultRows((await teacher.get('/assistance/recherche?q=webmail')).text).length, 5);
    await t.db('cat_services').where({ id: webmail.id }).update({ name: 'Webmail des écoles' });
    await t.db('cat_subcategories').where({ id: bug.id }).update({ active: false });
    try {
      const rows = resultRows((await teacher.get('/assistance/recherche?q=webmail')).text);
      assert.equal(rows.length, 4, 'the deactivated sub-category is gone');
      assert.ok(rows.every((r) => r[3] === 'Webmail des écoles'), 'the new name is shown');
      const step = await teacher.get(`/assistance/services/service/${webmail.id}`);
      assert.ok(visibleText(step.text).includes('Webmail des écoles'));
      assert.ok(!visibleText(step.text).includes('Anomalie, bug et données manquantes'));
      const form = await teacher.get(`/assistance/tickets/nouveau?sous_categorie=${bug.id}&type=incident`);
      assert.ok(!visibleText(form.text).includes('Anomalie, bug et données manquantes'), 'no form for a deactivated sub-category');
    } finally {
      await t.db('cat_services').where({ id: webmail.id }).update({ name: 'Webmail' });
      await t.db('cat_subcategories').where({ id: bug.id }).update({ active: true });
    }
    assert.equal(resultRows((await teacher.get('/assistance/recherche?q=webmail')).text).length, 5, 'and back once restored');
  });
});
