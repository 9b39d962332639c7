import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import request from 'supertest';
import { ROOT } from '../../../src/config.js';
import { freshDatabase, startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfFrom, csrfOf, loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { databaseEnv, knexOn } from '../../helpers/engine.js';
import { startServer } from '../../helpers/server-process.js';
import { subcategoryId } from '../../helpers/factories.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { LDAP_BASE, replace, slapdInstalled, startLdapServer, type LdapServer } from '../../helpers/ldap-server.js';

const run = promisify(execFile);
const person = (uid: string) => `uid=${uid},ou=people,${LDAP_BASE}`;
const passwordOf = (uid: string) => `mdp-${uid.toLowerCase()}`;

/** The login form posted as a browser would; the response and the client. */
async function signIn(t: TestApp, identifiant: string, password: string): Promise<{ status: number; text: string; agent: Agent }> {
  const agent = request.agent(t.app);
  const token = await csrfOf(agent, '/login');
  const res = await agent.post('/login').type('form').send({ _csrf: token, identifiant, password });
  return { status: res.status, text: res.text, agent };
}

const userRow = (t: TestApp, identifiant: string) => t.db('users').where({ identifiant }).first();
async function establishmentsOf(t: TestApp, identifiant: string): Promise<Array<{ rne: string; responsible: boolean }>> {
  const rows = await t.db('user_establishments as ue').join('establishments as e', 'e.id', 'ue.establishment_id').join('users as u', 'u.id', 'ue.user_id')
    .where('u.identifiant', identifiant).orderBy('ue.position').select('e.rne', 'ue.responsible');
  return rows.map((r) => ({ rne: r.rne, responsible: !!r.responsible }));
}

describe('academy identity: the LDAP directory, the ARENA gateway, the directory sync (real OpenLDAP)', function () {
  this.timeout(60_000);
  let ldap: LdapServer;

  before(async function () {
    if (!slapdInstalled()) {
      console.log('      (skipped: OpenLDAP (Debian slapd) is not installed; .ci/run installs it)');
      return this.skip();
    }
    ldap = await startLdapServer();
  });
  after(async () => { await ldap?.stop(); });

  describe('sign-in against the LDAP directory', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ auth: { methods: ['ldap', 'local'], headerProxies: [], logoutUrl: undefined, groupRoles: { GRP_SUPPORT: 'agent' } }, ldap: ldap.config });
    });
    after(async () => { await t?.close(); });

    it('when a teacher signs in with the academic credentials, should open the portal on an account made from the directory', async () => {
      const login = await request(t.app).get('/login');
      assert.ok(visibleText(login.text).includes('identifiants académiques (les mêmes que pour le Webmail)'));
      assert.ok(!login.text.includes('/mot-de-passe-perdu'), 'no "J\'ai perdu mon mot de passe" for academic passwords');
      const { status, agent } = await signIn(t, 'ldupont', passwordOf('LDUPONT'));
      assert.equal(status, 303);
      assert.ok((await agent.get('/assistance')).text.includes('Se déconnecter (Léa Dupont)'));
      const row = await userRow(t, 'LDUPONT');
      assert.equal(row.source, 'directory');
      assert.equal(row.email, 'lea.dupont@ac-test.fr');
      assert.equal(row.title, 'Professeure des écoles');
      assert.deepEqual(await establishmentsOf(t, 'LDUPONT'), [{ rne: '0310001A', responsible: false }]);
    });

    it('when the directory lists several mails and an establishment Guichet does not know, should keep the first mail and create the establishment "à compléter"', async () => {
      assert.equal((await signIn(t, 'JMOREAU', passwordOf('JMOREAU'))).status, 303);
      assert.equal((await userRow(t, 'JMOREAU')).email, 'jean.moreau@ac-test.fr');
      assert.deepEqual((await establishmentsOf(t, 'JMOREAU')).map((e) => e.rne), ['0310003C', '0319876K']);
      const created = await t.db('establishments').where({ rne: '0319876K' }).first();
      assert.ok(created.to_complete, 'marked for the admin');
      assert.equal(created.type, 'lycee', 'the type the directory gives (LYC)');
      const admin = await loginAs(t.app, 'ADMIN');
      const list = visibleText((await admin.get('/admin/etablissements?q=0319876K')).text);
      assert.ok(list.includes('à compléter'));
    });

    it('when the password is wrong or empty, or the Identifiant holds filter characters, should sign nobody in', async () => {
      const wrong = await signIn(t, 'LDUPONT', 'pas-le-bon');
      assert.equal(wrong.status, 401);
      assert.ok(visibleText(wrong.text).includes('Identifiant ou mot de passe incorrect.'));
      assert.ok(wrong.text.includes('value="LDUPONT"'), 'the Identifiant is kept');
      for (const identifiant of ['*', 'LDUP*', 'LDUPONT)(uid=*', '*)(|(uid=*']) {
        assert.equal((await signIn(t, identifiant, passwordOf('LDUPONT'))).status, 401, identifiant);
      }
      // The directory is not even asked: with it stopped, an empty password is still a plain refusal.
      await ldap.pause();
      try {
        assert.equal((await signIn(t, 'LDUPONT', '')).status, 401);
      } finally {
        await ldap.start();
      }
      assert.equal(await t.db('users').whereLike('identifiant', '%*%').first(), undefined);
    });

    it('when the directory says a person heads a school (DIR, or FrEduRneResp), should make them its responsable, who then sees its shared tickets', async () => {
      const teacher = (await signIn(t, 'LDUPONT', passwordOf('LDUPONT'))).agent;
      const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
      const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
      assert.equal((await postTicket(teacher, ticketForm({ subcategory_id: sub, establishment_id: school, visibility: 'managers', subject: 'Vidéoprojecteur salle 4' }))).status, 303);
      const director = (await signIn(t, 'MBLANC', passwordOf('MBLANC'))).agent;
      assert.deepEqual(await establishmentsOf(t, 'MBLANC'), [{ rne: '0310001A', responsible: true }]);
      assert.ok(visibleText((await director.get('/assistance/tickets/en-cours?onglet=partages')).text).includes('Vidéoprojecteur salle 4'));
      assert.equal((await signIn(t, 'CNOIR', passwordOf('CNOIR'))).status, 303);
      assert.deepEqual(await establishmentsOf(t, 'CNOIR'), [{ rne: '0310003C', responsible: true }]);
      // A teacher of the same school is no responsable: the shared ticket is not hers to see.
      const colleague = (await signIn(t, 'PROF03', passwordOf('PROF03'))).agent;
      assert.ok(!visibleText((await colleague.get('/assistance/tickets/en-cours?onglet=partages')).text).includes('Vidéoprojecteur salle 4'));
    });

    it('when a directory group is mapped to a role, should give it; the agent role the admin gives stays across sign-ins', async () => {
      assert.equal((await signIn(t, 'TSUPPORT', passwordOf('TSUPPORT'))).status, 303);
      const roles = async (id: string) => (await t.db('user_roles as r').join('users as u', 'u.id', 'r.user_id').where('u.identifiant', id).pluck('r.role')).sort();
      assert.deepEqual(await roles('TSUPPORT'), ['agent']);
      assert.equal(await userRow(t, 'PROF04'), undefined, 'PROF04 had no account before');
      await signIn(t, 'PROF04', passwordOf('PROF04'));
      const u = await userRow(t, 'PROF04');
      await t.db('user_roles').insert({ user_id: u.id, role: 'admin' });
      await signIn(t, 'PROF04', passwordOf('PROF04'));
      assert.deepEqual(await roles('PROF04'), ['admin']);
    });

    it('when the directory cannot be reached, should give the login page back with a clear message, and a local account still signs in', async () => {
      await ldap.pause();
      try {
        const down = await signIn(t, 'LDUPONT', passwordOf('LDUPONT'));
        assert.equal(down.status, 503);
        assert.ok(visibleText(down.text).includes("L'annuaire académique ne répond pas"));
        assert.ok(down.text.includes('value="LDUPONT"'));
        assert.equal((await signIn(t, 'ADMIN', 'demo')).status, 303, 'the break-glass local admin');
        assert.equal(await t.db('login_lockouts').where({ identifiant: 'LDUPONT' }).first(), undefined, 'an outage locks nobody out');
      } finally {
        await ldap.start();
      }
    });

    it('when the directory accepts the connection and never answers, should give up after LDAP_TIMEOUT_MS with the same clear message', async () => {
      const silent = net.createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const hanging = await startTestApp({
        auth: { methods: ['ldap', 'local'], headerProxies: [], logoutUrl: undefined, groupRoles: {} },
        ldap: { ...ldap.config, url: `ldap://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, timeoutMs: 500 },
      });
      try {
        const started = Date.now();
        const res = await signIn(hanging, 'LDUPONT', passwordOf('LDUPONT'));
        assert.equal(res.status, 503);
        assert.ok(Date.now() - started < 3000, `answered after ${Date.now() - started} ms`);
      } finally {
        await hanging.close();
        silent.close();
      }
    });

    it('when a person moved school, should move them at the next sign-in, their former tickets still theirs to follow', async () => {
      const before = (await signIn(t, 'PROF05', passwordOf('PROF05'))).agent;
      const [{ rne: from }] = await establishmentsOf(t, 'PROF05');
      const est = (await t.db('establishments').where({ rne: from }).first()).id;
      const subFrom = await subcategoryId(t.db, 'Webmail', "Accès à l'application", (await t.db('establishments').where({ id: est }).first()).type);
      assert.equal((await postTicket(before, ticketForm({ subcategory_id: subFrom, establishment_id: est, subject: 'Ancienne école' }))).status, 303);
      await ldap.admin((c) => c.modify(person('PROF05'), [replace('rne', '0310001A'), replace('FrEduRne', '0310001A$UAJ$PU$ENS$0310001A$ECOL$151$EP')]));
      const after = (await signIn(t, 'PROF05', passwordOf('PROF05'))).agent;
      assert.deepEqual((await establishmentsOf(t, 'PROF05')).map((e) => e.rne), ['0310001A']);
      assert.ok(visibleText((await after.get('/assistance/tickets/en-cours')).text).includes('Ancienne école'));
    });

    it('when a directory account asks for a password or tries a local one, should get neither', async () => {
      await signIn(t, 'PROF06', passwordOf('PROF06'));
      const anonymous = request.agent(t.app);
      const token = await csrfOf(anonymous, '/mot-de-passe-perdu');
      await anonymous.post('/mot-de-passe-perdu').type('form').send({ _csrf: token, identifiant: 'PROF06' });
      assert.equal(await t.db('outbox').where({ to_address: 'prof6@ac-test.fr', kind: 'password_reset' }).first(), undefined, 'no reset link');
      assert.equal((await userRow(t, 'PROF06')).password_hash, '!reset-required');
    });

    it('when an admin deactivated a directory account, should refuse it with the right password, and show its source and read-only fields', async () => {
      await signIn(t, 'PROF07', passwordOf('PROF07'));
      const { id } = await userRow(t, 'PROF07');
      const admin = await loginAs(t.app, 'ADMIN');
      const page = await admin.get(`/admin/utilisateurs/${id}`);
      assert.ok(visibleText(page.text).includes("Compte de l'annuaire académique"));
      assert.match(page.text, /name="last_name" value="Enseignant7"[^>]* readonly/);
      assert.ok(visibleText((await admin.get('/admin/utilisateurs?q=PROF07')).text).includes('Annuaire'));
      // The admin renames them and deactivates them: the name stays the directory's, the account is off.
      const res = await admin.post(`/admin/utilisateurs/${id}`).type('form').send({
        _csrf: csrfFrom(page.text), identifiant: 'PROF07', first_name: 'Autre', last_name: 'Nom', email: 'x@y.fr', phone: '', title: '', roles: 'agent',
      });
      assert.equal(res.status, 303);
      const row = await userRow(t, 'PROF07');
      assert.equal(row.last_name, 'Enseignant7');
      assert.ok(!row.active);
      assert.equal((await signIn(t, 'PROF07', passwordOf('PROF07'))).status, 401);
    });
  });

  describe('the directory over TLS (ldaps:// and StartTLS), its certificate always checked', () => {
    let secure: LdapServer;
    const apps: TestApp[] = [];
    before(async () => { secure = await startLdapServer({ tls: true }); });
    after(async () => {
      for (const a of apps) await a.close();
      await secure?.stop();
    });
    const appOn = async (ldapConfig: LdapServer['config']) => {
      const t = await startTestApp({ auth: { methods: ['ldap', 'local'], headerProxies: [], logoutUrl: undefined, groupRoles: {} }, ldap: ldapConfig });
      apps.push(t);
      return t;
    };

    it('when the directory is reached by ldaps:// with its authority given (LDAP_CA_FILE), should sign in', async () => {
      const t = await appOn({ ...secure.config, url: secure.tls!.url, caFile: secure.tls!.caFile });
      assert.equal((await signIn(t, 'LDUPONT', passwordOf('LDUPONT'))).status, 303);
    });

    it('when StartTLS is asked on ldap://, should sign in over it', async () => {
      const t = await appOn({ ...secure.config, startTls: true, caFile: secure.tls!.caFile });
      assert.equal((await signIn(t, 'LDUPONT', passwordOf('LDUPONT'))).status, 303);
    });

    it('when the directory\'s certificate comes from an authority not trusted, should refuse to talk to it (no password sent)', async () => {
      const t = await appOn({ ...secure.config, url: secure.tls!.url, caFile: undefined });
      const res = await signIn(t, 'LDUPONT', passwordOf('LDUPONT'));
      assert.equal(res.status, 503);
      assert.ok(visibleText(res.text).includes("L'annuaire académique ne répond pas"));
      const starttls = await appOn({ ...secure.config, startTls: true, caFile: undefined });
      assert.equal((await signIn(starttls, 'LDUPONT', passwordOf('LDUPONT'))).status, 503);
    });
  });

  describe('sign-in by the ARENA gateway headers', () => {
    let t: TestApp;
    const logged: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write(chunk, _e, done) { logged.push(String(chunk)); done(); } }));
    const arena = (uid: string, more: Record<string, string> = {}) => ({
      'ct-remote-user': uid, ctfn: 'Léa', ctln: 'Dupont', cn: 'Léa Dupont', ctemail: 'lea.dupont@ac-test.fr', rne: '0310001A', title: 'Professeure des écoles',
      FrEduRne: '0310001A$UAJ$PU$ENS$0310001A$ECOL$151$EP', ...more,
    });
    before(async () => {
      t = await startTestApp(
        { auth: { methods: ['header', 'local'], headerProxies: ['127.0.0.1', '::1'], logoutUrl: 'https://portail.ac-test.fr/logout', groupRoles: {} } },
        { logger },
      );
    });
    after(async () => { await t?.close(); });

    it('when the gateway sends a user, should sign them in on the first page, with a directory account', async () => {
      const browser = request.agent(t.app);
      const res = await browser.get('/assistance').set(arena('ldupont'));
      assert.equal(res.status, 200);
      assert.ok(res.text.includes('Se déconnecter (Léa Dupont)'));
      assert.equal((await userRow(t, 'LDUPONT')).source, 'directory');
      // A director by FrEduFonctAdm: responsable of her main school.
      await request(t.app).get('/assistance').set(arena('MBLANC', { ctfn: 'Marc', ctln: 'Blanc', FrEduFonctAdm: 'DIR' }));
      assert.deepEqual(await establishmentsOf(t, 'MBLANC'), [{ rne: '0310001A', responsible: true }]);
    });

    it('when the headers name someone else than the session\'s user, should end that session and begin theirs', async () => {
      const browser = request.agent(t.app);
      const first = await browser.get('/assistance').set(arena('PROF08', { ctfn: 'Prénom8', ctln: 'Enseignant8' }));
      const sid = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie'] ?? '').match(/guichet\.sid=([^;]+)/)?.[1];
      const firstSid = sid(first);
      assert.ok(firstSid);
      const second = await browser.get('/assistance').set(arena('PROF09', { ctfn: 'Prénom9', ctln: 'Enseignant9' }));
      assert.ok(second.text.includes('Se déconnecter (Prénom9 Enseignant9)'));
      assert.ok(!second.text.includes('Prénom8'));
      assert.ok(sid(second) && sid(second) !== firstSid, 'a new session id');
    });

    it('when the headers come from an address that is not the proxy\'s, should refuse them (403, logged) and sign nobody in', async () => {
      const other = await startTestApp({ auth: { methods: ['header', 'local'], headerProxies: ['10.9.8.7'], logoutUrl: undefined, groupRoles: {} } }, { logger });
      try {
        const res = await request(other.app).get('/assistance').set(arena('FORGED', { ctfn: 'Faux' }));
        assert.equal(res.status, 403);
        assert.ok(visibleText(res.text).includes('ne vient pas du portail académique'));
        assert.equal(await userRow(other, 'FORGED'), undefined);
        assert.ok(logged.some((l) => l.includes('gateway headers from an untrusted address refused') && l.includes('FORGED')));
      } finally {
        await other.close();
      }
    });

    it('when a gateway user logs out, should send them to the gateway\'s logout; the login page speaks of ARENA', async () => {
      const browser = request.agent(t.app);
      const page = await browser.get('/assistance').set(arena('PROF10', { ctfn: 'Prénom10', ctln: 'Enseignant10' }));
      const res = await browser.post('/logout').type('form').send({ _csrf: csrfFrom(page.text) });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, 'https://portail.ac-test.fr/logout');
      const login = visibleText((await request(t.app).get('/login')).text);
      assert.ok(login.includes('depuis le portail académique ARENA'));
    });

    it('when an account is deactivated, should refuse the gateway\'s sign-in too', async () => {
      await request(t.app).get('/assistance').set(arena('PROF11', { ctfn: 'Prénom11', ctln: 'Enseignant11' }));
      await t.db('users').where({ identifiant: 'PROF11' }).update({ active: false, deactivated_by: 'directory' });
      const res = await request(t.app).get('/assistance').set(arena('PROF11'));
      assert.equal(res.status, 403);
      assert.ok(visibleText(res.text).includes('Votre compte Guichet est désactivé'));
    });
  });

  describe('directory sync', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ auth: { methods: ['ldap', 'local'], headerProxies: [], logoutUrl: undefined, groupRoles: {} }, ldap: ldap.config });
    });
    after(async () => { await t?.close(); });
    const sync = (dryRun = false) => t.services.directorySync.run(t.services.ldap!, { dryRun });
    const directoryUsers = async () => Number((await t.db('users').where({ source: 'directory' }).count({ n: '*' }))[0].n);

    it('when run dry, should say what it would do and change nothing', async () => {
      const report = (await sync(true))!;
      assert.equal(report.entries, 20);
      assert.equal(report.created, 20);
      assert.equal(report.establishments_created, 1);
      assert.ok(report.changes.includes('LDUPONT : créé'));
      assert.equal(await directoryUsers(), 0);
      assert.equal(await t.db('establishments').where({ rne: '0319876K' }).first(), undefined);
    });

    it('when run, should create every account with its establishments; a second run changes nothing', async () => {
      const first = (await sync())!;
      assert.deepEqual([first.created, first.updated, first.unchanged, first.deactivated, first.establishments_created], [20, 0, 0, 0, 1]);
      assert.equal(await directoryUsers(), 20);
      const second = (await sync())!;
      assert.deepEqual([second.created, second.updated, second.unchanged, second.deactivated, second.reactivated, second.establishments_created], [0, 0, 20, 0, 0, 0]);
      // A colleague who never signed in is a "Bénéficiaire" to choose.
      const lea = (await signIn(t, 'LDUPONT', passwordOf('LDUPONT'))).agent;
      const sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
      const form = await lea.get(`/assistance/tickets/nouveau?sous_categorie=${sub}&type=incident`);
      assert.ok(visibleText(form.text).includes('Enseignant3 Prénom3'));
    });

    it('when people leave, change or come back, should deactivate (tickets kept), update and re-enable them', async () => {
      const gone = person('PROF01');
      const entry = await ldap.admin(async (c) => (await c.search(gone, { scope: 'base', attributes: ['*'] })).searchEntries[0]);
      await ldap.admin((c) => c.del(gone));
      await ldap.admin((c) => c.modify(person('PROF02'), [replace('title', 'Professeur documentaliste')]));
      const report = (await sync())!;
      assert.deepEqual([report.deactivated, report.updated, report.unchanged], [1, 1, 18]);
      const left = await userRow(t, 'PROF01');
      assert.ok(!left.active);
      assert.equal(left.deactivated_by, 'directory');
      assert.equal(left.last_name, 'Enseignant1', 'kept, never deleted');
      assert.equal((await userRow(t, 'PROF02')).title, 'Professeur documentaliste');
      assert.equal((await signIn(t, 'PROF01', passwordOf('PROF01'))).status, 401);

      const { dn, ...attributes } = entry;
      await ldap.admin((c) => c.add(dn, Object.fromEntries(Object.entries(attributes).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : true))) as never));
      const back = (await sync())!;
      assert.equal(back.reactivated, 1);
      assert.ok((await userRow(t, 'PROF01')).active);
      assert.equal((await signIn(t, 'PROF01', passwordOf('PROF01'))).status, 303);
    });

    it('when the admin opens the users, should show the last sync: when, counts, errors', async () => {
      const admin = await loginAs(t.app, 'ADMIN');
      const text = visibleText((await admin.get('/admin/utilisateurs')).text);
      assert.match(text, /Dernière synchronisation : .* terminée\. 20 entrées lues ; 0 comptes créés, 0 mis à jour, 1 réactivés, 0 désactivés, 19 inchangés/);
    });

    it('when DIRECTORY_SYNC_HOURS is set, should have the server sync the directory by itself', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-sync-'));
      const fresh = await freshDatabase(dir);
      const server = await startServer(dir, {
        ...databaseEnv(fresh.target), DIRECTORY_SYNC_HOURS: '24', LDAP_URL: ldap.config.url, LDAP_BIND_DN: ldap.config.bindDn,
        LDAP_BIND_PASSWORD: ldap.config.bindPassword, LDAP_BASE_DN: ldap.config.baseDn, LDAP_SYNC_FILTER: ldap.config.syncFilter,
      });
      try {
        await server.waitFor(/directory synced/);
        const db = knexOn(fresh.target);
        try {
          assert.equal(Number((await db('users').where({ source: 'directory' }).count({ n: '*' }))[0].n), 20);
          assert.equal((await db('directory_syncs').orderBy('id', 'desc').first()).status, 'done');
        } finally {
          await db.destroy();
        }
      } finally {
        await server.stop();
        await fresh.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('when run as `npm run sync-directory -- --dry-run`, should print the summary and what would change', async () => {
      await ldap.admin((c) => c.modify(person('PROF12'), [replace('sn', 'Renommé')]));
      const target = t.config.database;
      const env = {
        PATH: process.env.PATH, DATA_DIR: t.config.dataDir, LOG_LEVEL: 'silent', ...databaseEnv(target),
        LDAP_URL: ldap.config.url, LDAP_BIND_DN: ldap.config.bindDn, LDAP_BIND_PASSWORD: ldap.config.bindPassword, LDAP_BASE_DN: ldap.config.baseDn,
        LDAP_SYNC_FILTER: ldap.config.syncFilter,
      };
      const { stdout } = await run(process.execPath, [path.join(ROOT, 'dist/src/cli/sync-directory.js'), '--dry-run'], { env });
      assert.match(stdout, /20 entries in [\d.]+ s: 0 accounts would be created, 1 updated, 0 re-enabled, 0 deactivated, 19 unchanged/);
      assert.ok(stdout.includes('would be: PROF12 : mis à jour'));
      assert.equal((await userRow(t, 'PROF12')).last_name, 'Enseignant12', 'a dry run writes nothing');
    });
  });
});
