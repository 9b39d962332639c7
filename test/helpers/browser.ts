import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Config } from '../../src/config.js';
import { startTestApp, type TestApp } from './app.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, with no network chatter (the machine's network is closed). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

export interface LiveApp extends TestApp {
  url: string;
  stop: () => Promise<void>;
}

/** The real app on a temp database, listening on a free loopback port. */
export async function startLiveApp(overrides: Partial<Config> = {}): Promise<LiveApp> {
  const t = await startTestApp(overrides);
  const server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...t,
    url,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await t.close();
    },
  };
}

/** Log in through the ARENA page, as a person would. */
export async function login(page: Page, base: string, identifiant: string, password = 'demo'): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Identifiant').fill(identifiant);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/portail/);
}
