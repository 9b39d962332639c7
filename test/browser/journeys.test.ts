import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { ImapWorker } from '../../src/features/mail-in/imap.worker.js';
import { chromiumAvailable, launchChromium, login, startLiveApp, type LiveApp } from '../helpers/browser.js';
import { buildTicket, subcategoryId } from '../helpers/factories.js';
import { dovecotInstalled, startImapServer } from '../helpers/imap-server.js';

describe('journeys in a real browser', function () {
  this.timeout(120_000);
  let app: LiveApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async function () {
    if (!chromiumAvailable()) {
      if (process.env.CI) throw new Error('Chromium is missing at /usr/bin/chromium: .ci/run installs it with apt-get.');
      this.skip();
    }
    app = await startLiveApp();
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await app?.stop();
  });

  async function as(identifiant: string, width = 1400): Promise<Page> {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await login(page, app.url, identifiant);
    return page;
  }
  const text = (page: Page) => page.locator('main').innerText();
  const flash = (page: Page) => page.locator('.fr-alert').first().innerText();

  it('seed 000: a teacher logs in, searches "OTP", reports a problem and finds it in "Tickets en cours"', async () => {
    await seed000(await as('SSEGUR'), '05 61 00 00 01');
  });

  it('seed 000 behind the ARENA gateway: signed in by its headers, the same journey', async () => {
    const gateway = await startLiveApp({ auth: { methods: ['header', 'local'], headerProxies: ['127.0.0.1', '::1'], logoutUrl: undefined, groupRoles: {} } });
    try {
      // As the gateway does: every request of this browser carries the person's identity.
      const context = await browser.newContext({
        locale: 'fr-FR', viewport: { width: 1400, height: 900 },
        extraHTTPHeaders: {
          'ct-remote-user': 'NBERGER', ctfn: 'Nathalie', ctln: 'Berger', ctemail: 'nathalie.berger@ac-demo.fr', rne: '0310001A',
          title: 'Professeure des ecoles', FrEduRne: '0310001A$UAJ$PU$ENS$0310001A$ECOL$151$EP',
        },
      });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(gateway.url + '/portail');
      assert.match(await text(page), /Bienvenue Nathalie Berger/);
      await seed000(page, '');
    } finally {
      await gateway.stop();
    }
  });

  /** Seed 000 from the ARENA portal on: search "OTP", report the problem, find it in "Tickets en cours". */
  async function seed000(page: Page, phone: string) {
    await page.getByRole('link', { name: 'Support et Assistance' }).click();
    await page.getByRole('link', { name: 'ASAP²' }).click();
    await page.waitForURL(/\/assistance$/);
    await page.getByLabel("Recherche dans le catalogue de service à partir d'un mot clé").fill('OTP');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByRole('link', { name: "J'ai un problème : OTP / OTP-ODA — Accès à l'application" }).click();
    await page.getByRole('heading', { name: 'Création de Demande Utilisateur' }).waitFor();
    assert.equal(await page.getByLabel('Téléphone de rappel').inputValue(), phone, 'filled in automatically');
    await page.getByLabel('Visible par').selectOption({ label: 'Responsables' });
    await page.getByLabel('Impact').selectOption({ label: 'Plusieurs personnes' });
    await page.getByLabel('Urgence').selectOption({ label: 'Critique' });
    await page.getByLabel('Objet de la demande').fill('Réception code OTP-ODA');
    await page.getByLabel('Détail de la demande').fill("Je ne reçois pas tout le temps ou trop tard (après 15 minutes) le code OTP-ODA, m'empêchant de me connecter à ONDE.");
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForURL(/\/assistance\/tickets\/en-cours/);
    await page.getByRole('heading', { name: /Tickets en cours/ }).waitFor();
    const row = await page.getByRole('row', { name: /Réception code OTP-ODA/ }).innerText();
    assert.match(row, /R-\d{6}/);
    assert.match(row, /Affectée/i);
    assert.match(row, /Critique/);
    assert.match(await flash(page), /a été créée/);
  }

  it('seed 003: a teacher browses Nouveau ticket down to Webmail › Accès à l\'application; the directrice sees it under "Partagés"', async () => {
    const page = await as('PMARTIN');
    await page.goto(app.url + '/assistance');
    await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Nouveau ticket' }).click();
    for (const name of ['Offre de services pour les écoles', 'Communication, partage et collaboration', 'Messagerie et liste de diffusion', 'Webmail']) {
      await page.getByRole('link', { name, exact: true }).click();
    }
    await page.getByRole('link', { name: "J'ai un problème : Webmail — Accès à l'application" }).click();
    await page.getByLabel('Visible par').selectOption({ label: 'Responsables' });
    await page.getByLabel('Objet de la demande').fill("Webmail - Problème d'accès");
    await page.getByLabel('Détail de la demande').fill("Bonjour,\nDepuis ce matin, je n'arrive plus à me connecter à ma messagerie académique.");
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForURL(/en-cours/);
    const tabs = await page.getByRole('navigation', { name: 'Tickets en cours' }).innerText();
    assert.match(tabs.replace(/\s+/g, ' '), /Ouverts 1 En attente 0 Bénéficiaire 0 Partagés 1/);
    assert.match(await page.getByRole('row', { name: /Problème d'accès/ }).innerText(), /Normale/);

    const directrice = await as('MDURAND');
    await directrice.goto(app.url + '/assistance/tickets/en-cours');
    await directrice.getByRole('link', { name: /Partagés/ }).click();
    assert.match(await directrice.getByRole('row', { name: /Problème d'accès/ }).innerText(), /Paul Martin/);
  });

  it('by mail: the requester answers "À compléter" with her mailer\'s Reply; the agent sees the answer in the console, the ticket back to "Assignée"', async function () {
    if (!dovecotInstalled()) {
      if (process.env.CI) throw new Error('Dovecot is missing: .ci/run installs dovecot-imapd.');
      return this.skip();
    }
    const imap = await startImapServer();
    const mailApp = await startLiveApp({ imapUrl: imap.url, mailReplyTo: 'assistance@ac-demo.fr' });
    try {
      const sophie = await mailApp.db('users').where({ identifiant: 'SSEGUR' }).first();
      const sub = await subcategoryId(mailApp.db, 'ONDE', "Accès à l'application");
      const ref = await buildTicket(mailApp.services, sophie.id, { subcategory_id: sub, subject: 'Poste bloqué en salle 12' });
      const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1400, height: 900 } });
      contexts.push(context);
      const agent = await context.newPage();
      await login(agent, mailApp.url, 'ALEROY');
      await agent.goto(`${mailApp.url}/agent/tickets/${ref}`);
      await agent.getByRole('button', { name: 'Prendre en charge' }).click();
      await agent.getByRole('textbox', { name: /Journal demandeur/ }).fill('De quel poste s’agit-il ?');
      await agent.getByRole('button', { name: 'Demander un complément' }).click();
      assert.match(await text(agent), /À COMPLÉTER|À compléter/i);

      // Sophie presses "Reply" on the mail she received: it goes to the helpdesk's mailbox.
      const { id } = await mailApp.db('tickets').where({ ref }).first('id');
      const question = await mailApp.db('outbox').where({ ticket_id: id, kind: 'info_requested' }).first();
      const reply = fs.readFileSync(path.join(ROOT, 'test/fixtures/mail/thunderbird-reply.eml'), 'utf8')
        .replaceAll('{{REF}}', ref).replaceAll('{{MESSAGE_ID}}', `<${ref}.outbox-${question.id}@localhost>`);
      await imap.deliver(reply);
      await new ImapWorker({ url: imap.url, mailIn: mailApp.services.mailIn, logger: createLogger('silent') }).runOnce();

      await agent.reload();
      const seen = await text(agent);
      assert.match(seen, /Il s'agit du poste de la salle 12/);
      assert.doesNotMatch(seen, /Pouvez-vous préciser/, 'the quoted history is not in the journal');
      assert.match(seen, /Assignée/);
    } finally {
      await mailApp.stop();
      await imap.stop();
    }
  });

  it('seed 002: the agent takes a ticket, writes privately, asks for more, gets the answer back and resolves; the requester refuses, then accepts with a rating', async () => {
    const teacher = await as('SSEGUR');
    await teacher.goto(app.url + '/assistance/recherche?q=onde');
    await teacher.getByRole('link', { name: "J'ai un problème : ONDE — Anomalie, bug et données manquantes" }).click();
    await teacher.getByLabel('Objet de la demande').fill('Élève introuvable dans ONDE');
    await teacher.getByLabel('Détail de la demande').fill('La fiche de Léo Petit a disparu.');
    await teacher.getByRole('button', { name: 'Valider' }).click();
    await teacher.waitForURL(/en-cours/);
    const ref = (await teacher.getByRole('row', { name: /Élève introuvable/ }).getByRole('link').innerText()).trim();

    const agent = await as('ALEROY');
    await agent.getByRole('link', { name: 'Support et Assistance' }).click();
    await agent.getByRole('link', { name: 'ASAP²' }).click();
    await agent.waitForURL(/\/agent/);
    await agent.getByRole('link', { name: /À prendre en charge/ }).click();
    await agent.getByRole('link', { name: ref }).click();
    await agent.getByRole('textbox', { name: /Journal intervenant/ }).fill('Connu : synchronisation nocturne en échec.');
    await agent.getByRole('button', { name: 'Prendre en charge' }).click();
    assert.match(await flash(agent), /Vous avez pris en charge le ticket/);
    await agent.getByRole('textbox', { name: /Journal demandeur/ }).fill("Quelle est la date de naissance de l'élève ?");
    await agent.getByRole('button', { name: 'Demander un complément' }).click();
    assert.match(await text(agent), /À COMPLÉTER|À compléter/i);

    await teacher.goto(`${app.url}/assistance/tickets/${ref}`);
    assert.match(await text(teacher), /Des informations complémentaires sont attendues de votre part/);
    assert.doesNotMatch(await teacher.content(), /synchronisation nocturne/);
    await teacher.getByLabel('Votre réponse').fill('Le 3 mars 2018.');
    await teacher.getByRole('button', { name: 'Envoyer ma réponse' }).click();
    assert.match(await flash(teacher), /transmise à l'agent en charge/);

    await agent.reload();
    assert.match(await text(agent), /Le 3 mars 2018\./);
    await agent.getByLabel('Solution').fill('La fiche a été restaurée.');
    await agent.getByRole('button', { name: 'Résoudre' }).click();
    assert.match(await flash(agent), /Le ticket est résolu/);

    await teacher.reload();
    await teacher.getByRole('radio', { name: /Refus/ }).check({ force: true }); // the DSFR label covers its radio, as for a mouse user
    await teacher.getByLabel('Motif du refus, si vous refusez').fill('La fiche est restaurée mais sans la classe.');
    await teacher.getByRole('button', { name: 'Valider' }).click();
    assert.match(await flash(teacher), /rouvert/);

    await agent.reload();
    await agent.getByLabel('Solution').fill('Classe rattachée.');
    await agent.getByRole('button', { name: 'Résoudre' }).click();
    await teacher.reload();
    await teacher.getByRole('radio', { name: /Acceptation/ }).check({ force: true });
    await teacher.getByRole('radio', { name: '4 sur 5' }).check({ force: true });
    await teacher.getByLabel('Commentaire (facultatif)').fill('Merci !');
    await teacher.getByRole('button', { name: 'Valider' }).click();
    assert.match(await flash(teacher), /Merci ! Le ticket est fermé/);
    await agent.reload();
    assert.match(await text(agent), /4 \/ 5/);
  });

  it('an admin adds a keyword; the next search finds the service', async () => {
    const admin = await as('ADMIN');
    const sub = await app.db('cat_subcategories as s').join('cat_services as v', 'v.id', 's.parent_id').where('v.name', 'Évaluations nationales').first('s.id');
    await admin.goto(`${app.url}/admin/catalogue/sous-categorie/${sub.id}`);
    const keywords = admin.getByLabel('Mots-clés');
    await keywords.fill((await keywords.inputValue()) + ' cahier-de-textes-bleu');
    await admin.getByRole('button', { name: 'Enregistrer' }).click();
    assert.match(await flash(admin), /Modifications enregistrées/);
    const teacher = await as('SSEGUR');
    await teacher.goto(app.url + '/assistance/recherche?q=bleu');
    assert.match(await text(teacher), /Évaluations nationales/);
  });

  it('the ticket form is completed with the keyboard alone, focus always visible, and errors are announced', async () => {
    const page = await as('SSEGUR');
    await page.goto(app.url + '/assistance/recherche?q=webmail');
    await page.getByRole('link', { name: "J'ai un problème : Webmail — Accès à l'application" }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Création de Demande Utilisateur' }).waitFor();
    const focusedIs = async () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      // The DSFR draws some focus rings on the element, some on its ::before (enlarged links).
      const ringed = (s: CSSStyleDeclaration) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
      const visible = ringed(getComputedStyle(el)) || ringed(getComputedStyle(el, '::before'));
      return { name: (el as HTMLInputElement).name || el.id || el.tagName, visible };
    });
    // Tab to the first form field, checking the focus is visible at each stop on the way.
    const stops: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await focusedIs();
      assert.ok(f.visible, `focus visible on ${f.name}`);
      stops.push(f.name);
      if (f.name === 'establishment_id') break;
    }
    assert.equal(stops.at(-1), 'establishment_id');
    await page.keyboard.press('Tab'); // Visible par
    await page.keyboard.press('ArrowDown'); // Responsables
    for (const name of ['beneficiary_id', 'business_team_id', 'subject']) {
      await page.keyboard.press('Tab');
      assert.equal((await focusedIs()).name, name);
    }
    // submit with an empty object: the error summary takes the focus and links to the field
    await page.keyboard.press('Tab');
    await page.keyboard.type('Messagerie inaccessible depuis le poste de la classe');
    for (let i = 0; i < 30 && (await focusedIs()).name !== 'urgency'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === 'Valider') break;
    }
    await page.keyboard.press('Enter');
    await page.locator('#form-errors').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'form-errors');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'form-errors', 'the summary is focused, so it is read out');
    assert.match(await page.locator('#form-errors').innerText(), /Objet de la demande : Renseignez le champ/);
    assert.equal(await page.getByLabel('Objet de la demande').getAttribute('aria-invalid'), 'true');
    assert.match(String(await page.getByLabel('Objet de la demande').getAttribute('aria-describedby')), /f-subject-error/);
    assert.equal(await page.getByLabel('Détail de la demande').inputValue(), 'Messagerie inaccessible depuis le poste de la classe', 'the text typed is kept');
    assert.equal(await page.getByLabel('Visible par').inputValue(), 'managers');
    // fill the object from the summary link, then Space… Enter on Valider
    await page.locator('#form-errors a').first().press('Enter');
    await page.keyboard.type('Webmail inaccessible');
    await page.getByRole('button', { name: 'Valider' }).press('Enter');
    await page.waitForURL(/en-cours/);
    assert.match(await page.getByRole('row', { name: /Webmail inaccessible/ }).innerText(), /Affectée/i);
  });

  it('where JavaScript runs, a screenshot pasted into the form is attached to the ticket', async () => {
    const page = await as('SSEGUR');
    await page.goto(app.url + '/assistance/recherche?q=webmail');
    await page.getByRole('link', { name: "J'ai un problème : Webmail — Accès à l'application" }).click();
    await page.getByLabel('Objet de la demande').fill('Capture collée');
    await page.getByLabel('Détail de la demande').fill('Voir la capture.');
    // Paste a real PNG into the form, as Ctrl+V does with a screenshot in the clipboard.
    await page.evaluate(async () => {
      const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([png], 'image.png', { type: 'image/png' }));
      document.getElementById('f-detail')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    assert.equal(await page.evaluate(() => (document.getElementById('f-attachments') as HTMLInputElement).files?.length), 1);
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForURL(/en-cours/);
    const ticket = await app.db('tickets').where({ subject: 'Capture collée' }).first();
    const files = await app.db('attachments').where({ ticket_id: ticket.id });
    assert.equal(files.length, 1);
    assert.equal(files[0].mime, 'image/png');
    assert.match(files[0].original_name, /^copie-ecran-\d+\.png$/);
  });

  it('at 375 px wide, the form, the lists and the ticket page do not scroll sideways', async () => {
    const page = await as('SSEGUR', 375);
    const otp = await app.db('cat_subcategories as s').join('cat_services as v', 'v.id', 's.parent_id').where('v.name', 'OTP / OTP-ODA').first('s.id');
    const ref = (await app.db('tickets').first('ref')).ref;
    for (const url of [`/assistance/tickets/nouveau?sous_categorie=${otp.id}&type=incident`, '/assistance/tickets/en-cours', '/assistance/recherche?q=webmail', `/assistance/tickets/${ref}`, '/assistance', '/portail']) {
      await page.goto(app.url + url);
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
      assert.ok(scroll <= width, `${url}: ${scroll}px wide in a ${width}px window`);
    }
  });
});
