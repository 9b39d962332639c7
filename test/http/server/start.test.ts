import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../helpers/server-process.js';

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
