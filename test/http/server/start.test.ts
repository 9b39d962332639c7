import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../../src/config.js';

/** Start the real server as `npm start` does (compiled), wait for its "listening" line. */
function startServer(dataDir: string): Promise<{ port: number; stop: () => Promise<number | null>; output: () => string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/server.js')], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no listening line:\n' + out)), 30_000);
    child.stdout.on('data', () => {
      const m = out.match(/"port":(\d+).*Guichet is listening/);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        output: () => out,
        stop: () => new Promise((done) => { child.once('exit', (code) => done(code)); child.kill('SIGTERM'); }),
      });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

describe('the server process', function () {
  this.timeout(60_000);
  it('when started twice on a fresh data folder, should migrate, seed once, serve, and stop cleanly on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-start-'));
    try {
      for (let i = 0; i < 2; i++) {
        const server = await startServer(dir);
        const res = await fetch(`http://127.0.0.1:${server.port}/login`);
        assert.equal(res.status, 200);
        assert.ok((await res.text()).includes('Identifiant'));
        const css = await fetch(`http://127.0.0.1:${server.port}/dsfr/dsfr.min.css`);
        assert.equal(css.status, 200, 'the DSFR is served by the app itself');
        assert.equal(await server.stop(), 0, 'clean exit');
      }
      assert.ok(fs.existsSync(path.join(dir, 'guichet.sqlite')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
