import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { ROOT } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/database.js';
import { createApp } from '../../../src/app.js';
import { createLogger } from '../../../src/logger.js';
import { backup, MANIFEST } from '../../../src/cli/backup.js';
import { restore } from '../../../src/cli/restore.js';
import { startTestApp, testEngine, type TestApp } from '../../helpers/app.js';
import { databaseEnv, knexOn, loseEverything, openCopy } from '../../helpers/engine.js';
import { loginAs, type Agent } from '../../helpers/agent.js';
import { subcategoryId } from '../../helpers/factories.js';
import { PNG_1PX } from '../../helpers/files.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';

const run = promisify(execFile);
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
/** A PNG with a few distinct bytes appended (still a PNG to the type sniffer): each file is told apart by its hash. */
const pngNumber = (n: number) => Buffer.concat([PNG_1PX, Buffer.from(`#${n}`)]);

interface Snapshot {
  tickets: Array<{ ref: string; subject: string; status: string }>;
  files: Array<{ ref: string; original_name: string; stored_name: string; sha: string }>;
}

async function snapshot(db: Knex, uploadDir: string): Promise<Snapshot> {
  const tickets = await db('tickets').orderBy('id').select('ref', 'subject', 'status');
  const rows = await db('attachments as a').join('tickets as t', 't.id', 'a.ticket_id').orderBy('a.id').select('t.ref', 'a.original_name', 'a.stored_name');
  return { tickets, files: rows.map((r) => ({ ...r, sha: sha(path.join(uploadDir, r.stored_name)) })) };
}

