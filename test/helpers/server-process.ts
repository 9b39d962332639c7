import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../src/config.js';

export interface ServerProcess {
  port: number;
  child: ChildProcess;
  output: () => string;
  /** Wait until the output matches (a log line), or fail after the timeout. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/** The cookies a client holds ("a=1; b=2") once a response's are added: the session's, and the CSRF token's. */
export function withCookies(held: string, res: Response): string {
  const jar = new Map(held.split('; ').filter(Boolean).map((c) => [c.slice(0, c.indexOf('=')), c]));
  for (const set of res.headers.getSetCookie()) {
    const pair = set.split(';')[0];
    jar.set(pair.slice(0, pair.indexOf('=')), pair);
  }
  return [...jar.values()].join('; ');
}

/** Start the real server as `npm start` does (compiled), wait for its "listening" line. */
export function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/server.js')], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const waitFor = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        if (pattern.test(out)) return resolve();
        if (Date.now() - started > timeoutMs) return reject(new Error(`no ${pattern} in the output:\n${out.slice(-2000)}`));
        setTimeout(poll, 50);
      };
      poll();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no listening line:\n' + out)), 30_000);
    child.stdout!.on('data', () => {
      const m = out.match(/"port":(\d+).*Guichet is listening/);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        child,
        output: () => out,
        waitFor,
        stop: () => new Promise((done) => { child.once('exit', (code) => done(code)); child.kill('SIGTERM'); }),
      });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}
