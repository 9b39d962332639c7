import type { Trx } from '../../db/database.js';
import type { TicketEvent, TicketEventListener, TicketEventPayload } from '../tickets/events.js';
import type { TicketDetail, TicketsRepo } from '../tickets/tickets.repo.js';
import type { SettingsRepo } from '../admin/settings.repo.js';
import { MAIL_KINDS, type MailKind } from './mail-kinds.js';
import type { MailRenderer } from './mail-renderer.js';
import type { Audience, NotificationsRepo, Recipient } from './notifications.repo.js';
import type { NewMail, OutboxRepo } from './outbox.repo.js';

interface EventMail {
  kind: MailKind;
  to: Audience;
  notActor?: boolean;
}

/** The mails of each event: which kind, to whom, and whether the one who acted is left out. */
const EVENT_MAILS: Partial<Record<TicketEvent, EventMail[]>> = {
  created: [
    { kind: 'ticket_created', to: 'requesters' },
    { kind: 'team_new_ticket', to: 'team', notActor: true },
  ],
  dispatched: [{ kind: 'team_new_ticket', to: 'team', notActor: true }],
  assigned: [{ kind: 'assigned', to: 'agent', notActor: true }],
  public_entry: [{ kind: 'public_entry', to: 'requesters' }],
  info_requested: [{ kind: 'info_requested', to: 'requesters' }],
  resolved: [{ kind: 'resolved', to: 'requesters' }],
  requester_answered: [{ kind: 'requester_answered', to: 'inCharge', notActor: true }],
  requester_updated: [{ kind: 'requester_updated', to: 'inCharge', notActor: true }],
  resolution_refused: [{ kind: 'resolution_refused', to: 'inCharge', notActor: true }],
  closed: [{ kind: 'closed', to: 'requesters' }],
};

export interface NotificationsDeps {
  tickets: TicketsRepo;
  recipients: NotificationsRepo;
  outbox: OutboxRepo;
  renderer: MailRenderer;
  settings: SettingsRepo;
  publicUrl: string;
  now: () => Date;
}

/**
 * Turns ticket events into mails, rendered from the ticket as the event's transaction sees it
 * and written to the outbox in that transaction. Requester mails only ever carry public fields
 * and public journal entries.
 */
export class NotificationsService implements TicketEventListener {
  constructor(private readonly deps: NotificationsDeps) {}

  /** The bus's listener. Private entries, files, hold, field changes: nothing leaves the agent side. */
  readonly on = async (trx: Trx, e: TicketEventPayload): Promise<void> => {
    const plan = EVENT_MAILS[e.event];
    if (!plan) return;
    const ticket = await this.deps.tickets.findDetailById(e.ticketId, trx);
    if (!ticket) return;
    const entryId = e.data?.entryId;
    const entry = typeof entryId === 'number' ? ((await this.deps.tickets.publicEntry(entryId, trx)) ?? null) : null;
    const mails: NewMail[] = [];
    for (const { kind, to, notActor } of plan) {
      const recipients = (await this.deps.recipients.audience(trx, to, ticket.id)).filter((u) => !notActor || u.id !== e.actorId);
      mails.push(...(await this.compose(trx, kind, recipients, ticket, { entry, bySystem: e.actorId === null })));
    }
    await this.deps.outbox.enqueue(trx, mails, this.deps.now());
  };

  /** "Sans réponse, ce ticket sera fermé le …": two days before the auto-close. */
  async autoCloseReminder(trx: Trx, ticketId: number, closeAt: Date): Promise<void> {
    const ticket = await this.deps.tickets.findDetailById(ticketId, trx);
    if (!ticket) return;
    const to = await this.deps.recipients.audience(trx, 'requesters', ticketId);
    await this.deps.outbox.enqueue(trx, await this.compose(trx, 'auto_close_reminder', to, ticket, { closeAt: closeAt.toISOString() }), this.deps.now());
  }

  /** A ticket at 75 % (warning) or past 100 % (breach) of a target: to the agent in charge, or the team. */
  async slaAlert(trx: Trx, ticketId: number, clock: 'tto' | 'ttr', level: 'warning' | 'breach'): Promise<void> {
    const ticket = await this.deps.tickets.findDetailById(ticketId, trx);
    if (!ticket) return;
    const to = await this.deps.recipients.audience(trx, 'inCharge', ticketId);
    const due = clock === 'tto' ? ticket.sla_tto_due_at : ticket.sla_ttr_due_at;
    const kind = level === 'warning' ? 'sla_warning' : 'sla_breach';
    await this.deps.outbox.enqueue(trx, await this.compose(trx, kind, to, ticket, { clock, due }), this.deps.now());
  }

  async passwordReset(trx: Trx, userId: number, token: string, expiresAt: Date): Promise<void> {
    const to = await this.deps.recipients.account(trx, userId);
    const mails = await this.render(trx, 'password_reset', to, null, { link: `${this.deps.publicUrl}/mot-de-passe/${token}`, expiresAt: expiresAt.toISOString() });
    await this.deps.outbox.enqueue(trx, mails, this.deps.now());
  }

  /** The one polite answer to a mail the helpdesk did not take into a ticket (to an address, known user or not). */
  async mailRefused(trx: Trx, to: { id: number | null; email: string; first_name: string; last_name: string }, data: { reason: string; ref: string | null; subject: string }): Promise<void> {
    const mails = await this.render(trx, 'mail_refused', [{ ...to, id: to.id ?? 0, optOuts: [] }], null, { ...data, portalLink: `${this.deps.publicUrl}/assistance` });
    await this.deps.outbox.enqueue(trx, mails.map((m) => ({ ...m, toUserId: to.id })), this.deps.now());
  }

  /** The mails of one kind about a ticket, with its links. */
  private compose(trx: Trx, kind: MailKind, to: Recipient[], ticket: TicketDetail, extra: Record<string, unknown>): Promise<NewMail[]> {
    const base = this.deps.publicUrl;
    return this.render(trx, kind, to, ticket, {
      ...extra,
      ticket,
      requesterLink: `${base}/assistance/tickets/${ticket.ref}`,
      agentLink: `${base}/agent/tickets/${ticket.ref}`,
      resolutionLink: `${base}/assistance/tickets/${ticket.ref}/resolution`,
      preferencesLink: `${base}/assistance/plus/notifications`,
    });
  }

  /** One mail per recipient who has an address and has not turned this kind off. */
  private async render(trx: Trx, kind: MailKind, to: Recipient[], ticket: TicketDetail | null, data: Record<string, unknown>): Promise<NewMail[]> {
    const { optional } = MAIL_KINDS[kind];
    const settings = await this.deps.settings.all(trx);
    const mails: NewMail[] = [];
    for (const user of to) {
      if (!user.email || (optional && user.optOuts.includes(kind))) continue;
      const mail = await this.deps.renderer.render(kind, user, { ...data, settings, optional });
      const subject = ticket ? `[${ticket.ref}] ${mail.subject}` : mail.subject;
      mails.push({ kind, toUserId: user.id, toAddress: user.email, ticketId: ticket?.id ?? null, subject, text: mail.text, html: mail.html });
    }
    return mails;
  }
}
