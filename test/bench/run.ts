// npm run bench [-- --tickets N] — generate a large academy's history, start the app as in
// production, load it with autocannon (10 connections, 10 s a scenario) beside a bare
// Express + EJS reference, and write the figures to BENCHMARKS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ROOT } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { generate, type BenchData } from './generate.js';
import { withCookies } from '../helpers/server-process.js';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '200000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string' },
  },
});
const TICKETS = Number(values.tickets);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);

interface Started { child: ChildProcess; port: number; ms: number }

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

/**
 * autocannon on one URL; `pid` is the server's, whose main thread's CPU per request is reported,
 * unless another load shares that thread at the same time (`pid` null).
 */
async function load(name: string, pid: number | null, opts: autocannon.Options): Promise<Result> {
  const cpu0 = pid === null ? NaN : mainThreadCpuMs(pid);
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  const cpuUs = pid === null ? NaN : Math.round((1000 * (mainThreadCpuMs(pid) - cpu0)) / r.requests.total);
  // A redirect after a POST (303) is a success; a 4xx or 5xx is not.
  const errors = r.errors + r.timeouts + r['4xx'] + r['5xx'];
  return report({ name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors, cpuUs });
}

/** Log in through the form; returns the cookies (session, CSRF) and a CSRF token of that session. */
async function session(base: string, identifiant: string): Promise<{ cookie: string; csrf: string }> {
  const page = await fetch(`${base}/login`);
  let cookie = withCookies('', page);
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1];
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, identifiant, password: 'bench' }),
  });
  if (res.status !== 303) throw new Error(`login of ${identifiant}: ${res.status}`);
  cookie = withCookies(cookie, res);
  const home = await fetch(`${base}/assistance`, { headers: { cookie } });
  cookie = withCookies(cookie, home);
  return { cookie, csrf: (await home.text()).match(/name="_csrf" value="([^"]+)"/)![1] };
}

/** CONNECTIONS clients logging in again and again for DURATION seconds: GET the form, POST it. */
async function loginStorm(base: string, identifiant: string): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + DURATION * 1000;
  const client = async () => {
    while (Date.now() < end) {
      const page = await fetch(`${base}/login`);
      const cookie = withCookies('', page);
      const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1];
      const t0 = performance.now();
      const res = await fetch(`${base}/login`, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, identifiant, password: 'bench' }),
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 303) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, client));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]);
  // It runs beside the portal's load, on the same main thread: no CPU figure of its own.
  return report({ name: 'login POST (Argon2), GET + POST per login', rps: Math.round(latencies.length / DURATION), p50: pct(50), p99: pct(99), errors, cpuUs: NaN });
}

