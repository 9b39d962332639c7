// Time the generator alone: node dist/test/bench/generate-cli.js --tickets 1000000
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/db/database.js';
import { generate } from './generate.js';

const { values } = parseArgs({ options: { tickets: { type: 'string', default: '200000' }, keep: { type: 'boolean', default: false } } });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-gen-'));
const database = openDatabase({ engine: 'sqlite', file: path.join(dir, 'guichet.sqlite') });
const db = database.knex;
const t0 = Date.now();
await database.migrateAndSeed();
const data = await generate(db, { tickets: Number(values.tickets), log: console.log });
console.log(`generated ${values.tickets} tickets in ${((Date.now() - t0) / 1000).toFixed(1)} s`, data);
const counts = await db.raw("SELECT (SELECT count(*) FROM tickets) t, (SELECT count(*) FROM journal_entries) j, (SELECT count(*) FROM users) u");
console.log(counts[0], (fs.statSync(path.join(dir, 'guichet.sqlite')).size / 1e6).toFixed(0) + ' MB');
await database.close();
if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
else console.log(dir);
