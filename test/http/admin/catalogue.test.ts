import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { adminPost } from '../../helpers/admin.js';
import { buildTicket, demoUser, subcategoryId } from '../../helpers/factories.js';

const ALL_TYPES = ['ecole', 'college', 'lycee', 'service'];

describe('admin: the service catalogue editor', () => {
  let t: TestApp;
  let admin: Agent, teacher: Agent;
  before(async () => {
    t = await startTestApp();
    admin = await loginAs(t.app, 'ADMIN');
    teacher = await loginAs(t.app, 'SSEGUR');
  });
  after(async () => { await t.close(); });

  it('when someone who is not admin tries the admin pages or posts, should get 404 and change nothing', async () => {
    for (const path of ['/admin', '/admin/catalogue', '/admin/utilisateurs', '/admin/reglages', '/admin/journal']) {
      assert.equal((await teacher.get(path)).status, 404, path);
    }
    const agentUser = await loginAs(t.app, 'ALEROY');
    const res = await adminPost(agentUser, '/admin/catalogue/domaine', { name: 'Intrus', position: 0, active: 'on' });
    assert.equal(res.status, 404);
    assert.equal(await t.db('cat_domains').where({ name: 'Intrus' }).first(), undefined);
  });

  it('when the admin opens the catalogue, should see the five levels as a tree', async () => {
    const res = await admin.get('/admin/catalogue');
    assert.equal(res.status, 200);
    const text = visibleText(res.text);
    for (const name of ['Offre de services pour les écoles', 'Communication, partage et collaboration', 'Messagerie et liste de diffusion', 'Webmail']) assert.ok(text.includes(name), name);
  });

  it('when the admin builds a new branch level by level, should create each node and find it at once in the search', async () => {
    let res = await adminPost(admin, '/admin/catalogue/domaine', { name: 'Offre de test', position: 9, active: 'on' });
    assert.equal(res.status, 303);
    const domain = await t.db('cat_domains').where({ name: 'Offre de test' }).first();
    res = await adminPost(admin, '/admin/catalogue/groupe', { name: 'Groupe test', parent_id: domain.id, active: 'on' });
    const group = await t.db('cat_groups').where({ name: 'Groupe test' }).first();
    res = await adminPost(admin, '/admin/catalogue/famille', { name: 'Famille test', parent_id: group.id, active: 'on' });
    const family = await t.db('cat_families').where({ name: 'Famille test' }).first();
    res = await adminPost(admin, '/admin/catalogue/service', { name: 'Tableau numérique', parent_id: family.id, active: 'on' });
    const service = await t.db('cat_services').where({ name: 'Tableau numérique' }).first();
    const team = await t.db('teams').where({ name: 'Assistance proximité' }).first();
    res = await adminPost(admin, '/admin/catalogue/sous-categorie', {
      name: 'Stylet perdu', parent_id: service.id, active: 'on', keywords: 'zorglub', team_id: team.id, accepts_incident: 'on', establishment_types: ['ecole'],
    });
    assert.equal(res.status, 303);
    const sub = await t.db('cat_subcategories').where({ name: 'Stylet perdu' }).first();
    assert.equal(sub.team_id, team.id);
    assert.equal(!!sub.accepts_request, false);
    // the next request finds it by its keyword, and offers only "J'ai un problème"
    const search = await teacher.get('/assistance/recherche?q=zorglub');
    assert.ok(visibleText(search.text).includes('Stylet perdu'));
    assert.ok(search.text.includes(`sous_categorie=${sub.id}&amp;type=incident`));
    assert.ok(!search.text.includes(`sous_categorie=${sub.id}&amp;type=request`));
  });

  it('when a keyword is added to an existing sub-category, should be found by the next search', async () => {
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    assert.ok(!visibleText((await teacher.get('/assistance/recherche?q=plumeau')).text).includes('Webmail'));
    const row = await t.db('cat_subcategories').where({ id: sub }).first();
    const res = await adminPost(admin, `/admin/catalogue/sous-categorie/${sub}`, {
      name: row.name, parent_id: row.parent_id, position: row.position, active: 'on', keywords: row.keywords + ' plumeau',
      team_id: row.team_id ?? '', accepts_incident: 'on', accepts_request: 'on', establishment_types: row.establishment_types.split(','),
    });
    assert.equal(res.status, 303);
    assert.ok(visibleText((await teacher.get('/assistance/recherche?q=plumeau')).text).includes('Webmail'));
  });

  it('when a name already exists under the same parent, should refuse it beside the field, whatever the case', async () => {
    const webmail = await t.db('cat_services').where({ name: 'Webmail' }).first();
    const res = await adminPost(admin, '/admin/catalogue/service', { name: 'WEBMAIL', parent_id: webmail.parent_id, active: 'on' });
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('Un élément de ce niveau porte déjà ce nom sous le même parent.'));
    assert.ok(res.text.includes('value="WEBMAIL"'), 'what was typed is kept');
    const sameNameElsewhere = await t.db('cat_families').whereNot('id', webmail.parent_id).first();
    const ok = await adminPost(admin, '/admin/catalogue/service', { name: 'Webmail', parent_id: sameNameElsewhere.id, active: 'on' });
    assert.equal(ok.status, 303, 'the same name under another parent is fine');
  });

  it('when deleting something tickets use, should refuse and advise deactivating; a sub-category deactivated disappears from new tickets while old tickets keep its name', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'ONDE', 'Question réglementaire / Règle de gestion');
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
    let res = await adminPost(admin, `/admin/catalogue/sous-categorie/${sub}/supprimer`, {});
    assert.equal(res.status, 409);
    assert.ok(visibleText(res.text).includes('Cet élément est utilisé par 1 ticket : désactivez-le plutôt que de le supprimer.'));
    const onde = await t.db('cat_services').where({ name: 'ONDE' }).first();
    res = await adminPost(admin, `/admin/catalogue/service/${onde.id}/supprimer`, {});
    assert.equal(res.status, 409, 'its parents too');
    // deactivate, and rename: the old ticket keeps the name it was filed under
    const row = await t.db('cat_subcategories').where({ id: sub }).first();
    res = await adminPost(admin, `/admin/catalogue/sous-categorie/${sub}`, {
      name: 'Réglementation (ancien)', parent_id: row.parent_id, position: row.position, keywords: row.keywords, team_id: row.team_id ?? '',
      accepts_incident: 'on', accepts_request: 'on', establishment_types: ALL_TYPES,
    });
    assert.equal(res.status, 303);
    assert.equal((await teacher.get(`/assistance/tickets/nouveau?sous_categorie=${sub}&type=incident`)).status, 404);
    const browse = await teacher.get(`/assistance/services/service/${onde.id}`);
    assert.ok(!visibleText(browse.text).includes('Réglementation'));
    assert.ok(!visibleText((await teacher.get('/assistance/recherche?q=reglementation')).text).includes('Réglementation (ancien)'));
    const page = visibleText((await teacher.get(`/assistance/tickets/${ref}`)).text);
    assert.ok(page.includes('Question réglementaire / Règle de gestion'), 'the ticket shows the name it was filed under');
  });

  it('when deleting an unused node, should delete it and record who did', async () => {
    const service = await t.db('cat_services').where({ name: 'Tableau numérique' }).first();
    const sub = await t.db('cat_subcategories').where({ name: 'Stylet perdu' }).first();
    let res = await adminPost(admin, `/admin/catalogue/service/${service.id}/supprimer`, {});
    assert.equal(res.status, 409, 'it still has a sub-category');
    res = await adminPost(admin, `/admin/catalogue/sous-categorie/${sub.id}/supprimer`, {});
    assert.equal(res.status, 303);
    assert.equal(await t.db('cat_subcategories').where({ id: sub.id }).first(), undefined);
    const journal = visibleText((await admin.get('/admin/journal')).text);
    assert.ok(journal.includes('Camille Bernard delete subcategory'));
    assert.ok(journal.includes('Stylet perdu'), 'with what it was before');
  });

  it('when moving a service under another family, should carry its sub-categories along', async () => {
    const lsu = await t.db('cat_services').where({ name: 'LSU - Livret scolaire unique' }).first();
    const target = await t.db('cat_families').where({ name: 'Authentification et accès' }).first();
    const res = await adminPost(admin, `/admin/catalogue/service/${lsu.id}`, { name: lsu.name, parent_id: target.id, position: 5, active: 'on' });
    assert.equal(res.status, 303);
    const rows = visibleText((await teacher.get('/assistance/recherche?q=livret')).text);
    assert.ok(rows.includes('Authentification et accès LSU - Livret scolaire unique'));
  });
});
