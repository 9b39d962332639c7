// npm run bench [-- --tickets N] [--engine postgres [--processes 2]] — generate a large academy's
// history, start the app as in production, load it with autocannon (10 connections, 10 s a
// scenario) beside a bare Express + EJS reference, and write the figures to BENCHMARKS.md. With
// --engine postgres, the same scenarios run on SQLite, then on a PostgreSQL server of the bench's
// own (one process, then --processes of them sharing it), and BENCHMARKS.md gets them side by side.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ROOT } from '../../src/config.js';
import knexFactory from 'knex';
import { openDatabase, type DatabaseTarget } from '../../src/db/database.js';
import { generate, type BenchData } from './generate.js';
import { StatisticsRepo } from '../../src/features/statistics/statistics.repo.js';
import { StatisticsService } from '../../src/features/statistics/statistics.service.js';
import { SettingsRepo } from '../../src/features/admin/settings.repo.js';
import { benchDirectorySync, DIRECTORY_PEOPLE } from './directory.js';
import { deliverAndWait, REPLIES } from './mail.js';
import { startImapServer } from '../helpers/imap-server.js';
import { withCookies } from '../helpers/server-process.js';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '200000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string' },
    engine: { type: 'string', default: 'sqlite' },
    processes: { type: 'string', default: '1' },
    directory: { type: 'boolean', default: false },
    mail: { type: 'boolean', default: false },
  },
});
if (values.engine !== 'sqlite' && values.engine !== 'postgres') throw new Error('--engine sqlite or --engine postgres');
const ENGINE = values.engine;
const PROCESSES = Number(values.processes);
const TICKETS = Number(values.tickets);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);

interface Started { child: ChildProcess; port: number; ms: number }

/** The statistics page's first answers (no chart drawn yet), per reader, as measured. */
const firstAnswers: string[] = [];

/** Start a node process and wait for the JSON line that gives its port (the app's: its "listening" line). */
function startProcess(script: string, env: NodeJS.ProcessEnv, isApp = false): Promise<Started> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = out.match(/"port":(\d+)/);
      if (m && (!isApp || out.includes('listening'))) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve({ child, port: Number(m[1]), ms: Date.now() - t0 });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Peak resident memory of a process (Linux), in MB. */
function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/VmHWM:\s+(\d+) kB/);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/**
 * CPU time (ms) a process's main thread has used, from Linux's /proc (NaN elsewhere). Per
 * request, it is what a page costs itself: req/s also counts the time spent waiting (SQLite's
 * thread pool, a machine busy with other work).
 */
function mainThreadCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** Linux's USER_HZ: /proc counts CPU time in these ticks. */
const CLOCK_TICKS = 100;

interface Result { name: string; rps: number; p50: number; p99: number; errors: number; cpuUs: number }

/** One scenario's line on the console. */
function report(res: Result): Result {
  const cpu = Number.isNaN(res.cpuUs) ? '' : `  main thread ${res.cpuUs} µs/req`;
  console.log(`${res.name.padEnd(56)} ${String(res.rps).padStart(7)} req/s  p50 ${res.p50} ms  p99 ${res.p99} ms${cpu}${res.errors ? `  (${res.errors} errors!)` : ''}`);
  return res;
}

/** Where a load goes: one or several processes serving the same data. */
interface Target { bases: string[]; pids: number[] }

/**
 * autocannon on one path, its connections spread over the target's processes; the processes'
 * main threads' CPU per request is reported, unless another load shares them (`cpu` false).
 */
