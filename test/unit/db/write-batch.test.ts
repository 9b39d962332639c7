import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex } from '../../../src/db/knex.js';
import { WriteBatch } from '../../../src/db/write-batch.js';
import { queriesDuring } from '../../helpers/queries.js';

// Group commit (src/db/write-batch.ts): writes that wait for the single writer together are
// committed together, and one that fails takes nothing of the others with it.
describe('writes committed together (group commit)', function () {
  let dir: string;
  let db: Knex;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-batch-'));
    db = createKnex(path.join(dir, 'data.sqlite'));
    await db.schema.createTable('things', (t) => {
      t.increments('id');
      t.string('name').notNullable().unique();
    });
    await db.schema.createTable('notes', (t) => {
      t.increments('id');
      t.integer('thing_id').notNullable().references('things.id');
      t.string('body').notNullable();
    });
  });
  after(async () => {
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db('notes').del();
    await db('things').del();
  });

  /** A thing and its note, written by one job; resolves to the thing's id. */
  const create = (name: string) => async (trx: Knex.Transaction) => {
    const [{ id }] = await trx('things').insert({ name }).returning('id');
    await trx('notes').insert({ thing_id: id, body: `note of ${name}` });
    return id as number;
  };

  it('when writes come while the writer is busy, should commit them in one transaction, each with its own result', async () => {
    const batch = new WriteBatch(db);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { queries, result } = await queriesDuring([db], async () => {
      const first = batch.run(async (trx) => {
        await held;
        return create('first')(trx);
      });
      const others = ['a', 'b', 'c', 'd', 'e'].map((name) => batch.run(create(name)));
      release();
      return Promise.all([first, ...others]);
    });
    const begins = queries.filter((q) => /^\s*BEGIN/i.test(q.sql)).length;
    const commits = queries.filter((q) => /^\s*COMMIT/i.test(q.sql)).length;
    assert.deepEqual([begins, commits], [2, 2], 'the first alone, the five that waited together');
    const rows = await db('things').join('notes', 'notes.thing_id', 'things.id').select('things.id', 'things.name', 'notes.body').orderBy('things.name');
    assert.deepEqual(rows.map((r) => [r.name, r.body]), [['a', 'note of a'], ['b', 'note of b'], ['c', 'note of c'], ['d', 'note of d'], ['e', 'note of e'], ['first', 'note of first']]);
    const idOf = new Map(rows.map((r) => [r.name, r.id]));
    assert.deepEqual(result, ['first', 'a', 'b', 'c', 'd', 'e'].map((n) => idOf.get(n)), 'each job is answered with its own id');
  });

  it('when one write of a batch fails, should reject it alone, with its error, and commit the others', async () => {
    const batch = new WriteBatch(db);
    await db('things').insert({ name: 'taken' });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = batch.run(async (trx) => {
      await held;
      return create('first')(trx);
    });
    const jobs = ['a', 'taken', 'b'].map((name) => batch.run(create(name)));
    release();
    const settled = await Promise.allSettled([first, ...jobs]);
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((settled[2] as PromiseRejectedResult).reason), /UNIQUE constraint failed: things\.name/);
    assert.deepEqual((await db('things').orderBy('name').pluck('name')), ['a', 'b', 'first', 'taken']);
    assert.deepEqual((await db('notes').orderBy('body').pluck('body')), ['note of a', 'note of b', 'note of first'], 'nothing half-written: no note of the failed one');
  });

  it('when the writer is free, should run a write at once, alone', async () => {
    const batch = new WriteBatch(db);
    const { queries, result } = await queriesDuring([db], () => batch.run(create('alone')));
    assert.equal(queries.filter((q) => /^\s*BEGIN/i.test(q.sql)).length, 1);
    assert.equal((await db('things').where({ name: 'alone' }).first('id')).id, result);
  });
});
