import type { Logger } from 'pino';
import type { OutboxRepo } from './outbox.repo.js';

/** What the worker needs of nodemailer: one call. */
export interface MailTransport {
  sendMail(mail: {
    from: string; to: string; subject: string; text: string; html: string; messageId: string; replyTo?: string; headers: Record<string, string>;
  }): Promise<unknown>;
}

/** The reference a ticket's mail carries in its subject ("[R-001678] …"), and a reply's subject too. */
export function refInSubject(subject: string): string | null {
  return /\[(R-\d{6,})\]/.exec(subject)?.[1] ?? null;
}

/**
 * The Message-ID of an outbox row: stable (a receiver can drop a duplicate after a crash between
 * send and mark), and naming the ticket, so that a reply's In-Reply-To finds it.
 */
export function messageIdOf(mail: { id: number; subject: string }, domain: string): string {
  const ref = refInSubject(mail.subject);
  return ref ? `<${ref}.outbox-${mail.id}@${domain}>` : `<outbox-${mail.id}@${domain}>`;
}

/**
 * What a Message-ID that `messageIdOf` wrote says: null when Guichet did not write it, else the
 * ticket it names (null for a mail about no ticket).
 */
export function ownMessageId(id: string, domain: string): { ref: string | null } | null {
  const m = /^<(?:(R-\d{6,})\.)?outbox-\d+@([^>]+)>$/.exec(id.trim());
  return m && m[2] === domain ? { ref: m[1] ?? null } : null;
}

/** Mails no robot should answer: no out-of-office, no "read" receipt, no loop. */
const AUTOMATIC = { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' };

export const MAX_ATTEMPTS = 12;

/** Delay before the next try: 30 s, 1 min, 2 min… capped at one hour. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * Sends due mails from the outbox. A mail is claimed under a lock before sending, marked sent
 * after; on failure it is retried with backoff, and given up (status failed) after MAX_ATTEMPTS.
 */
export class OutboxWorker {
  constructor(
    private readonly deps: { outbox: OutboxRepo; transport: MailTransport; from: string; now: () => Date; logger: Logger; domain: string; replyTo?: string },
  ) {}

  /** One pass; returns how many mails were sent. */
  async runOnce(batch = 20): Promise<number> {
    const { outbox, transport, now, logger } = this.deps;
    const mails = await outbox.claim(now(), 120_000, batch);
    let sent = 0;
    for (const mail of mails) {
      try {
        await transport.sendMail({
          from: this.deps.from,
          to: mail.to_address,
          subject: mail.subject,
          text: mail.text_body,
          html: mail.html_body,
          messageId: messageIdOf(mail, this.deps.domain),
          ...(this.deps.replyTo ? { replyTo: this.deps.replyTo } : {}),
          headers: AUTOMATIC,
        });
        await outbox.markSent(mail.id, mail.lock_id!, now());
        sent++;
      } catch (err) {
        const attempts = mail.attempts + 1;
        const next = attempts >= MAX_ATTEMPTS ? null : new Date(now().getTime() + backoffMs(attempts));
        await outbox.markFailed(mail.id, mail.lock_id!, attempts, (err as Error).message ?? String(err), next);
        logger.warn({ outboxId: mail.id, attempts, err: (err as Error).message }, 'mail not sent');
        // The server is likely down: leave the rest of the batch for the next pass.
        await outbox.release(mail.lock_id!);
        break;
      }
    }
    return sent;
  }
}