async function load(name: string, target: Target, opts: Omit<autocannon.Options, 'url'> & { path: string }, cpu = true): Promise<Result> {
  const { path: route, ...rest } = opts;
  const cpuNow = () => (cpu ? target.pids.reduce((sum, pid) => sum + mainThreadCpuMs(pid), 0) : NaN);
  const cpu0 = cpuNow();
  const urls = target.bases.map((b) => b + route);
  // autocannon takes several URLs and spreads the connections over them (its typings say one).
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...rest, url: (urls.length === 1 ? urls[0] : urls) as string });
  const cpuUs = Math.round((1000 * (cpuNow() - cpu0)) / r.requests.total);
  // A redirect after a POST (303) is a success; a 4xx or 5xx is not.
  const errors = r.errors + r.timeouts + r['4xx'] + r['5xx'];
  return report({ name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors, cpuUs });
}

/** Log in through the form; returns the cookies (session, CSRF) and a CSRF token of that session. */
async function session(base: string, identifiant: string, password = 'bench'): Promise<{ cookie: string; csrf: string }> {
  const page = await fetch(`${base}/login`);
  let cookie = withCookies('', page);
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1];
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, identifiant, password }),
  });
  if (res.status !== 303) throw new Error(`login of ${identifiant}: ${res.status}`);
  cookie = withCookies(cookie, res);
  const home = await fetch(`${base}/assistance`, { headers: { cookie } });
  cookie = withCookies(cookie, home);
  return { cookie, csrf: (await home.text()).match(/name="_csrf" value="([^"]+)"/)![1] };
}

/** CONNECTIONS clients logging in again and again for DURATION seconds (GET the form, POST it), spread over the processes. */
async function loginStorm(bases: string[], identifiant: string, password = 'bench', name = 'login POST (Argon2), GET + POST per login'): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + DURATION * 1000;
  const client = async (base: string) => {
    while (Date.now() < end) {
      const page = await fetch(`${base}/login`);
      const cookie = withCookies('', page);
      const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1];
      const t0 = performance.now();
      const res = await fetch(`${base}/login`, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, identifiant, password }),
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 303) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => client(bases[i % bases.length])));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]);
  // It runs beside the portal's load, on the same main thread: no CPU figure of its own.
  return report({ name, rps: Math.round(latencies.length / DURATION), p50: pct(50), p99: pct(99), errors, cpuUs: NaN });
}

/** What one deployment (an engine, a number of processes) measured. */
interface Measured { label: string; floor: Result; results: Result[]; login: Result; during: Result; rss: number }

const baseEnv = { NODE_ENV: 'production', SESSION_SECRET: 'bench-secret-bench-secret-0123', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOGIN_RATE_LIMIT: '100000000' };
// As in production, with a log line per request (the floor server too, so that it pays for it as the app does).
const envOf = (dir: string, target: DatabaseTarget): NodeJS.ProcessEnv => ({ ...baseEnv, DATA_DIR: dir, ...(target.engine === 'postgres' ? { DATABASE_URL: target.url } : {}) });

async function startAll(n: number, script: string, env: NodeJS.ProcessEnv, isApp = false): Promise<Started[]> {
  return Promise.all(Array.from({ length: n }, () => startProcess(script, env, isApp)));
}
const targetOf = (started: Started[]): Target => ({ bases: started.map((s) => `http://127.0.0.1:${s.port}`), pids: started.map((s) => s.child.pid!) });
const stopAll = (started: Started[]) => Promise.all(started.map((s) => stop(s.child)));

