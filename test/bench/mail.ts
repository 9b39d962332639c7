// The mailbox's part of `npm run bench -- --mail`: 1,000 replies delivered into a real Dovecot
// (test/helpers/imap-server.ts) while the server reads its mailbox as in production, with a
// signed-in page loaded beside it.
import fs from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import { ROOT } from '../../src/config.js';
import { startImapServer } from '../helpers/imap-server.js';

export const REPLIES = 1_000;
const TICKETS = 100;

/** The replies: Thunderbird's, to `refs` in turn, each with its own Message-ID. */
export function replies(refs: string[]): string[] {
  const template = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'mail', 'thunderbird-reply.eml'), 'utf8');
  return Array.from({ length: REPLIES }, (_, i) =>
    template.replaceAll('{{REF}}', refs[i % refs.length]).replaceAll('{{MESSAGE_ID}}', '<question@guichet.invalid>').replace('a1b2c3d4-thunderbird', `bench-${i}`),
  );
}

export interface MailFigures { seconds: number; processed: number; outcomes: Record<string, number> }

/** Deliver the replies to the latest TICKETS tickets, and time until the server has recorded every one. */
export async function deliverAndWait(imap: Awaited<ReturnType<typeof startImapServer>>, sqliteFile: string): Promise<MailFigures> {
  const db = knexFactory({ client: 'sqlite3', connection: { filename: sqliteFile }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
  try {
    const refs: string[] = await db('tickets').orderBy('id', 'desc').limit(TICKETS).pluck('ref');
    const t0 = Date.now();
    await imap.deliverAll(replies(refs));
    let processed = 0;
    while (processed < REPLIES && Date.now() - t0 < 300_000) {
      await new Promise((r) => setTimeout(r, 200));
      processed = Number((await db('inbound_mails').count({ n: '*' }))[0].n);
    }
    const seconds = (Date.now() - t0) / 1000;
    const rows: Array<{ outcome: string; n: number }> = await db('inbound_mails').groupBy('outcome').select('outcome').count({ n: '*' });
    return { seconds, processed, outcomes: Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)])) };
  } finally {
    await db.destroy();
  }
}
