import type { Knex } from 'knex';
import { raw, rowsOf, sql } from '../../db/sql.js';
import type { TicketEvent, TicketEventPayload } from '../tickets/events.js';
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

/** A recipient's columns, from `users AS u`, with the kinds they turned off. */
const RECIPIENT_COLUMNS = raw(
  'u.id, u.email, u.first_name, u.last_name, (SELECT json_group_array(o.kind) FROM notification_opt_outs o WHERE o.user_id = u.id) AS opt_outs',
);

/** Who hears of a ticket's event: its requester and beneficiary, its team's agents, its agent, or whoever has it in hand. */
type Audience = 'requesters' | 'team' | 'agent' | 'inCharge';

/** The mails of each event: which kind, to whom, and whether the one who acted is left out. */
const EVENT_MAILS: Partial<Record<TicketEvent, Array<{ kind: MailKind; to: Audience; notActor?: boolean }>>> = {
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
    const plan = EVENT_MAILS[e.event];
    // Private entries, files, hold, field changes: nothing leaves the agent side.
    if (!plan) return;
    const audiences = [...new Set(plan.map((m) => m.to))];
    const entryId = e.data?.entryId;
    // The ticket, the entry and each audience are read by the ticket's id, so they are sent
    // together: one trip through the transaction's connection, not one after another.
    const [ticket, entry, ...lists] = await Promise.all([
      this.deps.tickets.findDetailById(e.ticketId, trx),
      typeof entryId === 'number' ? this.publicEntry(trx, entryId) : null,
      ...audiences.map((a) => this.audience(trx, a, e.ticketId)),
    ]);
    if (!ticket) return;
    const listOf = new Map(audiences.map((a, i) => [a, lists[i] as Recipient[]]));
    // Every mail of the event, rendered, then written in one statement.
    const mails: NewMail[] = [];
    for (const { kind, to, notActor } of plan) {
      const recipients = listOf.get(to)!.filter((u) => !notActor || u.id !== e.actorId);
      mails.push(...(await this.compose(trx, kind, recipients, ticket, { entry, bySystem: e.actorId === null })));
    }
    await this.deps.outbox.enqueue(trx, mails, this.deps.now());
  };

  /** "Sans réponse, ce ticket sera fermé le …": two days before the auto-close. */
  async autoCloseReminder(trx: Knex.Transaction, ticketId: number, closeAt: Date): Promise<void> {
    const [ticket, to] = await Promise.all([this.deps.tickets.findDetailById(ticketId, trx), this.audience(trx, 'requesters', ticketId)]);
    if (!ticket) return;
    await this.deps.outbox.enqueue(trx, await this.compose(trx, 'auto_close_reminder', to, ticket, { closeAt: closeAt.toISOString() }), this.deps.now());
  }

  async passwordReset(trx: Knex.Transaction, userId: number, token: string, expiresAt: Date): Promise<void> {
    const users = await this.user(trx, userId);
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

  /**
   * One mail per recipient who has an address and has not turned this kind off. Each list comes
   * from one statement (`u.id IN …`), so nobody is in it twice.
   */
  private async render(trx: Knex.Transaction, kind: MailKind, to: Recipient[], ticket: TicketDetail | null, data: Record<string, unknown>): Promise<NewMail[]> {
    const { optional } = MAIL_KINDS[kind];
    // On the transaction's connection: the writer's only one is the transaction's.
    const settings = await this.deps.settings.all(trx);
    const kept = to.filter((user) => user.email && !(optional && (JSON.parse(user.opt_outs) as string[]).includes(kind)));
    const rendered = await this.deps.renderer.renderEach(kind, kept, { ...data, settings, optional });
    return kept.map((user, i): NewMail => {
      const mail = rendered[i];
      const subject = ticket ? `[${ticket.ref}] ${mail.subject}` : mail.subject;
      return { kind, toUserId: user.id, toAddress: user.email, ticketId: ticket?.id ?? null, subject, text: mail.text, html: mail.html };
    });
  }

  private user(trx: Knex.Transaction, id: number): Promise<Recipient[]> {
    return rowsOf<Recipient>(trx, sql`SELECT ${RECIPIENT_COLUMNS} FROM users AS u WHERE u.active = 1 AND u.id = ${id}`);
  }

  /** The active users an audience of a ticket is, found from the ticket's own columns. */
  private audience(trx: Knex.Transaction, who: Audience, ticketId: number): Promise<Recipient[]> {
    const column = (name: 'requester_id' | 'beneficiary_id' | 'agent_id' | 'team_id') => sql`(SELECT ${raw(name)} FROM tickets WHERE id = ${ticketId})`;
    const teamAgents = sql`u.id IN (SELECT tm.user_id FROM team_members AS tm JOIN user_roles AS r ON r.user_id = tm.user_id AND r.role = 'agent' WHERE tm.team_id = ${column('team_id')})`;
    const condition = {
      requesters: sql`u.id IN (${column('requester_id')}, ${column('beneficiary_id')})`,
      team: teamAgents,
      agent: sql`u.id = ${column('agent_id')}`,
      // The agent in charge, or, while nobody has taken the ticket, its team's agents.
      inCharge: sql`(u.id = ${column('agent_id')} OR (${column('agent_id')} IS NULL AND ${teamAgents}))`,
    }[who];
    return rowsOf<Recipient>(trx, sql`SELECT ${RECIPIENT_COLUMNS} FROM users AS u WHERE u.active = 1 AND ${condition} ORDER BY u.id`);
  }

  private async publicEntry(trx: Knex.Transaction, id: number): Promise<{ body: string; author: string } | null> {
    const row = await trx('journal_entries as j').join('users as u', 'u.id', 'j.author_id').where({ 'j.id': id, 'j.visibility': 'public' }).first('j.body', 'u.first_name', 'u.last_name');
    return row ? { body: row.body, author: `${row.first_name} ${row.last_name}` } : null;
  }
}