/** Every scenario on `processes` app processes serving the database of `target`. */
async function measure(label: string, dir: string, target: DatabaseTarget, processes: number, data: BenchData): Promise<Measured> {
  console.log(`\n${label}`);
  const dist = path.join(ROOT, 'dist');
  const benchDist = path.join(dist, 'test', 'bench');
  const apps = await startAll(processes, path.join(dist, 'src', 'server.js'), envOf(dir, target), true);
  let floors: Started[] = [];
  try {
    const app = targetOf(apps);
    const base = app.bases[0];
    // Sessions live in the database: signed in on one process, signed in on all.
    const requester = await session(base, data.heavyRequester);
    const manager = await session(base, data.largeEstablishmentManager);
    const agent = await session(base, data.largeTeamAgent);
    const admin = await session(base, data.admin);
    // The statistics page's first answer, before any chart is kept drawn.
    for (const [who, s] of [['admin', admin], ['agent', agent], ['responsable', manager]] as const) {
      const t0 = Date.now();
      const first = await fetch(`${base}/statistiques`, { headers: { cookie: s.cookie } });
      if (first.status !== 200) throw new Error(`statistics answered ${first.status} to the ${who}`);
      await first.text();
      firstAnswers.push(`${who} ${Date.now() - t0} ms`);
      console.log(`statistics, first answer (${who}): ${Date.now() - t0} ms`);
    }
    const queueUrl = '/agent/tickets/en-cours?onglet=a_prendre';
    // The floor: the app's middleware in front of the queue page, sent from memory.
    const pageFile = path.join(dir, 'floor-page.html');
    const queuePage = await fetch(base + queueUrl, { headers: { cookie: agent.cookie }, redirect: 'manual' });
    if (queuePage.status !== 200) throw new Error(`the team queue answered ${queuePage.status}`);
    fs.writeFileSync(pageFile, await queuePage.text());
    floors = await startAll(processes, path.join(benchDist, 'floor-server.js'), { ...envOf(dir, target), FLOOR_PAGE: pageFile });
    const floor = await load("stack floor: the app's middleware, a page from memory", targetOf(floors), { path: '/floor', headers: { cookie: agent.cookie } });
    await stopAll(floors);
    floors = [];
    const get = (name: string, url: string, s?: { cookie: string }, cpu = true) => load(name, app, { path: url, headers: s ? { cookie: s.cookie } : {} }, cpu);
    const scenarios: Array<[string, () => Promise<Result>]> = [
      ['login page', () => get('login page', '/login')],
      ['ARENA portal', () => get('ARENA portal', '/portail?rubrique=1', requester)],
      ['user portal home', () => get('user portal home', '/assistance', requester)],
      ['search "webmail"', () => get('keyword search "webmail"', '/assistance/recherche?q=webmail', requester)],
      ['search "acces"', () => get('keyword search "acces"', '/assistance/recherche?q=acces', requester)],
      ['heavy requester', () => get('"Tickets en cours" of a heavy requester', '/assistance/tickets/en-cours', requester)],
      ['partages', () => get('"Partagés" of the large establishment', '/assistance/tickets/en-cours?onglet=partages', manager)],
      ['ticket page', () => get('ticket page, 20 journal entries', `/assistance/tickets/${data.richTicketRef}`, requester)],
      ['team queue', () => get('team queue of the large team', queueUrl, agent)],
      ['statistics', () => get('"Statistiques", school year, every team (admin)', '/statistiques', admin)],
      ['statistics team', () => get('"Statistiques", school year, an agent\'s team', '/statistiques', agent)],
      ['statistics establishment', () => get('"Statistiques", school year, the large establishment (responsable)', '/statistiques', manager)],
      ['create', () => load('ticket creation (POST)', app, {
        path: '/assistance/tickets', method: 'POST',
        headers: { cookie: requester.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: requester.csrf, subcategory_id: String(data.subcategoryId), kind: 'incident', establishment_id: String(data.establishmentId),
          visibility: 'self', subject: 'Imprimante en panne', detail: 'Le bac 2 bloque.', phone: '', availability: '', impact: 'personne', urgency: 'moyenne',
        }).toString(),
      })],
    ];
    const results: Result[] = [];
    for (const [key, run] of scenarios) if (!values.only || key.includes(values.only)) results.push(await run());
    // Login is slow on purpose (Argon2): measured apart (each login needs its own session and
    // CSRF token, so not with autocannon), and while it runs the portal must stay fast.
    const [login, during] = await Promise.all([
      loginStorm(app.bases, data.heavyRequester),
      // It shares the main threads with the logins: no CPU figure of its own either.
      new Promise<Result>((r) => setTimeout(() => r(get('user portal home, during the login storm', '/assistance', requester, false)), 200)),
    ]);
    const rss = Math.max(...app.pids.map(peakRssMb));
    console.log(`app peak RSS: ${rss} MB`);
    return { label, floor, results, login, during, rss };
  } finally {
    await stopAll(floors);
    await stopAll(apps);
  }
}

