import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { anyOf, identifier, inList, insertRows, notInList, rowsOf, sql, wholeNumber } from '../../../src/db/sql.js';
import { statusIn } from '../../../src/features/tickets/tickets.repo.js';

// Every statement is SQL text (src/db/sql.ts): values are bound, and only our own names go into
// the text. These run the fragments on a real SQLite file.
describe('SQL fragments', () => {
  let dir: string;
  let database: Database;
  let db: Knex;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-sql-'));
    database = openDatabase({ engine: 'sqlite', file: path.join(dir, 'test.sqlite') });
    db = database.knex;
    await db.raw('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, status TEXT)');
    await db('items').insert([{ name: "l'école", status: 'nouvelle' }, { name: 'x', status: 'fermee' }, { name: "1 = 1' --", status: 'resolue' }]);
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ids = async (where: ReturnType<typeof sql>) => (await rowsOf<{ id: number }>(db, sql`SELECT id FROM items WHERE ${where} ORDER BY id`)).map((r) => r.id);

  it('when a value holds quotes or SQL, should match it as a value, never run it', async () => {
    assert.deepEqual(await ids(sql`name = ${"l'école"}`), [1]);
    assert.deepEqual(await ids(sql`name = ${"1 = 1' --"}`), [3]);
    assert.deepEqual(await ids(sql`name = ${"x' OR '1' = '1"}`), []);
  });

  it('when rows are inserted as text, should store each value as it is, null included, and refuse a row that lacks one', async () => {
    const rows = [{ name: "d'Alembert'); DROP TABLE items; --", status: null }, { name: 'deux', status: 'nouvelle' }];
    const inserted = await rowsOf<{ id: number }>(db, sql`${insertRows('items', rows)} RETURNING id`);
    assert.equal(inserted.length, 2);
    const back = await rowsOf<{ name: string; status: string | null }>(db, sql`SELECT name, status FROM items WHERE ${inList('id', inserted.map((r) => r.id))} ORDER BY id`);
    assert.deepEqual(back, rows);
    assert.throws(() => insertRows('items', [{ name: 'x', status: undefined }]), /no value for items.status/);
    assert.throws(() => insertRows('items', [{ name: 'x', status: null }, { name: 'y' }]), /different columns/);
    assert.throws(() => insertRows('items; DROP TABLE items', [{ name: 'x' }]), /not an identifier/);
    assert.throws(() => insertRows('items', []), /no row/);
    await rowsOf(db, sql`DELETE FROM items WHERE ${inList('id', inserted.map((r) => r.id))}`);
  });

  it('when a list is empty, should match nothing with IN and everything with NOT IN (as Knex did)', async () => {
    assert.deepEqual(await ids(inList('id', [])), []);
    assert.deepEqual(await ids(notInList('id', [])), [1, 2, 3]);
    assert.deepEqual(await ids(inList('id', [1, 3])), [1, 3]);
    assert.deepEqual(await ids(notInList('id', [1, 3])), [2]);
    assert.deepEqual(await ids(anyOf([])), [], 'no branch: nothing visible');
    assert.deepEqual(await ids(anyOf([sql`id = ${1}`, sql`id = ${2}`])), [1, 2]);
  });

  it('when a name or a status is not one of ours, should refuse to write it into the text', () => {
    assert.throws(() => identifier('t.status; DROP TABLE tickets'), /not an identifier/);
    assert.throws(() => inList('id) OR (1 = 1', [1]), /not an identifier/);
    assert.throws(() => statusIn('t.status', ["fermee') OR ('1" as 'fermee']), /not a constant/);
    assert.equal(identifier('t.status'), 't.status');
  });

  it('when two values sit side by side, should refuse the statement rather than let Knex read ?? as a name', async () => {
    await assert.rejects(async () => rowsOf(db, sql`SELECT ${1}${2}`), /side by side/);
  });

  it('when a page size or offset is written into the text, should take only a whole number', async () => {
    const page = await rowsOf<{ id: number }>(db, sql`SELECT id FROM items ORDER BY id LIMIT ${wholeNumber(1)} OFFSET ${wholeNumber(1)}`);
    assert.deepEqual(page.map((r) => r.id), [2]);
    for (const bad of [-1, 1.5, Number.NaN, Infinity, '1; DROP TABLE items' as unknown as number]) {
      assert.throws(() => wholeNumber(bad), /not a whole number/, String(bad));
    }
  });

  it('when a statement has values of each kind, should bind each as it is and word its errors as the driver does', async () => {
    const [row] = await rowsOf(db, sql`SELECT ${7} AS n, ${'é'} AS s, ${null} AS z, ${true} AS b, ${Buffer.from('hi')} AS buf`);
    assert.deepEqual(row, { n: 7, s: 'é', z: null, b: 1, buf: Buffer.from('hi') });
    await assert.rejects(rowsOf(db, sql`SELECT ${undefined} AS u`), /Undefined binding/);
    await assert.rejects(rowsOf(db, sql`SELECT * FROM nowhere WHERE id = ${1}`), /SQLITE_ERROR: no such table: nowhere$/i);
  });

  it('when code inside a transaction sends a statement beside it, should refuse it at once rather than read around it or wait for the writer', async () => {
    const outcome = await database.transaction(async (trx) => {
      await database.execute(sql`INSERT INTO items (name, status) VALUES (${'dans la transaction'}, ${'nouvelle'})`, trx);
      const read = await database.select(sql`SELECT id FROM items`).then(() => 'read', (e: Error) => e.message);
      const write = await database.execute(sql`DELETE FROM items`).then(() => 'written', (e: Error) => e.message);
      const nested = await database.transaction(async () => 'nested').then((v) => v, (e: Error) => e.message);
      return { read, write, nested };
    });
    assert.match(outcome.read, /beside the transaction/);
    assert.match(outcome.write, /beside the transaction/);
    assert.match(outcome.nested, /transaction inside a transaction/);
    assert.equal((await ids(sql`name = ${'dans la transaction'}`)).length, 1, 'the transaction committed');
    assert.equal((await ids(sql`1 = 1`)).length, 4, 'and nothing ran beside it');
    await rowsOf(db, sql`DELETE FROM items WHERE name = ${'dans la transaction'}`);
  });

  it('when a statement runs inside a transaction, should see what the transaction wrote and leave nothing after a rollback', async () => {
    await db.transaction(async (trx) => {
      await rowsOf(trx, sql`INSERT INTO items (name, status) VALUES (${'brouillon'}, ${'nouvelle'})`);
      assert.equal((await rowsOf(trx, sql`SELECT id FROM items WHERE name = ${'brouillon'}`)).length, 1);
      await trx.rollback();
    }).catch(() => undefined);
    assert.deepEqual(await ids(sql`name = ${'brouillon'}`), []);
  });
});
