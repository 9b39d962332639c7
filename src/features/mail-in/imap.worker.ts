import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { MAX_RAW_BYTES, type MailInService } from './mail-in.service.js';

export const DONE_FOLDER = 'Traité';
/** Batches of 50 per pass at most: a flood of mail never holds the worker for long. */
const MAX_BATCHES_PER_PASS = 40;
/** A message that fails this many passes in a row is set aside in "Erreur". */
const FAILURES_BEFORE_ASIDE = 3;
export const ERROR_FOLDER = 'Erreur';

/** imap://user:password@host:143/INBOX or imaps://…:993/INBOX, as IMAP_URL gives it. */
export function imapSettings(url: string): { host: string; port: number; secure: boolean; user: string; pass: string; mailbox: string } {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname, port: Number(u.port) || (secure ? 993 : 143), secure,
    user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password), mailbox: decodeURIComponent(u.pathname.slice(1)) || 'INBOX',
  };
}

/**
 * Reads the helpdesk's mailbox in the background (never in a request): each message handled, then
 * moved to "Traité" (or "Erreur" with its reason recorded). A message whose handling failed for a
 * passing reason (the database out of reach) stays for the next pass; one handled and not yet
 * moved when the process stopped is found recorded next time, and only moved.
 */
export class ImapWorker {
  /** Failed attempts per message (mailbox UIDVALIDITY and UID), across passes. */
  private readonly failures = new Map<string, number>();

  constructor(private readonly deps: { url: string; mailIn: MailInService; logger: Logger; batch?: number }) {}

  /** One pass over the mailbox; how many messages were handled. */
  async runOnce(): Promise<number> {
    const s = imapSettings(this.deps.url);
    const client = new ImapFlow({
      host: s.host, port: s.port, secure: s.secure, auth: { user: s.user, pass: s.pass }, logger: false,
      connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000, tls: { minVersion: 'TLSv1.2' },
    });
    client.on('error', (err: Error) => this.deps.logger.warn({ err: err.message }, 'mailbox connection error'));
    await client.connect();
    let handled = 0;
    try {
      for (const folder of [DONE_FOLDER, ERROR_FOLDER]) {
        // Already there: fine.
        await client.mailboxCreate(folder).catch(() => undefined);
      }
      await this.putBack(client, s.mailbox);
      const lock = await client.getMailboxLock(s.mailbox);
      try {
        // Batch after batch until the inbox is empty (what was handled has moved out of it), within a bound per pass.
        for (let batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
          const messages = await this.nextBatch(client);
          if (messages.length === 0) break;
          const done = await this.handleAll(client, messages);
          handled += done;
          // Some could not be handled now: they stay, and are not retried within this pass.
          if (done < messages.length) break;
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => undefined);
    }
    return handled;
  }

  /**
   * The next messages of the open mailbox: their sizes first (a FETCH of bodies streams every
   * message it names), then the bodies of the first ones that are not too large; no other command
   * may run while a FETCH streams.
   */
  private async nextBatch(client: ImapFlow): Promise<Array<{ uid: number; size: number; source: Buffer | null }>> {
    if (!client.mailbox || client.mailbox.exists === 0) return [];
    const listed: Array<{ uid: number; size: number }> = [];
    for await (const m of client.fetch('1:*', { uid: true, size: true })) listed.push({ uid: m.uid, size: m.size ?? 0 });
    const batch = listed.slice(0, this.deps.batch ?? 50);
    const wanted = batch.filter((m) => m.size <= MAX_RAW_BYTES).map((m) => m.uid);
    const sources = new Map<number, Buffer>();
    if (wanted.length > 0) {
      for await (const m of client.fetch(wanted.join(','), { uid: true, source: true }, { uid: true })) if (m.source) sources.set(m.uid, m.source);
    }
    return batch.map((m) => ({ ...m, source: sources.get(m.uid) ?? null }));
  }

  /**
   * Handle each message and move it. One that fails for a passing reason stays for the next pass;
   * after FAILURES_BEFORE_ASIDE failures it is set aside, so that no message blocks the others.
   */
  private async handleAll(client: ImapFlow, messages: Array<{ uid: number; size: number; source: Buffer | null }>): Promise<number> {
    let handled = 0;
    const validity = String(client.mailbox ? client.mailbox.uidValidity : 0);
    for (const m of messages) {
      const key = `${validity}-${m.uid}`;
      let folder: string;
      try {
        const result = m.source ? await this.deps.mailIn.handle(m.source, m.uid) : await this.deps.mailIn.tooLarge(m.size, m.uid, key);
        folder = result.folder;
        this.failures.delete(key);
        this.deps.logger.info({ uid: m.uid, outcome: result.outcome, ticket: result.ticketRef, reason: result.reason || undefined }, 'mail read');
      } catch (err) {
        const failures = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, failures);
        this.deps.logger.error({ err, uid: m.uid, failures }, 'mail not handled');
        if (failures < FAILURES_BEFORE_ASIDE) continue;
        this.failures.delete(key);
        folder = (await this.deps.mailIn.failedTooOften(m.uid, key, (err as Error).message ?? String(err))).folder;
      }
      await client.messageMove(String(m.uid), folder, { uid: true });
      handled++;
    }
    return handled;
  }

  /** The set-aside mails the admin asked to read again, from "Erreur" back to the inbox. */
  private async putBack(client: ImapFlow, inbox: string): Promise<void> {
    const retries = await this.deps.mailIn.retries();
    if (retries.length === 0) return;
    const lock = await client.getMailboxLock(ERROR_FOLDER);
    try {
      for (const r of retries) {
        const uids = (await client.search({ header: { 'message-id': r.message_id } }, { uid: true })) || [];
        if (uids.length > 0) await client.messageMove(uids.join(','), inbox, { uid: true });
        await this.deps.mailIn.putBack(r.id);
      }
    } finally {
      lock.release();
    }
  }
}
