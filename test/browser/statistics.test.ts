import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium, login, startLiveApp, type LiveApp } from '../helpers/browser.js';
import { populateDemo } from '../../src/features/demo/living-demo.js';

describe('statistics in a real browser, on the living demo', function () {
  this.timeout(120_000);
  let app: LiveApp;
  let browser: Browser;

  before(async function () {
    if (!chromiumAvailable()) {
      if (process.env.CI) throw new Error('Chromium is missing at /usr/bin/chromium: .ci/run installs it with apt-get.');
      this.skip();
    }
    app = await startLiveApp();
    await populateDemo({ config: app.config, db: app.database });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('without JavaScript, should draw every chart and open its data table; printed, should keep only the charts and their data', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1400, height: 900 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await login(page, app.url, 'ADMIN');
    await page.goto(`${app.url}/statistiques`);
    const pictures = page.locator('.guichet-chart__picture svg[role="img"]');
    assert.equal(await pictures.count(), 8);
    for (const svg of await pictures.all()) assert.ok((await svg.boundingBox())!.height > 50, 'drawn, not empty');
    const table = page.locator('#chart-satisfaction').locator('..').locator('table');
    assert.equal(await table.isVisible(), false, 'the data waits under its disclosure');
    await page.getByText('Données du graphique « Satisfaction des demandeurs »').click();
    assert.equal(await table.isVisible(), true);
    assert.match(await table.innerText(), /Non évalué\s+\d+/);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.guichet-stats-filters').isVisible(), false, 'the filters are not printed');
    assert.equal(await page.locator('header.fr-header').isVisible(), false);
    assert.equal(await pictures.first().isVisible(), true);
    await context.close();
  });

  it('with JavaScript, "Imprimer la page" should open every data table for the printout', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await login(page, app.url, 'ALEROY');
    await page.goto(`${app.url}/statistiques?periode=trimestre`);
    await page.evaluate(() => { window.print = () => window.dispatchEvent(new Event('beforeprint')); });
    await page.getByRole('button', { name: 'Imprimer la page' }).click();
    assert.equal(await page.locator('details.guichet-chart__data:not([open])').count(), 0);
    await context.close();
  });
});
