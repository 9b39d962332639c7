import type { Knex } from 'knex';
import type { TicketEventPayload } from '../tickets/events.js';
import type { TicketDetail, TicketsRepo } from '../tickets/tickets.repo.js';
import type { SettingsService } from '../admin/settings.service.js';
import { MAIL_KINDS, type MailKind } from './mail-kinds.js';
import type { MailRenderer } from './mail-renderer.js';
import type { NewMail, OutboxRepo } from './outbox.repo.js';

interface Recipient {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  /** The mail kinds this user turned off, as JSON (read with the recipient: no query per kind). */
  opt_outs: string;
}

/** A recipient's columns, from `users as u`, with the kinds they turned off. */
const recipientColumns = (trx: Knex) => [
  'u.id', 'u.email', 'u.first_name', 'u.last_name',
  trx.raw('(SELECT json_group_array(o.kind) FROM notification_opt_outs o WHERE o.user_id = u.id) AS opt_outs'),
];

export interface NotificationsDeps {
  tickets: TicketsRepo;
  outbox: OutboxRepo;
  renderer: MailRenderer;
  settings: SettingsService;
  publicUrl: string;
  now: () => Date;
}

/**
 * Turns ticket events into mails, written to the outbox in the event's own transaction.
 * Requester mails only ever carry public fields and public journal entries.
 */
export class NotificationsService {
  constructor(private readonly deps: NotificationsDeps) {}

  /** The listener the ticket event bus calls. */
  readonly onTicketEvent = async (trx: Knex.Transaction, e: TicketEventPayload): Promise<void> => {
    const ticket = await this.deps.tickets.findDetailById(e.ticketId, trx);
    if (!ticket) return;
    const entry = typeof e.data?.entryId === 'number' ? await this.publicEntry(trx, e.data.entryId) : null;
    const requesters = () => this.users(trx, [ticket.requester_id, ticket.beneficiary_id]);
    const inCharge = async () => (ticket.agent_id ? this.users(trx, [ticket.agent_id]) : this.teamAgents(trx, ticket.team_id));
    const notActor = (list: Recipient[]) => list.filter((u) => u.id !== e.actorId);
    // Every mail of the event, rendered, then written in one statement.
    const mails: NewMail[] = [];
    const send = async (kind: MailKind, to: Recipient[], extra: Record<string, unknown>) => mails.push(...(await this.compose(trx, kind, to, ticket, extra)));
    switch (e.event) {
      case 'created': {
        const [them, team] = await Promise.all([requesters(), this.teamAgents(trx, ticket.team_id)]);
        await send('ticket_created', them, {});
        await send('team_new_ticket', notActor(team), {});
        break;
      }
      case 'dispatched':
        await send('team_new_ticket', notActor(await this.teamAgents(trx, ticket.team_id)), {});
        break;
      case 'assigned':
        if (ticket.agent_id) await send('assigned', notActor(await this.users(trx, [ticket.agent_id])), {});
        break;
      case 'public_entry':
        await send('public_entry', await requesters(), { entry });
        break;
      case 'info_requested':
        await send('info_requested', await requesters(), { entry });
        break;
      case 'resolved':
        await send('resolved', await requesters(), { entry });
        break;
      case 'requester_answered':
        await send('requester_answered', notActor(await inCharge()), { entry });
        break;
      case 'requester_updated':
        await send('requester_updated', notActor(await inCharge()), { entry });
        break;
      case 'resolution_refused':
        await send('resolution_refused', notActor(await inCharge()), { entry });
        break;
      case 'closed':
        await send('closed', await requesters(), { bySystem: e.actorId === null });
        break;
      default:
        // private entries, files, hold, field changes: nothing leaves the agent side.
        break;
    }
    await this.deps.outbox.enqueue(trx, mails, this.deps.now());
  };

  /** "Sans réponse, ce ticket sera fermé le …": two days before the auto-close. */
  async autoCloseReminder(trx: Knex.Transaction, ticketId: number, closeAt: Date): Promise<void> {
    const ticket = await this.deps.tickets.findDetailById(ticketId, trx);
    if (!ticket) return;
    const to = await this.users(trx, [ticket.requester_id, ticket.beneficiary_id]);
    await this.deps.outbox.enqueue(trx, await this.compose(trx, 'auto_close_reminder', to, ticket, { closeAt: closeAt.toISOString() }), this.deps.now());
  }

  async passwordReset(trx: Knex.Transaction, userId: number, token: string, expiresAt: Date): Promise<void> {
    const users = await this.users(trx, [userId]);
    const mails = await this.render(trx, 'password_reset', users, null, { link: `${this.deps.publicUrl}/mot-de-passe/${token}`, expiresAt: expiresAt.toISOString() });
    await this.deps.outbox.enqueue(trx, mails, this.deps.now());
  }

  /** The mails of one kind about a ticket, with its links. */
  private compose(trx: Knex.Transaction, kind: MailKind, to: Recipient[], ticket: TicketDetail, extra: Record<string, unknown>): Promise<NewMail[]> {
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
  private async render(trx: Knex.Transaction, kind: MailKind, to: Recipient[], ticket: TicketDetail | null, data: Record<string, unknown>): Promise<NewMail[]> {
    const seen = new Set<number>();
    const { optional } = MAIL_KINDS[kind];
    // On the transaction's connection: the writer's only one is the transaction's.
    const settings = await this.deps.settings.all(trx);
    const kept = to.filter((user) => {
      if (seen.has(user.id) || !user.email || (optional && (JSON.parse(user.opt_outs) as string[]).includes(kind))) return false;
      seen.add(user.id);
      return true;
    });
    const rendered = await this.deps.renderer.renderEach(kind, kept, { ...data, settings, optional });
    return kept.map((user, i): NewMail => {
      const mail = rendered[i];
      const subject = ticket ? `[${ticket.ref}] ${mail.subject}` : mail.subject;
      return { kind, toUserId: user.id, toAddress: user.email, ticketId: ticket?.id ?? null, subject, text: mail.text, html: mail.html };
    });
  }

  private users(trx: Knex.Transaction, ids: number[]): Promise<Recipient[]> {
    return trx('users as u').whereIn('u.id', [...new Set(ids)]).where('u.active', true).select(recipientColumns(trx));
  }

  private teamAgents(trx: Knex.Transaction, teamId: number | null): Promise<Recipient[]> {
    if (teamId === null) return Promise.resolve([]);
    return trx('users as u')
      .join('team_members as tm', 'tm.user_id', 'u.id')
      .join('user_roles as r', (j) => j.on('r.user_id', '=', 'u.id').andOnVal('r.role', '=', 'agent'))
      .where({ 'tm.team_id': teamId, 'u.active': true })
      .select(recipientColumns(trx));
  }

  private async publicEntry(trx: Knex.Transaction, id: number): Promise<{ body: string; author: string } | null> {
    const row = await trx('journal_entries as j').join('users as u', 'u.id', 'j.author_id').where({ 'j.id': id, 'j.visibility': 'public' }).first('j.body', 'u.first_name', 'u.last_name');
    return row ? { body: row.body, author: `${row.first_name} ${row.last_name}` } : null;
  }
}
