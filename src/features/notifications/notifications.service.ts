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
}

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
    switch (e.event) {
      case 'created':
        await this.send(trx, 'ticket_created', await requesters(), ticket, {});
        await this.send(trx, 'team_new_ticket', notActor(await this.teamAgents(trx, ticket.team_id)), ticket, {});
        break;
      case 'dispatched':
        await this.send(trx, 'team_new_ticket', notActor(await this.teamAgents(trx, ticket.team_id)), ticket, {});
        break;
      case 'assigned':
        if (ticket.agent_id) await this.send(trx, 'assigned', notActor(await this.users(trx, [ticket.agent_id])), ticket, {});
        break;
      case 'public_entry':
        await this.send(trx, 'public_entry', await requesters(), ticket, { entry });
        break;
      case 'info_requested':
        await this.send(trx, 'info_requested', await requesters(), ticket, { entry });
        break;
      case 'resolved':
        await this.send(trx, 'resolved', await requesters(), ticket, { entry });
        break;
      case 'requester_answered':
        await this.send(trx, 'requester_answered', notActor(await inCharge()), ticket, { entry });
        break;
      case 'requester_updated':
        await this.send(trx, 'requester_updated', notActor(await inCharge()), ticket, { entry });
        break;
      case 'resolution_refused':
        await this.send(trx, 'resolution_refused', notActor(await inCharge()), ticket, { entry });
        break;
      case 'closed':
        await this.send(trx, 'closed', await requesters(), ticket, { bySystem: e.actorId === null });
        break;
      default:
        // private entries, files, hold, field changes: nothing leaves the agent side.
        break;
    }
  };

  /** "Sans réponse, ce ticket sera fermé le …": two days before the auto-close. */
  async autoCloseReminder(trx: Knex.Transaction, ticketId: number, closeAt: Date): Promise<void> {
    const ticket = await this.deps.tickets.findDetailById(ticketId, trx);
    if (!ticket) return;
    await this.send(trx, 'auto_close_reminder', await this.users(trx, [ticket.requester_id, ticket.beneficiary_id]), ticket, { closeAt: closeAt.toISOString() });
  }

  async passwordReset(trx: Knex.Transaction, userId: number, token: string, expiresAt: Date): Promise<void> {
    const users = await this.users(trx, [userId]);
    await this.enqueueAll(trx, 'password_reset', users, null, { link: `${this.deps.publicUrl}/mot-de-passe/${token}`, expiresAt: expiresAt.toISOString() });
  }

  private async send(trx: Knex.Transaction, kind: MailKind, to: Recipient[], ticket: TicketDetail, extra: Record<string, unknown>): Promise<void> {
    const base = this.deps.publicUrl;
    await this.enqueueAll(trx, kind, to, ticket, {
      ...extra,
      ticket,
      requesterLink: `${base}/assistance/tickets/${ticket.ref}`,
      agentLink: `${base}/agent/tickets/${ticket.ref}`,
      resolutionLink: `${base}/assistance/tickets/${ticket.ref}/resolution`,
      preferencesLink: `${base}/assistance/plus/notifications`,
    });
  }

  private async enqueueAll(trx: Knex.Transaction, kind: MailKind, to: Recipient[], ticket: TicketDetail | null, data: Record<string, unknown>) {
    const seen = new Set<number>();
    const optedOut = MAIL_KINDS[kind].optional
      ? new Set<number>(await trx('notification_opt_outs').where({ kind }).whereIn('user_id', to.map((u) => u.id)).pluck('user_id'))
      : new Set<number>();
    const settings = await this.deps.settings.all(trx);
    const mails: NewMail[] = [];
    for (const user of to) {
      if (seen.has(user.id) || optedOut.has(user.id) || !user.email) continue;
      seen.add(user.id);
      const mail = await this.deps.renderer.render(kind, { ...data, recipient: user, settings, optional: MAIL_KINDS[kind].optional });
      const subject = ticket ? `[${ticket.ref}] ${mail.subject}` : mail.subject;
      mails.push({ kind, toUserId: user.id, toAddress: user.email, ticketId: ticket?.id ?? null, subject, text: mail.text, html: mail.html });
    }
    await this.deps.outbox.enqueue(trx, mails, this.deps.now());
  }

  private users(trx: Knex.Transaction, ids: number[]): Promise<Recipient[]> {
    return trx('users').whereIn('id', [...new Set(ids)]).where('active', true).select('id', 'email', 'first_name', 'last_name');
  }

  private teamAgents(trx: Knex.Transaction, teamId: number | null): Promise<Recipient[]> {
    if (teamId === null) return Promise.resolve([]);
    return trx('users as u')
      .join('team_members as tm', 'tm.user_id', 'u.id')
      .join('user_roles as r', (j) => j.on('r.user_id', '=', 'u.id').andOnVal('r.role', '=', 'agent'))
      .where({ 'tm.team_id': teamId, 'u.active': true })
      .select('u.id', 'u.email', 'u.first_name', 'u.last_name');
  }

  private async publicEntry(trx: Knex.Transaction, id: number): Promise<{ body: string; author: string } | null> {
    const row = await trx('journal_entries as j').join('users as u', 'u.id', 'j.author_id').where({ 'j.id': id, 'j.visibility': 'public' }).first('j.body', 'u.first_name', 'u.last_name');
    return row ? { body: row.body, author: `${row.first_name} ${row.last_name}` } : null;
  }
}