/** Migrate and seed an empty database, then listen: the time to the "listening" line. */
async function coldStart(target: DatabaseTarget): Promise<number> {
  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-cold-'));
  try {
    const cold = await startProcess(path.join(ROOT, 'dist', 'src', 'server.js'), envOf(emptyDir, target), true);
    await stop(cold.child);
    console.log(`cold start on ${target.engine} (migrate + seed + listen): ${cold.ms} ms`);
    return cold.ms;
  } finally {
    fs.rmSync(emptyDir, { recursive: true, force: true });
  }
}

/** The data set, generated into the database of `target`; seconds it took. */
async function generateInto(target: DatabaseTarget): Promise<{ data: BenchData; seconds: number; statsSeconds: number }> {
  const t0 = Date.now();
  const database = openDatabase(target);
  await database.migrateAndSeed();
  const data = await generate(database.knex, { tickets: TICKETS });
  const seconds = (Date.now() - t0) / 1000;
  console.log(`generated ${TICKETS} tickets on ${target.engine} in ${seconds.toFixed(1)} s`);
  // The statistics' first count, as the server's first pass would do it: timed apart.
  const t1 = Date.now();
  const statistics = new StatisticsService({ db: database, repo: new StatisticsRepo(database), settings: new SettingsRepo(database), now: () => new Date() });
  await statistics.recount();
  const statsSeconds = (Date.now() - t1) / 1000;
  console.log(`statistics counted from every ticket in ${statsSeconds.toFixed(1)} s`);
  await database.close();
  return { data, seconds, statsSeconds };
}

