import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { convert as htmlToText } from 'html-to-text';
import { simpleParser, type AddressObject, type HeaderValue, type ParsedMail } from 'mailparser';
import type { Transactions, Trx } from '../../db/database.js';
import { HttpError, NotFoundError, ValidationError } from '../../http/errors.js';
import type { AttachmentsService, IncomingFile } from '../attachments/attachments.service.js';
import type { UsersRepo } from '../auth/users.repo.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { canSeeAsRequester } from '../tickets/access.js';
import type { TicketsRepo } from '../tickets/tickets.repo.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { CreateTicketSchema, DETAIL_MAX, MESSAGE_MAX, SUBJECT_MAX } from '../tickets/tickets.schemas.js';
import type { AgentService } from '../agent/agent.service.js';
import { ConsoleActionSchema } from '../agent/agent.schemas.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { InboundMailsRepo, InboundOutcome } from './inbound-mails.repo.js';
import { cutQuoted } from './quotes.js';
import { ownMessageId, refInSubject } from '../notifications/outbox.worker.js';

/** What a mail became, and the folder it goes to afterwards. */
export interface Handled {
  outcome: InboundOutcome | 'duplicate';
  folder: 'Traité' | 'Erreur';
  reason: string;
  ticketRef: string | null;
}

export const mailInMessages = {
  unknownSender: "votre adresse ne correspond à aucun compte de l'assistance.",
  notAllowed: "seuls le demandeur, le bénéficiaire, un responsable de l'établissement ou l'équipe en charge peuvent écrire dans ce ticket.",
  agent: "les agents répondent depuis la console de l'assistance, où le choix entre journal demandeur et journal privé est fait : votre courriel n'a pas été recopié.",
  noTicket: "aucun ticket n'a pu être ouvert à partir de ce courriel : créez votre demande sur le portail.",
  empty: 'le courriel ne contenait ni texte ni pièce jointe reprise.',
} as const;

const HOUR = 3600_000;

/** What every record of a mail holds. */
type Base = { message_id: string; mailbox_uid: number | null; from_address: string; subject: string; created_at: string };
/** A mail larger than this is set aside unread: its attachments alone pass any upload limit. */
export const MAX_RAW_BYTES = 40 * 1024 * 1024;
const tooLargeReason = (bytes: number) => `message de ${Math.round(bytes / 2 ** 20)} Mo, au-delà de ${MAX_RAW_BYTES / 2 ** 20} Mo`;

export interface MailInDeps {
  db: Transactions;
  inbound: InboundMailsRepo;
  users: UsersRepo;
  ticketsRepo: TicketsRepo;
  tickets: TicketsService;
  agentConsole: AgentService;
  /** MAIL_AGENT_REPLIES: an agent's reply by mail is refused (they are told to use the console) or goes to the public journal. */
  agentReplies: 'refuse' | 'public';
  attachments: AttachmentsService;
  notifications: NotificationsService;
  now: () => Date;
  /** Guichet's own addresses (MAIL_FROM, MAIL_REPLY_TO) and the domain of its Message-IDs. */
  ownAddresses: string[];
  domain: string;
  uploadTmpDir: string;
  /** Mails per sender per hour past which the next are set aside (MAIL_IN_MAX_PER_HOUR). */
  maxPerHour: number;
  maxFiles: number;
  maxBytes: number;
}

const lower = (s: string | undefined) => (s ?? '').trim().toLowerCase();
/** No NUL (no database stores it in text) and no more than `max` characters. */
const clean = (s: string, max: number) => s.replace(/\0/g, '').trim().slice(0, max);
const addressesOf = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => lower(v.address)));
const headerText = (v: HeaderValue | undefined): string =>
  v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' && v && 'text' in v ? String((v as { text: unknown }).text) : String((v as { value?: unknown }).value ?? v);

/**
 * The subject as its writer meant it. A subject sent as raw 8-bit bytes (no encoded-word, against
 * RFC 2047, as old French mailers do) is not UTF-8 and decodes as "Probl�me": read it as
 * windows-1252, as mail clients do.
 */