async function main() {
  const dist = path.join(ROOT, 'dist');
  const serverJs = path.join(dist, 'src', 'server.js');
  // As in production, with a log line per request (the floor server too, so that it pays for it as the app does).
  const env = (dir: string) => ({ NODE_ENV: 'production', SESSION_SECRET: 'bench-secret-bench-secret-0123', DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOGIN_RATE_LIMIT: '100000000' });

  // Cold start: migrate and seed an empty database, then listen.
  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-cold-'));
  const cold = await startProcess(serverJs, env(emptyDir), true);
  await stop(cold.child);
  fs.rmSync(emptyDir, { recursive: true, force: true });
  console.log(`cold start (migrate + seed + listen): ${cold.ms} ms`);

  // The data set.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-bench-'));
  const t0 = Date.now();
  const database = openDatabase({ engine: 'sqlite', file: path.join(dir, 'guichet.sqlite') });
  await database.migrateAndSeed();
  const data: BenchData = await generate(database.knex, { tickets: TICKETS });
  await database.close();
  const genSeconds = (Date.now() - t0) / 1000;
  console.log(`generated ${TICKETS} tickets in ${genSeconds.toFixed(1)} s`);

  const benchDist = path.join(dist, 'test', 'bench');
  const ref = await startProcess(path.join(benchDist, 'reference-server.js'), {});
  const app = await startProcess(serverJs, env(dir), true);
  const base = `http://127.0.0.1:${app.port}`;
  const appPid = app.child.pid!;
  const results: Result[] = [];
  let floor: Started | undefined;
  try {
    const referenceUrl = { url: `http://127.0.0.1:${ref.port}/` };
    const referenceBefore = await load('reference: bare Express 5 + EJS, 20 rows', ref.child.pid!, referenceUrl);
    const requester = await session(base, data.heavyRequester);
    const manager = await session(base, data.largeEstablishmentManager);
    const agent = await session(base, data.largeTeamAgent);
    const queueUrl = '/agent/tickets/en-cours?onglet=a_prendre';
    // The floor: the app's middleware in front of the queue page, sent from memory.
    const pageFile = path.join(dir, 'floor-page.html');
    const queuePage = await fetch(base + queueUrl, { headers: { cookie: agent.cookie }, redirect: 'manual' });
    if (queuePage.status !== 200) throw new Error(`the team queue answered ${queuePage.status}`);
    fs.writeFileSync(pageFile, await queuePage.text());
    floor = await startProcess(path.join(benchDist, 'floor-server.js'), { ...env(dir), FLOOR_PAGE: pageFile });
    const floorResult = await load("stack floor: the app's middleware, a page from memory", floor.child.pid!, {
      url: `http://127.0.0.1:${floor.port}/floor`, headers: { cookie: agent.cookie },
    });
    await stop(floor.child);
    const get = (name: string, url: string, s?: { cookie: string }, pid: number | null = appPid) => load(name, pid, { url: base + url, headers: s ? { cookie: s.cookie } : {} });
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
      ['create', () => load('ticket creation (POST)', appPid, {
        url: `${base}/assistance/tickets`, method: 'POST',
        headers: { cookie: requester.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: requester.csrf, subcategory_id: String(data.subcategoryId), kind: 'incident', establishment_id: String(data.establishmentId),
          visibility: 'self', subject: 'Imprimante en panne', detail: 'Le bac 2 bloque.', phone: '', availability: '', impact: 'personne', urgency: 'moyenne',
        }).toString(),
      })],
    ];
    for (const [key, run] of scenarios) if (!values.only || key.includes(values.only)) results.push(await run());
    // Login is slow on purpose (Argon2): measured apart (each login needs its own session and
    // CSRF token, so not with autocannon), and while it runs the portal must stay fast.
    const [login, during] = await Promise.all([
      loginStorm(base, data.heavyRequester),
      // It shares the main thread with the logins: no CPU figure of its own either.
      new Promise<Result>((r) => setTimeout(() => r(get('user portal home, during the login storm', '/assistance', requester, null)), 200)),
    ]);
    const rss = peakRssMb(appPid);
    console.log(`app peak RSS: ${rss} MB`);
    // The machine's speed drifts (other tenants): the reference is measured again at the end,
    // and the ratios are to the mean of both.
    const referenceAfter = await load('reference again, after the scenarios', ref.child.pid!, referenceUrl);
    write({ reference: [referenceBefore, referenceAfter], floor: floorResult, results, login, during, rss, coldMs: cold.ms, genSeconds });
  } finally {
    if (floor) await stop(floor.child);
    await stop(app.child);
    await stop(ref.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function write(r: { reference: [Result, Result]; floor: Result; results: Result[]; login: Result; during: Result; rss: number; coldMs: number; genSeconds: number }) {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const cpus = os.cpus();
  const [before, after] = r.reference;
  const referenceRps = (before.rps + after.rps) / 2;
  const row = (x: Result) =>
    `| ${x.name} | ${x.rps} | ${x.p50} | ${x.p99} | ${Math.round((100 * x.rps) / referenceRps)} % | ${Number.isNaN(x.cpuUs) ? '' : x.cpuUs} |${x.errors ? ` ${x.errors} errors` : ''}`;
  const section = [
    `## ${TICKETS.toLocaleString('en-US')} tickets`,
    '',
    `Machine: ${cpus.length} cores (${cpus[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Data: ${TICKETS.toLocaleString('en-US')} tickets over 3 years, 30,000 users, 2,000 establishments, 40 teams, 200 agents, ~3 journal entries per ticket; generated in ${r.genSeconds.toFixed(1)} s.`,
    `Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per scenario. Cold start (migrate + seed + listen): ${r.coldMs} ms. App peak RSS: ${r.rss} MB.`,
    `Reference: ${before.rps} req/s before the scenarios, ${after.rps} after; ratios are to their mean (${Math.round(referenceRps)}).`,
    '',
    '| scenario | req/s | p50 (ms) | p99 (ms) | of reference | main thread (µs/req) |',
    '|---|---:|---:|---:|---:|---:|',
    row(before),
    row(after),
    row(r.floor),
    ...r.results.map(row),
    row(r.login),
    row(r.during),
    '',
  ].join('\n');
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n`npm run bench` (200,000 tickets) or `npm run bench -- --tickets N`. Each run replaces its own section.\n\n';
  const re = new RegExp(`## ${TICKETS.toLocaleString('en-US')} tickets\\n[\\s\\S]*?(?=\\n## |$)`);
  doc = re.test(doc) ? doc.replace(re, section) : doc.trimEnd() + '\n\n' + section;
  fs.writeFileSync(file, doc.trimEnd() + '\n');
  console.log(`written to BENCHMARKS.md`);
}

await main();
