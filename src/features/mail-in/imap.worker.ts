import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { MailInService } from './mail-in.service.js';

export const DONE_FOLDER = 'Traité';
/** Batches of 50 per pass at most: a flood of mail never holds the worker for long. */
const MAX_BATCHES_PER_PASS = 40;
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
          // Some could not be handled now: they stay, and are not retried at once.
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

  /** The next messages of the open mailbox, fetched whole before any is handled: no other command may run while a FETCH streams. */
  private async nextBatch(client: ImapFlow): Promise<Array<{ uid: number; source: Buffer }>> {
    const messages: Array<{ uid: number; source: Buffer }> = [];
    if (!client.mailbox || client.mailbox.exists === 0) return messages;
    for await (const m of client.fetch('1:*', { uid: true, source: true })) {
      if (m.source) messages.push({ uid: m.uid, source: m.source });
      if (messages.length >= (this.deps.batch ?? 50)) break;
    }
    return messages;
  }

  /** Handle each message and move it; one left unhandled (a passing failure) stays for the next pass. */
  private async handleAll(client: ImapFlow, messages: Array<{ uid: number; source: Buffer }>): Promise<number> {
    let handled = 0;
    for (const m of messages) {
      let folder: string;
      try {
        const result = await this.deps.mailIn.handle(m.source, m.uid);
        folder = result.folder;
        this.deps.logger.info({ uid: m.uid, outcome: result.outcome, ticket: result.ticketRef, reason: result.reason || undefined }, 'mail read');
      } catch (err) {
        // Not handled (nothing recorded): left in the mailbox for the next pass.
        this.deps.logger.error({ err, uid: m.uid }, 'mail not handled, kept for the next pass');
        continue;
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
