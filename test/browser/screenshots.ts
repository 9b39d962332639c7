// npm run screenshots — PNGs of the main pages at 375 px and 1400 px into docs/screenshots/.
import path from 'node:path';
import fs from 'node:fs';
import { ROOT } from '../../src/config.js';
import { buildTicket, demoUser, subcategoryId } from '../helpers/factories.js';
import { launchChromium, login, startLiveApp } from '../helpers/browser.js';
import { populateDemo } from '../../src/features/demo/living-demo.js';

const out = path.join(ROOT, 'docs', 'screenshots');
fs.mkdirSync(out, { recursive: true });
const app = await startLiveApp();
const browser = await launchChromium();
try {
  // The living demo, as `npm start` loads it, then one ticket of our own on top.
  await populateDemo({ config: app.config, db: app.database });
  const s = await demoUser(app.db, 'SSEGUR');
  const sub = await subcategoryId(app.db, 'Webmail', "Accès à l'application");
  const ref = await buildTicket(app.services, s.id, { subcategory_id: sub, subject: "Webmail - Problème d'accès", visibility: 'managers', detail: "Bonjour,\nDepuis ce matin, je n'arrive plus à me connecter à ma messagerie académique." });
  const otp = await subcategoryId(app.db, 'OTP / OTP-ODA', "Accès à l'application");
  const pages: Array<[string, string, string]> = [
    ['SSEGUR', 'connexion', '/login'],
    ['SSEGUR', 'portail-arena', '/portail?rubrique=1'],
    ['SSEGUR', 'accueil', '/assistance'],
    ['SSEGUR', 'recherche-otp', '/assistance/recherche?q=OTP'],
    ['SSEGUR', 'formulaire', `/assistance/tickets/nouveau?sous_categorie=${otp}&type=incident`],
    ['SSEGUR', 'tickets-en-cours', '/assistance/tickets/en-cours'],
    ['SSEGUR', 'ticket', `/assistance/tickets/${ref}`],
    ['ALEROY', 'agent-console', `/agent/tickets/${ref}`],
    ['ALEROY', 'agent-tickets-en-cours', '/agent/tickets/en-cours?onglet=mes_tickets&tri=deadline'],
    ['ADMIN', 'admin-catalogue', '/admin/catalogue'],
    ['ADMIN', 'niveaux-de-service', '/admin/niveaux-de-service'],
    ['ADMIN', 'statistiques', '/statistiques'],
  ];
  for (const width of [1400, 375]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'fr-FR' });
    const page = await context.newPage();
    let current = '';
    for (const [who, name, url] of pages) {
      if (name !== 'connexion' && who !== current) {
        await context.clearCookies();
        await login(page, app.url, who);
        current = who;
      }
      await page.goto(app.url + url);
      await page.screenshot({ path: path.join(out, `${name}-${width}.png`), fullPage: true });
    }
    await context.close();
  }
  console.log(`screenshots written to ${path.relative(ROOT, out)}/`);
} finally {
  await browser.close();
  await app.stop();
}