describe('backup and restore (npm run backup / npm run restore)', function () {
  this.timeout(60_000);
  let t: TestApp;
  let sophie: Agent;
  let sub: number, school: number;
  let backups: string;
  let n = 0;
  const file = async (subject: string) => {
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject }), [{ name: `capture-${++n}.png`, content: pngNumber(n) }]);
    assert.equal(res.status, 303);
  };

  beforeEach(async () => {
    t = await startTestApp();
    sophie = await loginAs(t.app, 'SSEGUR');
    sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    backups = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-backups-'));
  });
  afterEach(async () => {
    await t.close().catch(() => undefined);
    fs.rmSync(t.config.dataDir, { recursive: true, force: true });
    fs.rmSync(backups, { recursive: true, force: true });
  });

  it('when the data folder is lost after a backup, should restore the same tickets and attachment files, and the app should serve them', async () => {
    await file('Poste 12 ne démarre plus');
    await file('Imprimante de la salle 3');
    const before = await snapshot(t.db, t.config.uploadDir);
    assert.equal(before.files.length, 2);

    const { dir, manifest } = await backup({ config: t.config, to: backups, db: t.database });
    assert.match(path.basename(dir), /^guichet-\d{8}-\d{6}Z$/);
    assert.deepEqual(fs.readdirSync(dir).sort(), [testEngine === 'sqlite' ? 'guichet.sqlite' : 'guichet.dump', 'manifest.json', 'uploads'].sort());
    assert.equal(manifest.tickets, 2);
    assert.equal(manifest.attachments, 2);
    assert.deepEqual(manifest.missingFiles, []);

    // The disk is lost, and the database with it.
    await t.closeDatabases();
    await loseEverything(t.config);

    const { previous } = await restore({ config: t.config, from: dir });
    assert.equal(previous, null, 'nothing was there to keep aside');
    const database = openDatabase(t.config.database);
    const db = database.knex;
    try {
      assert.deepEqual(await snapshot(db, t.config.uploadDir), before);
      // The app starts on the restored database and folder, and serves the files.
      const { app } = createApp({ config: t.config, db: database, logger: createLogger('silent') });
      const again = await loginAs(app, 'SSEGUR');
      const id = (await db('attachments').orderBy('id').first('id')).id;
      const res = await again.get(`/pieces-jointes/${id}`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      assert.equal(res.status, 200);
      assert.ok((res.body as Buffer).equals(pngNumber(1)));
      assert.equal((await again.get(`/assistance/tickets/${before.tickets[0].ref}`)).status, 200);
    } finally {
      await database.close();
    }
  });

  it('when tickets with files are being created during the backup (a second process, as the CLI), should copy a sound database whose every attachment has its file', async () => {
    await file('Avant la sauvegarde');
    const writes = Promise.all(Array.from({ length: 12 }, (_, i) => file(`Pendant la sauvegarde ${i}`)));
    const { dir, manifest } = await backup({ config: t.config, to: backups });
    await writes;
    assert.deepEqual(manifest.missingFiles, []);
    assert.ok(manifest.tickets >= 1 && manifest.tickets <= 13, `${manifest.tickets} tickets`);
    const opened = await openCopy(path.join(dir, manifest.database));
    const copy = opened.db;
    try {
      if (testEngine === 'sqlite') assert.deepEqual(await copy.raw('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
      const tickets = await copy('tickets').count({ n: '*' });
      const files = await copy('attachments').count({ n: '*' });
      assert.equal(Number(files[0].n), Number(tickets[0].n), 'each ticket came with its file: a ticket and its file are in, or both out');
      for (const name of await copy('attachments').pluck('stored_name')) assert.ok(fs.existsSync(path.join(dir, 'uploads', name)), name);
    } finally {
      await opened.close();
    }
  });

  it('when the data folder still holds newer data, should keep it aside, not delete it; and should refuse while the app has the database open', async () => {
    await file('Dans la sauvegarde');
    const { dir, manifest } = await backup({ config: t.config, to: backups, db: t.database });
    await file('Après la sauvegarde');
    await assert.rejects(restore({ config: t.config, from: dir }), /stop Guichet first/);
    await t.closeDatabases();
    const { previous } = await restore({ config: t.config, from: dir });
    assert.ok(previous && fs.existsSync(path.join(previous, manifest.database)) && fs.existsSync(path.join(previous, 'uploads')));
    const db = knexOn(t.config.database);
    try {
      assert.deepEqual(await db('tickets').pluck('subject'), ['Dans la sauvegarde']);
    } finally {
      await db.destroy();
    }
    const old = await openCopy(path.join(previous, manifest.database));
    try {
      assert.deepEqual((await old.db('tickets').orderBy('id').pluck('subject')), ['Dans la sauvegarde', 'Après la sauvegarde']);
    } finally {
      await old.close();
    }
  });

  it('when the folder is not a backup, or its database was altered, should refuse and leave the data folder as it was', async () => {
    await file('Intact');
    const { dir, manifest } = await backup({ config: t.config, to: backups, db: t.database });
    const rows = await snapshot(t.db, t.config.uploadDir);
    await t.closeDatabases();
    const before = { files: fs.readdirSync(t.config.dataDir).sort(), rows };
    await assert.rejects(restore({ config: t.config, from: backups }), /not a Guichet backup/);
    fs.appendFileSync(path.join(dir, manifest.database), Buffer.from('altéré'));
    await assert.rejects(restore({ config: t.config, from: dir }), /does not match its manifest/);
    fs.rmSync(path.join(dir, MANIFEST));
    await assert.rejects(restore({ config: t.config, from: dir }), /not a Guichet backup/);
    const db = knexOn(t.config.database);
    try {
      assert.deepEqual({ files: fs.readdirSync(t.config.dataDir).sort(), rows: await snapshot(db, t.config.uploadDir) }, before);
    } finally {
      await db.destroy();
    }
  });

  it('when run as commands with DATA_DIR, should back up to --to and restore from --from; imported, should do nothing by itself', async () => {
    await file('Par la ligne de commande');
    await t.closeDatabases();
    const env = { ...process.env, NODE_ENV: 'test', DATA_DIR: t.config.dataDir, LOG_LEVEL: 'silent', ...databaseEnv(t.config.database) };
    const cli = (name: string) => path.join(ROOT, 'dist', 'src', 'cli', `${name}.js`);
    const out = await run(process.execPath, [cli('backup'), '--to', backups], { env });
    assert.match(out.stdout, /Backup written to .*guichet-\d{8}-\d{6}Z: 1 tickets, 1 attachments, 1 files\./);
    const [folder] = fs.readdirSync(backups);
    await loseEverything(t.config);
    const back = await run(process.execPath, [cli('restore'), '--from', path.join(backups, folder)], { env });
    assert.match(back.stdout, /Restored 1 tickets and 1 files/);
    const db = knexOn(t.config.database);
    try {
      assert.deepEqual(await db('tickets').pluck('subject'), ['Par la ligne de commande']);
    } finally {
      await db.destroy();
    }
    await assert.rejects(run(process.execPath, [cli('restore')], { env }), (err: { code?: number; stderr?: string }) => err.code === 2 && /Usage/.test(String(err.stderr)));
  });
});
