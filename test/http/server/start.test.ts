import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, testEngine } from '../../helpers/app.js';
import { databaseEnv } from '../../helpers/engine.js';
import { startServer } from '../../helpers/server-process.js';

describe('the server process', function () {
  this.timeout(60_000);
  it('when started twice on a fresh data folder, should migrate, seed once and listen within 3 s, serve, and stop cleanly on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-start-'));
    const { target, drop } = await freshDatabase(dir, { empty: true });
    try {
      for (let i = 0; i < 2; i++) {
        const started = Date.now();
        const server = await startServer(dir, databaseEnv(target));
        // The cold start's budget (issue 7): process start, migrations, seeds and listen.
        const ms = Date.now() - started;
        assert.ok(ms < 3000, `${i === 0 ? 'first' : 'second'} start took ${ms} ms`);
        const res = await fetch(`http://127.0.0.1:${server.port}/login`);
        assert.equal(res.status, 200);
        assert.ok((await res.text()).includes('Identifiant'));
        const css = await fetch(`http://127.0.0.1:${server.port}/dsfr/dsfr.min.css`);
        assert.equal(css.status, 200, 'the DSFR is served by the app itself');
        assert.equal(await server.stop(), 0, 'clean exit');
      }
      if (testEngine === 'sqlite') assert.ok(fs.existsSync(path.join(dir, 'guichet.sqlite')));
    } finally {
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when pages are served, should log one line per request within about a second, and every line by the time it stops', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-log-'));
    const { target, drop } = await freshDatabase(dir);
    const server = await startServer(dir, databaseEnv(target));
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${base}/login?essai=${i}`);
        await res.text();
        ids.push(res.headers.get('x-request-id')!);
      }
      // Gathered, then written without waiting for more traffic.
      const t0 = Date.now();
      await server.waitFor(new RegExp(ids[2]), 3000);
      assert.ok(Date.now() - t0 < 2500, `written ${Date.now() - t0} ms later`);
      // A burst still in the buffer when the server stops is written on the way out.
      const burst = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/login`).then(async (r) => { await r.text(); return r.headers.get('x-request-id')!; })));
      assert.equal(await server.stop(), 0);
      const lines = server.output().split('\n').filter((l) => l.includes('"request completed"'));
      for (const id of [...ids, ...burst]) assert.equal(lines.filter((l) => l.includes(id)).length, 1, `one line for ${id}`);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
