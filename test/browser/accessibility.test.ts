import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { buildTicket, demoUser, subcategoryId } from '../helpers/factories.js';
import { chromiumAvailable, launchChromium, login, startLiveApp, type LiveApp } from '../helpers/browser.js';

/** Serious and critical WCAG 2.1 A/AA violations on the current page. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

describe('accessibility: axe on every page of every role (WCAG 2.1 A/AA)', function () {
  this.timeout(300_000);
  let app: LiveApp;
  let browser: Browser;
  let refs: Record<string, string>;
  const scanned: string[] = [];

  before(async function () {
    if (!chromiumAvailable()) {
      if (process.env.CI) throw new Error('Chromium is missing at /usr/bin/chromium: .ci/run installs it with apt-get.');
      console.warn('      (browser tests skipped: install Debian chromium to run them)');
      this.skip();
    }
    app = await startLiveApp();
    browser = await launchChromium();
    const s = await demoUser(app.db, 'SSEGUR');
    const sub = await subcategoryId(app.db, 'Webmail', "Accès à l'application");
    refs = {
      open: await buildTicket(app.services, s.id, { subcategory_id: sub, subject: 'Webmail bloqué', visibility: 'managers' }),
      waiting: await buildTicket(app.services, s.id, { subcategory_id: sub, subject: 'Question en attente' }),
      resolved: await buildTicket(app.services, s.id, { subcategory_id: sub, subject: 'Résolu à accepter' }),
    };
    const agent = await demoUser(app.db, 'ALEROY');
    await app.db('tickets').where({ ref: refs.waiting }).update({ status: 'a_completer', agent_id: agent.id });
    await app.db('tickets').where({ ref: refs.resolved }).update({ status: 'resolue', agent_id: agent.id, resolved_at: new Date().toISOString() });
    await app.services.knowledge.save(agent.id, null, { kind: 'fiche', title: 'Configurer le webmail', body: '1. Ouvrir **ARENA**\n2. Cliquer', keywords: 'webmail', service_id: null, published: true, position: 0 });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    if (scanned.length > 0) console.log(`      ${scanned.length} pages scanned`);
  });

  async function scan(page: Page, url: string, setup?: (page: Page) => Promise<void>) {
    await page.goto(app.url + url);
    if (setup) await setup(page);
    const found = await violations(page);
    scanned.push(url);
    return found.map((v) => `${url}: ${v}`);
  }

  async function scanAll(identifiant: string | null, urls: Array<string | [string, (page: Page) => Promise<void>]>) {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    if (identifiant) await login(page, app.url, identifiant);
    const problems: string[] = [];
    for (const u of urls) problems.push(...(Array.isArray(u) ? await scan(page, u[0], u[1]) : await scan(page, u)));
    await context.close();
    assert.deepEqual(problems, []);
  }

  const submitEmpty = async (page: Page) => {
    await page.getByLabel('Objet de la demande').fill('');
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForLoadState();
  };

  it('when anonymous, should pass on the login, lost-password and error pages', async () => {
    await scanAll(null, ['/login', ['/login', async (p) => {
      await p.getByLabel('Identifiant').fill('X');
      await p.getByLabel('Mot de passe').fill('y');
      await p.getByRole('button', { name: 'Se connecter' }).click();
      await p.waitForLoadState();
    }], '/mot-de-passe-perdu', '/mot-de-passe/lien-invalide-0000000000000', '/page-inexistante']);
  });

  it('when a requester, should pass on the portal, search, browse levels, the form with and without errors, both dashboards and the ticket pages', async () => {
    const d = await app.db('cat_domains').where({ name: 'Offre de services pour les écoles' }).first();
    const g = await app.db('cat_groups').where({ parent_id: d.id }).first();
    const f = await app.db('cat_families').where({ parent_id: g.id }).first();
    const v = await app.db('cat_services').where({ parent_id: f.id }).first();
    const otp = await subcategoryId(app.db, 'OTP / OTP-ODA', "Accès à l'application");
    const article = await app.db('knowledge_articles').first();
    await scanAll('SSEGUR', [
      '/portail', '/portail?rubrique=1', '/assistance', '/assistance/recherche?q=OTP', '/assistance/recherche?q=webmail', '/assistance/recherche?q=zzzzz',
      '/assistance/services', `/assistance/services/domaine/${d.id}`, `/assistance/services/groupe/${g.id}`, `/assistance/services/famille/${f.id}`, `/assistance/services/service/${v.id}`,
      `/assistance/tickets/nouveau?sous_categorie=${otp}&type=incident`, [`/assistance/tickets/nouveau?sous_categorie=${otp}&type=incident`, submitEmpty],
      '/assistance/tickets/en-cours', '/assistance/tickets/en-cours?onglet=attente', '/assistance/tickets/en-cours?onglet=beneficiaire', '/assistance/tickets/en-cours?onglet=partages',
      '/assistance/tickets/traites', '/assistance/tickets/traites?onglet=fermes', '/assistance/tickets/traites?onglet=partages',
      `/assistance/tickets/${refs.open}`, `/assistance/tickets/${refs.waiting}`, `/assistance/tickets/${refs.resolved}`,
      [`/assistance/tickets/${refs.resolved}`, async (p) => { await p.getByRole('button', { name: 'Valider' }).click(); await p.waitForLoadState(); }],
      '/assistance/faq', '/assistance/fiches', `/assistance/fiches/${article.id}`, '/assistance/plus', '/assistance/plus/notifications',
    ]);
  });

  it('when a responsable, should pass on "Partagés"', async () => {
    await scanAll('MDURAND', ['/assistance/tickets/en-cours?onglet=partages', '/assistance/tickets/traites?onglet=partages', `/assistance/tickets/${refs.open}`]);
  });

  it('when an agent, should pass on the lists and the console, with and without errors', async () => {
    await scanAll('ALEROY', [
      '/agent/tickets/en-cours', '/agent/tickets/en-cours?onglet=a_prendre', '/agent/tickets/en-cours?onglet=equipe',
      '/agent/tickets/resolus', '/agent/tickets/resolus?onglet=equipe',
      `/agent/tickets/${refs.open}`, `/agent/tickets/${refs.waiting}`,
      [`/agent/tickets/${refs.waiting}`, async (p) => { await p.getByRole('button', { name: 'Résoudre' }).click(); await p.waitForLoadState(); }],
    ]);
  });

  it('when an admin, should pass on each admin page', async () => {
    const level = async (table: string) => (await app.db(table).first('id')).id;
    const team = await level('teams');
    const user = await level('users');
    const est = await level('establishments');
    const article = await level('knowledge_articles');
    const mail = await level('outbox');
    await scanAll('ADMIN', [
      '/admin', '/admin/catalogue', `/admin/catalogue/domaine/${await level('cat_domains')}`, `/admin/catalogue/groupe/${await level('cat_groups')}`,
      `/admin/catalogue/famille/${await level('cat_families')}`, `/admin/catalogue/service/${await level('cat_services')}`, `/admin/catalogue/sous-categorie/${await level('cat_subcategories')}`,
      '/admin/catalogue/nouveau/domaine', ['/admin/catalogue/nouveau/domaine', async (p) => { await p.getByRole('button', { name: 'Enregistrer' }).click(); await p.waitForLoadState(); }],
      '/admin/equipes', `/admin/equipes/${team}`, '/admin/equipes/nouvelle', '/admin/utilisateurs', `/admin/utilisateurs/${user}`, '/admin/utilisateurs/nouveau',
      '/admin/etablissements', `/admin/etablissements/${est}`, '/admin/etablissements/nouveau', '/admin/portail', '/admin/reglages', '/admin/niveaux-de-service',
      '/admin/articles', `/admin/articles/${article}`, '/admin/articles/nouveau', '/admin/import', '/admin/courriels', `/admin/courriels/${mail}`, '/admin/courriels-entrants', '/admin/satisfaction', '/admin/journal',
      '/statistiques', ['/statistiques', async (p) => { for (const d of await p.locator('details').all()) await d.locator('summary').click(); }],
    ]);
  });
});
