import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { adminPost } from '../../helpers/admin.js';

async function download(agent: Agent, path: string): Promise<string> {
  const res = await agent.get(path).buffer(true).parse((r, cb) => {
    let s = '';
    r.setEncoding('utf8');
    r.on('data', (c: string) => (s += c));
    r.on('end', () => cb(null, s));
  });
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-disposition']), /^attachment/);
  return res.body as string;
}

async function preview(agent: Agent, kind: string, csv: string) {
  const token = await csrfOf(agent, '/admin/import');
  return agent.post(`/admin/import/${kind}/apercu`).field('_csrf', token).attach('file', Buffer.from(csv, 'utf8'), `${kind}.csv`);
}

async function importFile(agent: Agent, kind: string, csv: string) {
  const res = await preview(agent, kind, csv);
  assert.equal(res.status, 200, visibleText(res.text).split('Aperçu de l')[1]?.slice(0, 600));
  const token = res.text.match(/name="token" value="([^"]+)"/)![1];
  return adminPost(agent, `/admin/import/${kind}/appliquer`, { token });
}

describe('admin: CSV import and export', () => {
  let t: TestApp;
  let admin: Agent;
  before(async () => {
    t = await startTestApp();
    admin = await loginAs(t.app, 'ADMIN');
  });
  after(async () => { await t.close(); });

  it('when the catalogue is exported then imported, should change nothing, and a fresh base should rebuild it identically', async () => {
    const exported = await download(admin, '/admin/export/catalogue');
    assert.ok(exported.startsWith('\uFEFFniveau;domaine;groupe;famille;service;sous_categorie;ordre;actif;mots_cles;equipe;types_etablissement;incident;demande'));
    const lines = exported.trim().split('\n');
    assert.ok(lines.some((l) => l.startsWith('sous-categorie;Offre de services pour les services académiques;Communication, partage et collaboration;Messagerie et liste de diffusion;Webmail;Accès à l\'application')));
    // same base: everything unchanged
    const res = await preview(admin, 'catalogue', exported);
    assert.match(visibleText(res.text), new RegExp(`0 à créer, 0 à modifier, ${lines.length - 1} inchangés`));
    const applied = await importFile(admin, 'catalogue', exported);
    assert.equal(applied.status, 303);
    assert.equal(await download(admin, '/admin/export/catalogue'), exported);
    // a fresh base with an empty catalogue
    const fresh = await startTestApp();
    try {
      await fresh.db('cat_subcategories').delete();
      for (const table of ['cat_services', 'cat_families', 'cat_groups', 'cat_domains']) await fresh.db(table).delete();
      const freshAdmin = await loginAs(fresh.app, 'ADMIN');
      assert.equal((await importFile(freshAdmin, 'catalogue', exported)).status, 303);
      assert.equal(await download(freshAdmin, '/admin/export/catalogue'), exported);
      const search = await (await loginAs(fresh.app, 'SSEGUR')).get('/assistance/recherche?q=otp');
      assert.ok(visibleText(search.text).includes('OTP / OTP-ODA'), 'the search index is rebuilt');
    } finally {
      await fresh.close();
    }
  });

  it('when a file of 500 lines has 3 bad ones, should refuse it whole and name the 3 lines', async () => {
    const header = 'niveau;domaine;groupe;famille;service;sous_categorie;ordre;actif;mots_cles;equipe;types_etablissement;incident;demande';
    const rows = ['domaine;Offre importée;;;;;0;oui;;;;;', 'groupe;Offre importée;Groupe A;;;;0;oui;;;;;', 'famille;Offre importée;Groupe A;Famille A;;;0;oui;;;;;'];
    for (let i = 0; rows.length < 500; i++) {
      if (i % 5 === 0) rows.push(`service;Offre importée;Groupe A;Famille A;Service ${i};;${i};oui;;;;;`);
      else rows.push(`sous-categorie;Offre importée;Groupe A;Famille A;Service ${i - (i % 5)};Sous ${i};${i};oui;mot${i};Assistance proximité;ecole|college;oui;non`);
    }
    rows[100] = rows[100].replace('Assistance proximité', 'Équipe fantôme'); // line 102
    rows[200] = rows[200].replace('ecole|college', 'ecole|usine'); // line 202
    rows[300] = rows[300].replace(';oui;non', ';peut-être;non'); // line 302
    assert.equal(rows.length, 500);
    const before = Number((await t.db('cat_subcategories').count({ n: '*' }))[0].n);
    const res = await preview(admin, 'catalogue', [header, ...rows].join('\n'));
    assert.equal(res.status, 422);
    const text = visibleText(res.text);
    assert.ok(text.includes('Fichier refusé : 3 lignes en erreur sur 500'));
    assert.ok(text.includes('Ligne 102 : équipe « Équipe fantôme » inconnue.'));
    assert.ok(text.includes("Ligne 202 : type d'établissement inconnu : usine."));
    assert.ok(text.includes('Ligne 302 : incident « peut-être » : oui ou non'));
    assert.ok(!res.text.includes('name="token"'), 'nothing to confirm');
    assert.equal(Number((await t.db('cat_subcategories').count({ n: '*' }))[0].n), before, 'nothing imported');
    assert.equal(await t.db('cat_domains').where({ name: 'Offre importée' }).first(), undefined);
    // fixed, it goes in whole
    rows[100] = rows[100].replace('Équipe fantôme', 'Assistance proximité');
    rows[200] = rows[200].replace('ecole|usine', 'ecole|college');
    rows[300] = rows[300].replace(';peut-être;non', ';oui;non');
    assert.equal((await importFile(admin, 'catalogue', [header, ...rows].join('\n'))).status, 303);
    const added = Number((await t.db('cat_subcategories').count({ n: '*' }))[0].n) - before;
    assert.equal(added, rows.filter((r) => r.startsWith('sous-categorie')).length);
  });

  it('when a file is not a CSV or has the wrong header, should say so', async () => {
    let res = await preview(admin, 'catalogue', 'nom,prenom\nx,y');
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('En-tête incomplet'));
    const token = await csrfOf(admin, '/admin/import');
    res = await admin.post('/admin/import/catalogue/apercu').field('_csrf', token);
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('Choisissez un fichier CSV.'));
  });

  it('when users are exported then imported, should change nothing; new lines create accounts; a formula is neutralised', async () => {
    let exported = await download(admin, '/admin/export/utilisateurs');
    assert.ok(exported.includes('SSEGUR;Sophie;Ségur;sophie.segur@ac-demo.fr;05 61 00 00 01;Professeure des écoles;0310001A;;;oui'));
    const res = await preview(admin, 'utilisateurs', exported);
    assert.match(visibleText(res.text), /0 à créer, 0 à modifier, 5 inchangés/);
    const added = exported.trimEnd() + '\nLBLANC;Lucie;=HYPERLINK("http://evil");lucie@ac-demo.fr;;Enseignante;0310001A;responsable;;oui\n';
    assert.equal((await importFile(admin, 'utilisateurs', added)).status, 303);
    const lucie = await t.db('users').where({ identifiant: 'LBLANC' }).first();
    assert.equal(lucie.last_name, '=HYPERLINK("http://evil")');
    exported = await download(admin, '/admin/export/utilisateurs');
    assert.ok(exported.includes(`"'=HYPERLINK(""http://evil"")"`), 'the formula is written inert');
    // and reading it back gives the same name
    const again = await preview(admin, 'utilisateurs', exported);
    assert.match(visibleText(again.text), /0 à créer, 0 à modifier, 6 inchangés/);
  });

  it('when a users file names an unknown establishment or role, should refuse the lines', async () => {
    const csv = 'identifiant;prenom;nom;courriel;telephone;fonction;etablissements;roles;equipes;actif\nAA;A;A;;;;9999999Z;;;oui\nBB;B;B;pas-un-courriel;;;0310001A;pape;;oui\n';
    const res = await preview(admin, 'utilisateurs', csv);
    assert.equal(res.status, 422);
    const text = visibleText(res.text);
    assert.ok(text.includes('Ligne 2 : établissement inconnu : 9999999Z.'));
    assert.ok(text.includes('Ligne 3 : courriel « pas-un-courriel » invalide ; rôle inconnu : pape.'));
  });
});
