import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config.js';

describe('configuration', () => {
  it('when running in production without SESSION_SECRET, should refuse to start', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /SESSION_SECRET/);
  });
  it('when running in production, should not load the demo data', () => {
    const c = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'a'.repeat(32) });
    assert.equal(c.demoData, false);
    assert.equal(c.isProduction, true);
  });
  it('when nothing is set, should serve on 3000 with data in ./data and the demo', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.database.engine, 'sqlite');
    assert.match(c.database.engine === 'sqlite' ? c.database.file : '', /data[\\/]guichet\.sqlite$/);
    assert.equal(c.demoData, true);
  });
  it('when DATABASE_URL names a PostgreSQL server, should run on it; anything else is refused with the variable named', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://guichet:secret@db.ac-exemple.fr:5432/guichet' });
    assert.deepEqual(c.database, { engine: 'postgres', url: 'postgres://guichet:secret@db.ac-exemple.fr:5432/guichet' });
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x@y/z' }), /DATABASE_URL/);
  });
  it('when PORT is not a number, should say which variable is wrong', () => {
    assert.throws(() => loadConfig({ PORT: 'abc' }), /PORT/);
  });
});
