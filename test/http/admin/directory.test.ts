import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { adminPost } from '../../helpers/admin.js';
import { buildTicket, demoUser, subcategoryId } from '../../helpers/factories.js';
import { PNG_1PX } from '../../helpers/files.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';

describe('admin: establishments, teams, users, portal, settings', () => {
  let t: TestApp;
  let admin: Agent;
  before(async () => {
    t = await startTestApp();
    admin = await loginAs(t.app, 'ADMIN');
  });
  after(async () => { await t.close(); });

  it('when an RNE is not 7 digits and a letter, or already taken, should refuse it beside the field', async () => {
    for (const rne of ['031001A', '0310001', 'ABCDEFGH', '03100011A']) {
      const res = await adminPost(admin, '/admin/etablissements', { rne, name: 'École X', type: 'ecole', city: 'Albi' });
      assert.equal(res.status, 422, rne);
      assert.ok(visibleText(res.text).includes('Code RNE/UAI invalide : 7 chiffres suivis d’une lettre'), rne);
      assert.ok(res.text.includes('value="École X"'));
    }
    const taken = await adminPost(admin, '/admin/etablissements', { rne: '0310001A', name: 'Doublon', type: 'ecole' });
    assert.equal(taken.status, 422);
    assert.ok(visibleText(taken.text).includes('Un établissement porte déjà ce code RNE/UAI.'));
    const ok = await adminPost(admin, '/admin/etablissements', { rne: '0811234x', name: 'Collège Jean Moulin', type: 'college', city: 'Albi' });
    assert.equal(ok.status, 303);
    assert.ok(await t.db('establishments').where({ rne: '0811234X' }).first(), 'stored upper-case');
  });

  it('when the admin creates a user with roles, should let them reset a password and log in; when deactivated, should refuse the login and end the session, tickets kept', async () => {
    const est = await t.db('establishments').where({ rne: '0310001A' }).first();
    let res = await adminPost(admin, '/admin/utilisateurs', {
      identifiant: 'jdupont', first_name: 'Jeanne', last_name: 'Dupont', email: 'jeanne.dupont@ac-demo.fr', active: 'on', roles: ['responsable'], main_establishment_id: est.id,
    });
    assert.equal(res.status, 303);
    const u = await t.db('users').where({ identifiant: 'JDUPONT' }).first();
    assert.deepEqual(await t.db('user_roles').where({ user_id: u.id }).pluck('role'), ['responsable']);
    // no password until she sets one
    const anon = request.agent(t.app);
    let token = await csrfOf(anon, '/login');
    assert.equal((await anon.post('/login').type('form').send({ _csrf: token, identifiant: 'JDUPONT', password: '' })).status, 401);
    await t.services.passwordReset.request('JDUPONT');
    const mail = await t.db('outbox').where({ to_user_id: u.id, kind: 'password_reset' }).first();
    const path = new URL(mail.text_body.match(/https?:\/\/\S+\/mot-de-passe\/\S+/)![0]).pathname;
    token = await csrfOf(anon, path);
    await anon.post(path).type('form').send({ _csrf: token, password: 'Un-mot-de-passe-solide', confirmation: 'Un-mot-de-passe-solide' });
    const jeanne = await loginAs(t.app, 'JDUPONT', 'Un-mot-de-passe-solide');
    const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    const ref = await buildTicket(t.services, u.id, { subcategory_id: sub });
    // deactivate
    res = await adminPost(admin, `/admin/utilisateurs/${u.id}`, {
      identifiant: 'JDUPONT', first_name: 'Jeanne', last_name: 'Dupont', email: 'jeanne.dupont@ac-demo.fr', roles: ['responsable'], main_establishment_id: est.id,
    });
    assert.equal(res.status, 303);
    assert.equal((await jeanne.get('/assistance')).status, 302, 'her session is over');
    token = await csrfOf(anon, '/login');
    assert.equal((await anon.post('/login').type('form').send({ _csrf: token, identifiant: 'JDUPONT', password: 'Un-mot-de-passe-solide' })).status, 401);
    assert.ok(await t.db('tickets').where({ ref }).first(), 'her tickets remain');
    const list = visibleText((await admin.get('/admin/utilisateurs?q=dupont')).text);
    assert.ok(list.includes('JDUPONT Dupont Jeanne jeanne.dupont@ac-demo.fr responsable Local Désactivé'));
  });

  it('when an identifiant is taken or malformed, should refuse it', async () => {
    let res = await adminPost(admin, '/admin/utilisateurs', { identifiant: 'ssegur', first_name: 'A', last_name: 'B', active: 'on' });
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('Cet identifiant est déjà utilisé.'));
    res = await adminPost(admin, '/admin/utilisateurs', { identifiant: 'S SEGUR', first_name: 'A', last_name: 'B', active: 'on' });
    assert.equal(res.status, 422);
  });

  it('when the admin creates a team and adds an agent, should let that agent work its tickets', async () => {
    let res = await adminPost(admin, '/admin/equipes', { name: 'Équipe ENT', active: 'on' });
    assert.equal(res.status, 303);
    const team = await t.db('teams').where({ name: 'Équipe ENT' }).first();
    res = await adminPost(admin, '/admin/equipes', { name: 'équipe ent', active: 'on' });
    assert.equal(res.status, 422, 'duplicate name');
    const sophie = await demoUser(t.db, 'SSEGUR');
    res = await adminPost(admin, `/admin/equipes/${team.id}/membres`, { user_id: sophie.id });
    assert.equal(res.status, 422, 'only agents');
    const aleroy = await demoUser(t.db, 'ALEROY');
    res = await adminPost(admin, `/admin/equipes/${team.id}/membres`, { user_id: aleroy.id });
    assert.equal(res.status, 303);
    assert.ok(visibleText((await admin.get(`/admin/equipes/${team.id}`)).text).includes('Antoine Leroy (ALEROY)'));
    res = await adminPost(admin, `/admin/equipes/${team.id}/membres/${aleroy.id}/retirer`, {});
    assert.equal(res.status, 303);
    assert.equal(await t.db('team_members').where({ team_id: team.id }).first(), undefined);
    res = await adminPost(admin, '/admin/equipes/plateforme', { platform_team_id: team.id });
    assert.equal((await t.services.settings.all()).platform_team_id, team.id);
  });

  it('when the settings are not in memory, should still change the platform team at once, reading them in its own transaction', async () => {
    const team = await t.db('teams').where({ active: true }).orderBy('id', 'desc').first();
    const admin0 = await demoUser(t.db, 'ADMIN');
    t.services.settings.forget();
    const started = Date.now();
    await t.services.directoryAdmin.setPlatformTeam(admin0.id, team.id);
    const ms = Date.now() - started;
    assert.ok(ms < 1000, `done in ${ms} ms, not after a wait for a connection`);
    assert.equal((await t.services.settings.all()).platform_team_id, team.id);
    const audit = await t.db('admin_audit').where({ entity: 'setting' }).orderBy('id', 'desc').first();
    assert.deepEqual(JSON.parse(audit.after), { platform_team_id: team.id });
  });

  it('when the admin renames the helpdesk and adds a section and a tool, should show them on the ARENA page', async () => {
    let res = await adminPost(admin, '/admin/portail', { academy_name: 'Académie de Rennes', helpdesk_name: 'Assistance AMIGO', phone_fallback: 'Appelez le 02 23 21 73 00.' });
    assert.equal(res.status, 303);
    res = await adminPost(admin, '/admin/portail/rubriques', { name: 'Examens et concours', position: 9 });
    assert.equal(res.status, 303);
    const section = await t.db('portal_sections').where({ name: 'Examens et concours' }).first();
    res = await adminPost(admin, `/admin/portail/rubriques/${section.id}/outils`, { name: 'Cyclades', url: 'javascript:alert(1)', description: '' });
    assert.equal(res.status, 422, 'only http(s) or site links');
    res = await adminPost(admin, `/admin/portail/rubriques/${section.id}/outils`, { name: 'Cyclades', url: 'https://cyclades.education.gouv.fr/', description: 'Inscriptions aux examens' });
    assert.equal(res.status, 303);
    const teacher = await loginAs(t.app, 'SSEGUR');
    let arena = await teacher.get(`/portail?rubrique=${section.id}`);
    assert.ok(visibleText(arena.text).includes('Cyclades Inscriptions aux examens'));
    assert.ok(visibleText(arena.text).includes('Académie de Rennes'));
    const support = await t.db('portal_sections').where({ name: 'Support et Assistance' }).first();
    arena = await teacher.get(`/portail?rubrique=${support.id}`);
    assert.ok(visibleText(arena.text).includes('Assistance AMIGO'));
    assert.ok(visibleText(arena.text).includes('Appelez le 02 23 21 73 00.'));
    // The page keeps sections and tools in memory: each change shows at the next view.
    res = await adminPost(admin, `/admin/portail/rubriques/${section.id}`, { name: 'Examens', position: 9 });
    assert.equal(res.status, 303);
    assert.ok(visibleText((await teacher.get(`/portail?rubrique=${section.id}`)).text).includes('Examens'));
    const tool = await t.db('portal_tools').where({ name: 'Cyclades' }).first();
    res = await adminPost(admin, `/admin/portail/outils/${tool.id}/supprimer`, {});
    assert.equal(res.status, 303);
    assert.ok(!visibleText((await teacher.get(`/portail?rubrique=${section.id}`)).text).includes('Cyclades'));
    res = await adminPost(admin, `/admin/portail/rubriques/${section.id}/supprimer`, {});
    assert.equal(res.status, 303);
    assert.ok(!visibleText((await teacher.get('/portail')).text).includes('Examens'));
  });

  it('when the admin changes the matrix, delays and upload limit, should apply them to the next ticket', async () => {
    const values: Record<string, string> = { auto_close_days: '10', reopen_days: '12', upload_max_mb: '0.1', upload_max_files: '2' };
    for (const i of ['etablissement', 'plusieurs', 'personne']) for (const u of ['critique', 'haute', 'moyenne', 'basse']) values[`m_${i}_${u}`] = '4';
    values.m_personne_moyenne = '1';
    let res = await adminPost(admin, '/admin/reglages', { ...values, reopen_days: '5' });
    assert.equal(res.status, 422, 'reopen shorter than auto-close');
    assert.ok(visibleText(res.text).includes('Le délai de réouverture doit être au moins égal'));
    res = await adminPost(admin, '/admin/reglages', values);
    assert.equal(res.status, 303);
    const s = await t.services.settings.all();
    assert.equal(s.auto_close_days, 10);
    assert.equal(s.priority_matrix.personne.moyenne, 1);
    const sophie = await loginAs(t.app, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Après réglage' }));
    assert.equal(res.status, 303, 'creating a ticket right after a settings change works (no stale cache, no lock)');
    assert.equal((await t.db('tickets').where({ subject: 'Après réglage' }).first()).priority, 1);
    res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Trop gros' }), [{ name: 'a.png', content: Buffer.concat([PNG_1PX, Buffer.alloc(150 * 1024)]) }]);
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('Chaque pièce jointe doit faire au plus 102 Ko'));
    const journal = visibleText((await admin.get('/admin/journal')).text);
    assert.ok(journal.includes('update setting'));
    assert.ok(journal.includes('"auto_close_days":14') && journal.includes('"auto_close_days":10'), 'before and after');
  });
});
