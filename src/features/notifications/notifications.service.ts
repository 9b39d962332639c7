import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { raw, rowsOf, sql } from '../../db/sql.js';
import type { TicketEvent, TicketEventListener, TicketEventPayload } from '../tickets/events.js';
import { formatRef } from '../tickets/vocabulary.js';
import type { TicketRow } from '../../db/tables.js';
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

/** A public journal entry, as mails quote it. */
interface PublicEntry {
  body: string;
  author: string;
}

/** Who hears of a ticket's event: its requester and beneficiary, its team's agents, its agent, or whoever has it in hand. */
type Audience = 'requesters' | 'team' | 'agent' | 'inCharge';

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
  outbox: OutboxRepo;
  renderer: MailRenderer;
  settings: SettingsService;
  /** Where a ticket's mails are read and rendered before its creation's transaction (the read pool). */
  readDb: Knex;
  publicUrl: string;
  now: () => Date;
}

/** The ticket of an event: by id, when it is written; its preview's columns, when it is about to be. */
type TicketSource = number | TicketRow;

/**
 * Turns ticket events into mails, written to the outbox in the event's own transaction.
 * Requester mails only ever carry public fields and public journal entries.
 */
export class NotificationsService implements TicketEventListener {
  // Random per process, so that nothing a user types can pass for it.
  private readonly refStandIn = `ref-${crypto.randomUUID()}`;

  constructor(private readonly deps: NotificationsDeps) {}

  /**
   * A ticket about to be created: its mails, read and rendered now from its preview, with a
   * stand-in for the reference only the insert gives. The recipients are those of this moment:
   * a team that changes in the next milliseconds is heard of as it was, as if the ticket had
   * been written a moment sooner.
   */
  readonly prepare = async (event: TicketEvent, preview: TicketDetail, actorId: number | null): Promise<NewMail[] | undefined> => {
    const plan = EVENT_MAILS[event];
    if (!plan) return undefined;
    const db = this.deps.readDb;
    const ticket = { ...preview, ref: this.refStandIn };
    return this.eventMails(db, plan, ticket, await this.audiences(db, plan, preview), { actorId, entry: null });
  };

  /** The bus's listener: the mails of the event, written to the outbox in its transaction. */
  readonly on = async (trx: Knex.Transaction, e: TicketEventPayload, prepared?: unknown): Promise<void> => {
    if (prepared) return this.deps.outbox.enqueue(trx, this.withRef(prepared as NewMail[], e.ticketId), this.deps.now());
    const plan = EVENT_MAILS[e.event];
    // Private entries, files, hold, field changes: nothing leaves the agent side.
    if (!plan) return;
    const entryId = e.data?.entryId;
    // The ticket, the entry and each audience are read by the ticket's id, so they are sent
    // together: one trip through the transaction's connection, not one after another.
    const [ticket, entry, lists] = await Promise.all([
      this.deps.tickets.findDetailById(e.ticketId, trx),
      typeof entryId === 'number' ? this.publicEntry(trx, entryId) : null,
      this.audiences(trx, plan, e.ticketId),
    ]);
    if (!ticket) return;
    await this.deps.outbox.enqueue(trx, await this.eventMails(trx, plan, ticket, lists, { actorId: e.actorId, entry }), this.deps.now());
  };

  /** Prepared mails, once the insert has given the ticket its id: the stand-in becomes its reference. */
  private withRef(mails: NewMail[], ticketId: number): NewMail[] {
    const ref = formatRef(ticketId);
    const put = (s: string) => s.replaceAll(this.refStandIn, () => ref);
    return mails.map((m) => ({ ...m, ticketId, subject: put(m.subject), text: put(m.text), html: put(m.html) }));
  }

  /** The recipients of each audience of an event's mails, read together. */
  private async audiences(db: Knex, plan: EventMail[], ticket: TicketSource): Promise<Map<Audience, Recipient[]>> {
    const audiences = [...new Set(plan.map((m) => m.to))];
    const lists = await Promise.all(audiences.map((a) => this.audience(db, a, ticket)));
    return new Map(audiences.map((a, i) => [a, lists[i]]));
  }

  /** Every mail of an event, rendered. */
  private async eventMails(db: Knex, plan: EventMail[], ticket: TicketDetail, lists: Map<Audience, Recipient[]>, e: { actorId: number | null; entry: PublicEntry | null }): Promise<NewMail[]> {
    const mails: NewMail[] = [];
    for (const { kind, to, notActor } of plan) {
      const recipients = lists.get(to)!.filter((u) => !notActor || u.id !== e.actorId);
      mails.push(...(await this.compose(db, kind, recipients, ticket, { entry: e.entry, bySystem: e.actorId === null })));
    }
    return mails;
  }

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
  private compose(db: Knex, kind: MailKind, to: Recipient[], ticket: TicketDetail, extra: Record<string, unknown>): Promise<NewMail[]> {
    const base = this.deps.publicUrl;
    return this.render(db, kind, to, ticket, {
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
  private async render(db: Knex, kind: MailKind, to: Recipient[], ticket: TicketDetail | null, data: Record<string, unknown>): Promise<NewMail[]> {
    const { optional } = MAIL_KINDS[kind];
    // In a transaction, on its connection: the writer's only one is the transaction's.
    const settings = await this.deps.settings.all(db);
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

  /**
   * The active users an audience of a ticket is, found from the ticket's own columns: read by
   * its id, or given by its preview.
   */
  private audience(db: Knex, who: Audience, ticket: TicketSource): Promise<Recipient[]> {
    type Column = 'requester_id' | 'beneficiary_id' | 'agent_id' | 'team_id';
    const column = (name: Column) => (typeof ticket === 'number' ? sql`(SELECT ${raw(name)} FROM tickets WHERE id = ${ticket})` : sql`${ticket[name]}`);
    const teamAgents = sql`u.id IN (SELECT tm.user_id FROM team_members AS tm JOIN user_roles AS r ON r.user_id = tm.user_id AND r.role = 'agent' WHERE tm.team_id = ${column('team_id')})`;
    const condition = {
      requesters: sql`u.id IN (${column('requester_id')}, ${column('beneficiary_id')})`,
      team: teamAgents,
      agent: sql`u.id = ${column('agent_id')}`,
      // The agent in charge, or, while nobody has taken the ticket, its team's agents.
      inCharge: sql`(u.id = ${column('agent_id')} OR (${column('agent_id')} IS NULL AND ${teamAgents}))`,
    }[who];
    return rowsOf<Recipient>(db, sql`SELECT ${RECIPIENT_COLUMNS} FROM users AS u WHERE u.active = 1 AND ${condition} ORDER BY u.id`);
  }

  private async publicEntry(trx: Knex.Transaction, id: number): Promise<PublicEntry | null> {
    const row = await trx('journal_entries as j').join('users as u', 'u.id', 'j.author_id').where({ 'j.id': id, 'j.visibility': 'public' }).first('j.body', 'u.first_name', 'u.last_name');
    return row ? { body: row.body, author: `${row.first_name} ${row.last_name}` } : null;
  }
}