function subjectOf(mail: ParsedMail, raw: Buffer): string {
  const subject = mail.subject ?? '';
  if (!subject.includes('\uFFFD')) return subject;
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? Math.min(raw.length, 65_536) : end).toString('latin1');
  const line = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1];
  return line === undefined ? subject : new TextDecoder('windows-1252').decode(Buffer.from(line.replace(/\r?\n[ \t]+/g, ' '), 'latin1')).trim();
}

/**
 * Mail to the helpdesk's address, one message at a time: a reply lands in its ticket's public
 * journal, by its author, as an answer on the page would; anything else is answered politely
 * (once an hour per sender) or, when a robot sent it, left unanswered. Each message is recorded
 * once, in the transaction of what it caused.
 */
export class MailInService {
  constructor(private readonly deps: MailInDeps) {}

  async handle(raw: Buffer, mailboxUid: number | null): Promise<Handled> {
    if (raw.length > MAX_RAW_BYTES) return this.setAside(raw, mailboxUid, tooLargeReason(raw.length));
    let mail: ParsedMail;
    try {
      mail = await simpleParser(raw, { skipImageLinks: true, maxHtmlLengthToParse: 2_000_000 });
    } catch (err) {
      return this.setAside(raw, mailboxUid, `message illisible : ${(err as Error).message}`);
    }
    const messageId = clean(mail.messageId ?? '', 998) || `<sans-id-${crypto.createHash('sha256').update(raw).digest('hex')}@guichet>`;
    const seen = await this.deps.inbound.find(messageId);
    // Put back by the admin: read again as new, past the sender's hourly count.
    if (seen?.outcome === 'retry') await this.deps.inbound.forget(seen.id);
    else if (seen) return { outcome: 'duplicate', folder: 'Traité', reason: 'déjà traité', ticketRef: null };
    const from = clean(addressesOf(mail.from)[0] ?? '', 255);
    const base = { message_id: messageId, mailbox_uid: mailboxUid, from_address: from, subject: clean(subjectOf(mail, raw), 255), created_at: this.deps.now().toISOString() };

    const robot = this.automatic(mail, from);
    if (robot) return this.finish(base, 'ignored', robot, null, false);
    // A sender writing in a loop (a mailer gone wrong): set aside for the admin, unanswered.
    if (!seen && (await this.deps.inbound.countFrom(from, new Date(this.deps.now().getTime() - HOUR))) >= this.deps.maxPerHour) {
      return this.finish(base, 'set_aside', `plus de ${this.deps.maxPerHour} courriels de cet expéditeur en une heure`, null, false);
    }

    const ref = this.ticketRefOf(mail);
    const users = from ? await this.deps.users.activeByEmail(from) : [];
    if (users.length === 0) return this.finish(base, 'refused', mailInMessages.unknownSender, ref, true);
    const candidates = (await Promise.all(users.map((u) => this.deps.users.loadCurrentUser(u.id)))).filter((u) => !!u);
    const text = clean(mail.text?.trim() ? mail.text : typeof mail.html === 'string' ? htmlToText(mail.html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] }) : '', 200_000);
    // No ticket named: a new request, for the platform team to qualify.
    if (!ref) return this.openTicket(raw, mail, text, base, candidates[0], null);
    const ticket = await this.deps.ticketsRepo.findDetailByRef(ref);
    // Several accounts share the address (a school's mailbox): the first who may write in this ticket writes.
    const writer = ticket ? candidates.find((u) => canSeeAsRequester(u, ticket)) : undefined;
    if (!ticket || !writer) {
      const agent = candidates.find((u) => u.roles.includes('agent'));
      if (agent && ticket && this.deps.agentReplies === 'public') return this.agentReply(raw, mail, text, base, agent, ticket.ref, ticket.version);
      return this.finish(base, 'refused', agent && ticket ? mailInMessages.agent : mailInMessages.notAllowed, ref, true, users[0].id);
    }

    // A closed ticket takes no more entries: the mail opens a new one that names it.
    if (ticket.status === 'fermee') return this.openTicket(raw, mail, text, base, writer, ref);
    return this.withFiles(raw, mail, text, async (kept, cut, files, notes) => {
      // As long as a message typed on the page may be; the whole mail stays in message-complet.txt.
      const body = [kept.slice(0, MESSAGE_MAX - 2000), ...notes].filter(Boolean).join('\n\n').slice(0, MESSAGE_MAX);
      try {
        await this.deps.tickets.addRequesterUpdate(writer, ref, body, files, undefined, (trx, ticketId) =>
          this.deps.inbound.record(trx, { ...base, outcome: 'entry', ticket_id: ticketId, reason: cut ? 'historique cité retiré' : '', answered: false }),
        );
        return { outcome: 'entry', folder: 'Traité', reason: '', ticketRef: ref };
      } catch (err) {
        if (err instanceof ValidationError) return this.finish(base, 'refused', mailInMessages.empty, ref, true, writer.id);
        if (err instanceof HttpError) return this.finish(base, 'refused', err.message, ref, true, writer.id);
        throw err;
      }
    });
  }

  /**
   * The text without the history it quotes, and the mail's files written where uploads wait (the
   * whole message among them when something was cut), for `work`; the files that `work` did not
   * keep are removed after it, whatever happened.
   */
  private async withFiles(
    raw: Buffer, mail: ParsedMail, text: string,
    work: (kept: string, cut: boolean, files: IncomingFile[], notes: string[]) => Promise<Handled>,
  ): Promise<Handled> {
    const { kept, cut } = cutQuoted(text);
    const { files, notes } = await this.filesOf(mail, cut ? raw : null);
    try {
      return await work(kept, cut, files, notes);
    } finally {
      await Promise.all(files.map((f) => fs.rm(f.path, { force: true })));
    }
  }

  /**
   * An agent's reply by mail, when MAIL_AGENT_REPLIES=public: its text (the history cut) goes to
   * the public journal, as "Enregistrer" with a message in the console would, and only if the
   * console would let this agent write there; never to the private journal.
   */
  private agentReply(raw: Buffer, mail: ParsedMail, text: string, base: Base, agent: CurrentUser, ref: string, version: number): Promise<Handled> {
    return this.withFiles(raw, mail, text, async (kept, _cut, files, notes) => {
      const input = ConsoleActionSchema.parse({ action: 'save', version: String(version), public_entry: [kept, ...notes].filter(Boolean).join('\n\n').slice(0, MESSAGE_MAX), files_public: 'on' });
      try {
        await this.deps.agentConsole.perform(agent, ref, input, files, undefined, (trx, ticketId) =>
          this.deps.inbound.record(trx, { ...base, outcome: 'entry', ticket_id: ticketId, reason: "réponse d'un agent", answered: false }),
        );
        return { outcome: 'entry', folder: 'Traité', reason: '', ticketRef: ref };
      } catch (err) {
        if (err instanceof HttpError) return this.finish(base, 'refused', err instanceof ValidationError ? mailInMessages.empty : mailInMessages.notAllowed, ref, true, agent.id);
        throw err;
      }
    });
  }

  /**
   * A new ticket from a mail: "Objet de la demande" its subject, "Détail" its text (the history
   * it quotes cut), in the sub-category kept for mail, status "Nouvelle", for the platform team
   * to qualify; its writer gets the usual creation mail with the reference.
   */
  private async openTicket(raw: Buffer, mail: ParsedMail, text: string, base: Base, writer: CurrentUser | undefined, previous: string | null): Promise<Handled> {
    const establishment = writer?.establishments[0];
    if (!writer || !establishment) return this.finish(base, 'refused', mailInMessages.noTicket, previous, true, writer?.id ?? null);
    return this.withFiles(raw, mail, text, async (kept, _cut, files, notes) => {
      const subject = base.subject.replace(/^\s*((re|tr|fw|fwd|aw)\s*:\s*)+/i, '').trim() || '(sans objet)';
      const detail = [previous ? `Suite du ticket ${previous}, fermé.` : '', kept || '(courriel sans texte)', ...notes].filter(Boolean).join('\n\n');
      const parsed = CreateTicketSchema.safeParse({
        subcategory_id: '1', kind: 'request', establishment_id: String(establishment.id), visibility: 'self',
        subject: subject.slice(0, SUBJECT_MAX), detail: detail.slice(0, DETAIL_MAX), phone: '', availability: '', impact: 'personne', urgency: 'moyenne',
      });
      if (!parsed.success) return this.finish(base, 'refused', mailInMessages.noTicket, previous, true, writer.id);
      try {
        const { ref } = await this.deps.tickets.create(writer, parsed.data, files, undefined, {
          fromMail: true,
          alsoInTransaction: (trx, ticketId) => this.deps.inbound.record(trx, { ...base, outcome: 'ticket', ticket_id: ticketId, reason: previous ? `suite de ${previous}` : '', answered: false }),
        });
        return { outcome: 'ticket', folder: 'Traité', reason: '', ticketRef: ref };
      } catch (err) {
        if (err instanceof ValidationError) return this.finish(base, 'refused', mailInMessages.noTicket, previous, true, writer.id);
        throw err;
      }
    });
  }

  /**
   * Why a robot sent this mail, or null: no answer, no ticket from an out-of-office, a bounce, a
   * list, a mail Guichet sent itself (RFC 3834, and the headers Exchange and others use).
   */
  private automatic(mail: ParsedMail, from: string): string | null {
    const h = mail.headers;
    const auto = lower(headerText(h.get('auto-submitted')));
    if (auto && auto !== 'no') return `Auto-Submitted: ${auto}`;
    const precedence = lower(headerText(h.get('precedence')));
    if (['bulk', 'list', 'junk', 'auto_reply'].includes(precedence)) return `Precedence: ${precedence}`;
    for (const name of ['x-autoreply', 'x-autorespond', 'x-auto-response-suppress', 'list-id']) if (h.has(name)) return `en-tête ${name}`;
    const returnPath = headerText(h.get('return-path'));
    if (h.has('return-path') && /<\s*>/.test(returnPath)) return 'chemin de retour vide (avis de non-remise)';
    if (lower(headerText(h.get('content-type'))).includes('report')) return 'rapport de remise';
    if (!from) return 'expéditeur absent';
    const own = this.deps.ownAddresses.map(lower);
    if (own.includes(from) || own.includes(lower(returnPath.replace(/[<>]/g, '')))) return "envoyé par l'adresse de l'assistance";
    if (mail.messageId && ownMessageId(mail.messageId, this.deps.domain)) return 'envoyé par Guichet';
    return null;
  }

  /** The ticket a reply names: the Message-IDs Guichet put on its mails, then "[R-…]" in the subject. */
  private ticketRefOf(mail: ParsedMail): string | null {
    const ids = [mail.inReplyTo ?? '', ...(Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [])];
    for (const id of ids.reverse()) {
      const ref = ownMessageId(id, this.deps.domain)?.ref;
      if (ref) return ref;
    }
    return refInSubject(mail.subject ?? '');
  }

  /**
   * The attachments, written where uploads wait, under the same limits (count, size) and checks
   * (sniffed types) as the form's; what is left out is said in the entry. With the history cut,
   * the whole message goes along as a text file.
   */
  private async filesOf(mail: ParsedMail, wholeMessage: Buffer | null): Promise<{ files: IncomingFile[]; notes: string[] }> {
    const { attachments, uploadTmpDir, maxFiles, maxBytes } = this.deps;
    await fs.mkdir(uploadTmpDir, { recursive: true });
    const written: IncomingFile[] = [];
    const notes: string[] = [];
    const write = async (name: string, content: Buffer) => {
      const p = path.join(uploadTmpDir, `mail-${crypto.randomUUID()}`);
      await fs.writeFile(p, content);
      written.push({ path: p, originalname: name, size: content.length });
    };
    const parts = mail.attachments.filter((a) => a.contentDisposition !== 'inline' || !a.related);
    for (const a of parts) {
      const name = a.filename || 'piece-jointe';
      if (a.size > maxBytes) notes.push(`[Pièce jointe non reprise : ${name}, trop volumineuse]`);
      else if (written.length >= maxFiles) notes.push(`[Pièce jointe non reprise : ${name}, au-delà de ${maxFiles} fichiers]`);
      else await write(name, a.content);
    }
    if (wholeMessage && wholeMessage.length <= maxBytes && written.length < maxFiles) await write('message-complet.txt', wholeMessage);
    const { ok, errors } = await attachments.check(written);
    for (const e of errors) notes.push(`[${e}]`);
    const kept = new Set(ok.map((f) => f.tmpPath));
    await Promise.all(written.filter((f) => !kept.has(f.path)).map((f) => fs.rm(f.path, { force: true })));
    return { files: written.filter((f) => kept.has(f.path)), notes };
  }

  /** Record what a mail became (and answer its sender, at most once an hour), in one transaction. */
  private async finish(
    base: Base,
    outcome: InboundOutcome, reason: string, ref: string | null, answer: boolean, userId: number | null = null,
  ): Promise<Handled> {
    const { db, inbound, notifications, users, now } = this.deps;
    await db.transaction(async (trx: Trx) => {
      const answered = answer && !!base.from_address && !(await inbound.answeredSince(trx, base.from_address, new Date(now().getTime() - HOUR)));
      await inbound.record(trx, { ...base, outcome, ticket_id: null, reason, answered });
      if (answered) {
        const who = userId === null ? undefined : await users.findById(userId, trx);
        await notifications.mailRefused(trx, { id: userId, email: base.from_address, first_name: who?.first_name ?? '', last_name: who?.last_name ?? '' }, { reason, ref, subject: base.subject });
      }
    });
    return { outcome, folder: outcome === 'error' || outcome === 'set_aside' ? 'Erreur' : 'Traité', reason, ticketRef: ref };
  }

  /** A message the worker did not download (larger than MAX_RAW_BYTES, by the size the server gives). */
  tooLarge(size: number, mailboxUid: number, messageKey: string): Promise<Handled> {
    return this.setAsideAs(`<trop-gros-${messageKey}@guichet>`, mailboxUid, tooLargeReason(size));
  }

  /** A message whose handling failed again and again: set aside rather than tried forever. */
  failedTooOften(mailboxUid: number, messageKey: string, error: string): Promise<Handled> {
    return this.setAsideAs(`<en-echec-${messageKey}@guichet>`, mailboxUid, `traitement impossible : ${error.slice(0, 500)}`);
  }

  /** The admin's page: the latest mails and what each became. */
  latest(limit = 100) {
    return this.deps.inbound.latest(limit);
  }

  /** The admin asks to read a set-aside mail again: the worker puts it back in the inbox on its next pass. */
  async retry(id: number): Promise<void> {
    if (!(await this.deps.inbound.requestRetry(id))) throw new NotFoundError();
  }

  /** The mails to put back in the inbox, and forgetting one once it is there. */
  retries() {
    return this.deps.inbound.retries();
  }

  putBack(id: number) {
    return this.deps.inbound.markPutBack(id);
  }

  private setAside(raw: Buffer, mailboxUid: number | null, reason: string): Promise<Handled> {
    return this.setAsideAs(`<illisible-${crypto.createHash('sha256').update(raw).digest('hex')}@guichet>`, mailboxUid, reason);
  }

  private async setAsideAs(messageId: string, mailboxUid: number | null, reason: string): Promise<Handled> {
    if (!(await this.deps.inbound.find(messageId))) {
      await this.deps.db.transaction((trx) =>
        this.deps.inbound.record(trx, { message_id: messageId, mailbox_uid: mailboxUid, from_address: '', subject: '', outcome: 'error', ticket_id: null, reason, answered: false, created_at: this.deps.now().toISOString() }),
      );
    }
    return { outcome: 'error', folder: 'Erreur', reason, ticketRef: null };
  }
}
