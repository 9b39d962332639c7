import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex, createReadKnex } from '../../../src/db/knex.js';

/** How many of this process's file descriptors point into the test's folder (Linux). */
function openHandles(dir: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
    } catch {
      return false;
    }
  }).length;
}

// Each connection keeps its prepared statements (src/db/sqlite-client.ts). Sharing a statement
// between queries must never mix their bindings, rows, ids or errors, nor keep a lock or the file.
describe('kept prepared statements', function () {
  let dir: string;
  let db: Knex;
  let reader: Knex;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-stmt-'));
    db = createKnex(path.join(dir, 'data.sqlite'));
    await db.schema.createTable('things', (t) => {
      t.increments('id');
      t.string('name').notNullable().unique();
      t.integer('n').notNullable();
    });
    reader = createReadKnex(path.join(dir, 'data.sqlite'), 2);
  });
  after(async () => {
    await reader?.destroy();
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when the same insert runs side by side in a transaction, should give each its own id, and the same select each its own rows', async () => {
    const ids = await db.transaction((trx) => Promise.all(Array.from({ length: 50 }, (_, i) => trx('things').insert({ name: `t${i}`, n: i }).then(([id]) => ({ i, id })))));
    assert.equal(new Set(ids.map((x) => x.id)).size, 50, 'fifty distinct ids');
    const rows = await Promise.all(ids.map(({ i, id }) => reader('things').where({ id }).first('name', 'n').then((row) => ({ i, row }))));
    for (const { i, row } of rows) assert.deepEqual(row, { name: `t${i}`, n: i }, `insert ${i} reads back as itself`);
  });

  it('when updates run side by side, should report to each the rows it changed', async () => {
    const changed = await Promise.all([
      db('things').where('n', '<', 10).update({ n: db.raw('n + 100') }),
      db('things').where('name', 'no such thing').update({ n: 0 }),
      db('things').where('name', 't20').update({ n: 20 }),
    ]);
    assert.deepEqual(changed, [10, 0, 1]);
  });

  it('when an insert breaks a constraint inside a transaction, should reject it with SQLite\'s message, and the same insert then work and commit', async () => {
    await db.transaction(async (trx) => {
      await assert.rejects(trx('things').insert({ name: 't1', n: 1 }), /UNIQUE constraint failed: things\.name/);
      await trx('things').insert({ name: 'after-failure', n: 1 });
    });
    assert.equal((await reader('things').where({ name: 'after-failure' }).first('n'))?.n, 1);
    // And the writer takes a new transaction: nothing was left holding the lock.
    await db.transaction((trx) => trx('things').where({ name: 'after-failure' }).update({ n: 2 }));
    assert.equal((await reader('things').where({ name: 'after-failure' }).first('n'))?.n, 2);
  });

  it('when a query names a missing table, should reject with the error instead of hanging, each time', async () => {
    for (let i = 0; i < 2; i++) await assert.rejects(reader('no_such_table').select('*'), /no such table: no_such_table/);
  });

  it('when more distinct statements run than a connection keeps, should still answer each, and close the file', async () => {
    for (let i = 0; i < 260; i++) {
      const row = await reader('things').where('n', '>', -1).whereRaw(`${i} = ${i}`).count({ c: '*' }).first();
      assert.equal(Number(row?.c), 51);
    }
    const before = openHandles(dir);
    assert.ok(before > 0, 'the reader holds the file open');
    await reader.destroy();
    // Closed for real (SQLite refuses to close a connection with statements left unfinalized).
    assert.ok(openHandles(dir) < before, `the reader's handles are closed (${before} before, ${openHandles(dir)} after)`);
    reader = createReadKnex(path.join(dir, 'data.sqlite'), 2);
    assert.equal(Number((await reader('things').count({ c: '*' }).first())?.c), 51);
  });
});