/** Databases of their own on the PostgreSQL server of TEST_DATABASE_URL, dropped at the end. */
function postgresServer() {
  const server = process.env.TEST_DATABASE_URL!;
  const admin = knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
  const made: string[] = [];
  return {
    async create(name: string): Promise<DatabaseTarget> {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.raw(`CREATE DATABASE ${name}`);
      made.push(name);
      const u = new URL(server);
      u.pathname = `/${name}`;
      return { engine: 'postgres', url: u.toString() };
    },
    async close() {
      for (const name of made) await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

/** The directory's figures: a sync of 30,000 entries (twice), then sign-ins against it. */
async function directoryBench() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-bench-ldap-'));
  const target: DatabaseTarget = { engine: 'sqlite', file: path.join(dir, 'guichet.sqlite') };
  const { ldap, figures } = await benchDirectorySync(dir, { PATH: process.env.PATH, ...envOf(dir, target), LOG_LEVEL: 'silent' });
  try {
    const env = {
      ...envOf(dir, target), AUTH_METHODS: 'ldap,local', LDAP_URL: ldap.config.url, LDAP_BIND_DN: ldap.config.bindDn,
      LDAP_BIND_PASSWORD: ldap.config.bindPassword, LDAP_BASE_DN: ldap.config.baseDn,
    };
    const [app] = await startAll(1, path.join(ROOT, 'dist', 'src', 'server.js'), env, true);
    let login: Result;
    try {
      login = await loginStorm(targetOf([app]).bases, 'DIR00042', 'bench', 'LDAP sign-in (search + bind), GET + POST per login');
    } finally {
      await stopAll([app]);
    }
    const { first, second } = figures;
    writeSection('Academy directory (LDAP)', [
      `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. OpenLDAP (Debian slapd) on loopback, mdb, ${DIRECTORY_PEOPLE.toLocaleString('en-US')} people over 2,000 establishments, loaded by slapadd in ${figures.loadSeconds.toFixed(1)} s; Guichet on SQLite.`,
      '',
      '| what | time | peak memory (RSS) | outcome |',
      '|---|---:|---:|---|',
      `| \`npm run sync-directory\`, first run (every account created) | ${first.seconds.toFixed(1)} s | ${first.peakMb} MB | ${first.summary} |`,
      `| the same again (nothing to change) | ${second.seconds.toFixed(1)} s | ${second.peakMb} MB | ${second.summary} |`,
      '',
      `LDAP sign-in through the login form (service bind, search, bind as the user, account brought up to date), ${CONNECTIONS} clients for ${DURATION} s: ${login.rps} sign-ins/s, p50 ${login.p50} ms, p99 ${login.p99} ms${login.errors ? `, ${login.errors} errors` : ''}.`,
    ]);
  } finally {
    await ldap.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The id of Sophie's school in the database of `file`. */
async function schoolOf(file: string): Promise<string> {
  const db = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
  try {
    return String((await db('establishments').where({ rne: '0310001A' }).first('id')).id);
  } finally {
    await db.destroy();
  }
}

/** The mailbox's figures: 1,000 replies read from a real Dovecot while a page is loaded beside it. */
async function mailBench() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-bench-mail-'));
  const target: DatabaseTarget = { engine: 'sqlite', file: path.join(dir, 'guichet.sqlite') };
  const imap = await startImapServer();
  // The demo accounts (SSEGUR, loaded outside production) file the tickets; one sender writes all the replies, past the hourly guard on purpose.
  const env = { ...envOf(dir, target), NODE_ENV: 'test', MAIL_IN_MAX_PER_HOUR: '100000', IMAP_URL: imap.url, MAIL_REPLY_TO: 'assistance@ac-demo.fr', IMAP_POLL_SECONDS: '1' };
  const [app] = await startAll(1, path.join(ROOT, 'dist', 'src', 'server.js'), env, true);
  try {
    const base = targetOf([app]).bases[0];
    const { cookie, csrf } = await session(base, 'SSEGUR', 'demo');
    const html = await (await fetch(`${base}/assistance/recherche?q=onde`, { headers: { cookie } })).text();
    const formUrl = html.match(/href="(\/assistance\/tickets\/nouveau\?sous_categorie=\d+&amp;type=incident)"/)![1].replace(/&amp;/g, '&');
    const subcategoryId = formUrl.match(/sous_categorie=(\d+)/)![1];
    const fileTicket = async (i: number) => {
      const res = await fetch(`${base}/assistance/tickets`, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: csrf, subcategory_id: subcategoryId, kind: 'incident', establishment_id: await schoolOf(target.file), visibility: 'self',
          subject: `Réponses par courriel ${i}`, detail: 'Le poste ne démarre plus.', phone: '', availability: '', impact: 'personne', urgency: 'moyenne',
        }),
      });
      if (res.status !== 303) throw new Error(`ticket ${i}: ${res.status}`);
    };
    for (let i = 0; i < 100; i++) await fileTicket(i);
    // The page loaded while the replies are delivered and read.
    const [figures, during] = await Promise.all([
      deliverAndWait(imap, target.file),
      load('user portal home, while the mailbox is read', targetOf([app]), { path: '/assistance', headers: { cookie } }, false),
    ]);
    console.log(`${figures.processed} of ${REPLIES} replies handled in ${figures.seconds.toFixed(1)} s`, figures.outcomes);
    writeSection('Mail in (IMAP)', [
      `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Dovecot (Debian dovecot-imapd) on loopback; Guichet on SQLite, reading its mailbox every second (IMAP_POLL_SECONDS=1), batches of 50.`,
      '',
      `${REPLIES.toLocaleString('en-US')} Thunderbird replies (quoted history cut, the whole message kept as a file) to 100 tickets, delivered by IMAP APPEND: ${figures.processed} handled in ${figures.seconds.toFixed(1)} s from the first delivery (${Object.entries(figures.outcomes).map(([k, v]) => `${v} ${k}`).join(', ')}).`,
      `Beside it, the user portal home for ${DURATION} s with ${CONNECTIONS} connections: ${during.rps} req/s, p50 ${during.p50} ms, p99 ${during.p99} ms${during.errors ? `, ${during.errors} errors` : ''}.`,
    ]);
  } finally {
    await stopAll([app]);
    await imap.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (values.directory) return directoryBench();
  if (values.mail) return mailBench();
  if (ENGINE === 'postgres' && !process.env.TEST_DATABASE_URL) {
    // A PostgreSQL server of the bench's own, set up as for production: durable (fsync, synchronous
    // commits) and with a quarter of a small server's memory for its buffers.
    const r = spawnSync(path.join(ROOT, '.ci', 'with-postgres'), [process.execPath, ...process.argv.slice(1)], {
      stdio: 'inherit', env: { ...process.env, PG_OPTIONS: '-c shared_buffers=1GB' },
    });
    process.exit(r.status ?? 1);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-bench-'));
  const sqlite: DatabaseTarget = { engine: 'sqlite', file: path.join(dir, 'guichet.sqlite') };
  const pg = ENGINE === 'postgres' ? postgresServer() : null;
  const ref = await startProcess(path.join(ROOT, 'dist', 'test', 'bench', 'reference-server.js'), {});
  try {
    const cold = { sqlite: await coldStart(sqlite), postgres: pg ? await coldStart(await pg.create('guichet_bench_cold')) : NaN };
    const reference = targetOf([ref]);
    const referenceBefore = await load('reference: bare Express 5 + EJS, 20 rows', reference, { path: '/' });
    const generated = await generateInto(sqlite);
    const runs = [await measure('SQLite', dir, sqlite, 1, generated.data)];
    let pgSeconds = NaN;
    if (pg) {
      const target = await pg.create('guichet_bench');
      const onPg = await generateInto(target);
      pgSeconds = onPg.seconds;
      runs.push(await measure('PostgreSQL, 1 process', dir, target, 1, onPg.data));
      if (PROCESSES > 1) runs.push(await measure(`PostgreSQL, ${PROCESSES} processes`, dir, target, PROCESSES, onPg.data));
    }
    // The machine's speed drifts (other tenants): the reference is measured again at the end,
    // and the ratios are to the mean of both.
    const referenceAfter = await load('reference again, after the scenarios', reference, { path: '/' });
    const machine = { reference: [referenceBefore, referenceAfter] as [Result, Result], coldMs: cold.sqlite, genSeconds: generated.seconds, statsSeconds: generated.statsSeconds };
    writeSection(`${TICKETS.toLocaleString('en-US')} tickets`, sqliteSection(machine, runs[0]));
    if (pg) writeSection(`${TICKETS.toLocaleString('en-US')} tickets, SQLite and PostgreSQL`, engineSection(machine, runs, cold.postgres, pgSeconds));
  } finally {
    await stop(ref.child);
    await pg?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Machine { reference: [Result, Result]; coldMs: number; genSeconds: number; statsSeconds: number }

const dataLine = (genSeconds: string) =>
  `Data: ${TICKETS.toLocaleString('en-US')} tickets over 3 years, 30,000 users, 2,000 establishments, 40 teams, 200 agents, ~3 journal entries per ticket; generated in ${genSeconds}.`;

function machineLines(m: Machine): string[] {
  const cpus = os.cpus();
  const [before, after] = m.reference;
  return [
    `Machine: ${cpus.length} cores (${cpus[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Reference: ${before.rps} req/s before the scenarios, ${after.rps} after; ratios are to their mean (${Math.round((before.rps + after.rps) / 2)}).`,
  ];
}

function sqliteSection(m: Machine, run: Measured): string[] {
  const [before, after] = m.reference;
  const referenceRps = (before.rps + after.rps) / 2;
  const row = (x: Result) =>
    `| ${x.name} | ${x.rps} | ${x.p50} | ${x.p99} | ${Math.round((100 * x.rps) / referenceRps)} % | ${Number.isNaN(x.cpuUs) ? '' : x.cpuUs} |${x.errors ? ` ${x.errors} errors` : ''}`;
  const [machine, reference] = machineLines(m);
  return [
    machine,
    dataLine(`${m.genSeconds.toFixed(1)} s`),
    `Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per scenario. Cold start (migrate + seed + listen): ${m.coldMs} ms. App peak RSS: ${run.rss} MB.`,
    reference,
    `Statistics: the first count of every ticket into the daily tables took ${m.statsSeconds.toFixed(1)} s; the page's first answer, before any chart is kept drawn: ${firstAnswers.slice(0, 3).join(', ')}.`,
    '',
    '| scenario | req/s | p50 (ms) | p99 (ms) | of reference | main thread (µs/req) |',
    '|---|---:|---:|---:|---:|---:|',
    row(before),
    row(after),
    row(run.floor),
    ...run.results.map(row),
    row(run.login),
    row(run.during),
  ];
}

function engineSection(m: Machine, runs: Measured[], pgColdMs: number, pgSeconds: number): string[] {
  const [one, many] = [runs[1], runs[2]];
  const rowsOf = (r: Measured) => [r.floor, ...r.results, r.login, r.during];
  const cell = (x: Result) => `${x.rps} | ${x.p99}${x.errors ? ` (${x.errors} errors)` : ''}`;
  const lines = rowsOf(runs[0]).map((x, i) => {
    const cells = runs.map((r) => cell(rowsOf(r)[i]));
    const gain = many ? ` ${(rowsOf(many)[i].rps / rowsOf(one)[i].rps).toFixed(2)}× |` : '';
    return `| ${x.name} | ${cells.join(' | ')} |${gain}`;
  });
  const [machine, reference] = machineLines(m);
  return [
    machine,
    dataLine(`${m.genSeconds.toFixed(1)} s on SQLite, ${pgSeconds.toFixed(1)} s on PostgreSQL`),
    `PostgreSQL ${postgresVersion()}: a server of the bench's own on loopback, durable (fsync and synchronous commits on), shared_buffers 1 GB; DATABASE_POOL 10 per process.`,
    `Load: autocannon, ${CONNECTIONS} connections in all, spread over the processes, ${DURATION} s per scenario. Cold start: ${m.coldMs} ms on SQLite, ${pgColdMs} ms on PostgreSQL. App peak RSS: ${runs.map((r) => `${r.rss} MB`).join(', ')}.`,
    reference,
    '',
    `| scenario | ${runs.map((r) => `${r.label}: req/s | p99 (ms)`).join(' | ')} |${many ? ` ${PROCESSES} ÷ 1 |` : ''}`,
    `|---|${runs.map(() => '---:|---:|').join('')}${many ? '---:|' : ''}`,
    ...lines,
  ];
}

function postgresVersion(): string {
  const r = spawnSync('psql', ['--version'], { encoding: 'utf8' });
  return r.stdout?.match(/\d+(\.\d+)?/)?.[0] ?? '';
}

/** Replace (or add) one section of BENCHMARKS.md. */
function writeSection(title: string, body: string[]) {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const section = [`## ${title}`, '', ...body, ''].join('\n');
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n`npm run bench` (200,000 tickets) or `npm run bench -- --tickets N`. Each run replaces its own section.\n\n';
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`## ${escaped}\\n[\\s\\S]*?(?=\\n## |$)`);
  doc = re.test(doc) ? doc.replace(re, section) : doc.trimEnd() + '\n\n' + section;
  fs.writeFileSync(file, doc.trimEnd() + '\n');
  console.log(`written to BENCHMARKS.md: ${title}`);
}

await main();
