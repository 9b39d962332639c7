import type { Knex } from 'knex';
import type { CurrentUser } from '../auth/current-user.js';
import type { SettingsService } from '../admin/settings.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { ConflictError, NotFoundError, ValidationError } from '../../http/errors.js';
import { actorsFor, canSeeAsRequester } from './access.js';
import type { TicketEventBus } from './events.js';
import { can, nextStatus } from './lifecycle.js';
import type { TicketDetail, TicketsRepo } from './tickets.repo.js';
import type { ResolutionInput } from './tickets.schemas.js';

const DAY = 86_400_000;

export const resolutionMessages = {
  needRating: 'Choisissez une note de 1 à 5 pour évaluer le service.',
  needReason: 'Expliquez pourquoi la solution ne vous convient pas.',
  windowPassed: (days: number) => `Le délai de réouverture (${days} jours après la résolution) est dépassé : créez un nouveau ticket si le problème persiste.`,
  notResolved: "Ce ticket n'attend pas votre acceptation.",
  accepted: 'Merci ! Le ticket est fermé et votre évaluation a été enregistrée.',
  refused: "Le ticket a été rouvert et renvoyé à l'agent en charge.",
  concurrent: 'Ce ticket a été modifié entre-temps. Rechargez la page.',
} as const;

/** Where a resolved ticket stands: when it closes by itself, until when it can be refused. */
export interface ResolutionState {
  canAccept: boolean;
  canRefuse: boolean;
  autoCloseAt: Date | null;
  reopenUntil: Date | null;
  daysLeft: number | null;
}

export interface ResolutionDeps {
  db: Knex;
  tickets: TicketsRepo;
  settings: SettingsService;
  events: TicketEventBus;
  notifications: NotificationsService;
  now: () => Date;
}

/** The end of a ticket's life: accept or refuse the resolution, the reminder, the auto-close. */
export class ResolutionService {
  constructor(private readonly deps: ResolutionDeps) {}

  async state(user: CurrentUser, ticket: TicketDetail): Promise<ResolutionState> {
    const s = await this.deps.settings.all();
    const actors = actorsFor(user, ticket, s.platform_team_id).filter((a) => a === 'requester');
    const resolvedAt = ticket.resolved_at ? new Date(ticket.resolved_at) : null;
    const now = this.deps.now();
    const reopenUntil = resolvedAt ? new Date(resolvedAt.getTime() + s.reopen_days * DAY) : null;
    const autoCloseAt = resolvedAt && ticket.status === 'resolue' ? new Date(resolvedAt.getTime() + s.auto_close_days * DAY) : null;
    const withinWindow = !!reopenUntil && now <= reopenUntil;
    const refusable = ticket.status === 'resolue' || (ticket.status === 'fermee' && ticket.closed_by === 'system');
    return {
      canAccept: can('accept', ticket.status, actors),
      canRefuse: can('refuse', ticket.status, actors) && refusable && withinWindow,
      autoCloseAt,
      reopenUntil,
      daysLeft: autoCloseAt ? Math.max(0, Math.ceil((autoCloseAt.getTime() - now.getTime()) / DAY)) : null,
    };
  }

  /** "Acceptation" or "Refus" from the requester. */
  async decide(user: CurrentUser, ref: string, input: ResolutionInput): Promise<'accept' | 'refuse'> {
    const { db, tickets, events, settings } = this.deps;
    const ticket = await tickets.findDetailByRef(ref);
    if (!ticket || !canSeeAsRequester(user, ticket)) throw new NotFoundError();
    const state = await this.state(user, ticket);
    const s = await settings.all();
    if (input.decision === 'accept' && !state.canAccept) throw new ConflictError(resolutionMessages.notResolved);
    if (input.decision === 'refuse' && !state.canRefuse) {
      throw new ConflictError(['resolue', 'fermee'].includes(ticket.status) ? resolutionMessages.windowPassed(s.reopen_days) : resolutionMessages.notResolved);
    }
    if (input.decision === 'accept' && !input.rating) throw new ValidationError({ rating: resolutionMessages.needRating });
    if (input.decision === 'refuse' && !input.reason) throw new ValidationError({ reason: resolutionMessages.needReason });

    const now = this.deps.now().toISOString();
    await db.transaction(async (trx) => {
      if (input.decision === 'accept') {
        const to = nextStatus('accept', ticket.status, ['requester']);
        if (!(await tickets.updateIfVersion(trx, ticket.id, ticket.version, { status: to, closed_at: now, closed_by: 'requester', updated_at: now }))) {
          throw new ConflictError(resolutionMessages.concurrent);
        }
        await trx('satisfaction').insert({
          ticket_id: ticket.id, team_id: ticket.team_id, agent_id: ticket.agent_id, rating: input.rating, comment: input.comment, source: 'requester', created_at: now,
        });
        await tickets.insertHistory(trx, { ticket_id: ticket.id, actor_id: user.id, event: 'resolution_accepted', from_status: ticket.status, to_status: to, details: { rating: input.rating }, created_at: now });
        await events.emit(trx, { event: 'resolution_accepted', ticketId: ticket.id, actorId: user.id });
        await events.emit(trx, { event: 'closed', ticketId: ticket.id, actorId: user.id });
      } else {
        const to = nextStatus('refuse', ticket.status, ['requester']);
        const changes = { status: to, resolved_at: null, closed_at: null, closed_by: null, reminder_sent_at: null, updated_at: now };
        if (!(await tickets.updateIfVersion(trx, ticket.id, ticket.version, changes))) throw new ConflictError(resolutionMessages.concurrent);
        // An auto-closed ticket's "non évalué" no longer stands once it is reopened.
        await trx('satisfaction').where({ ticket_id: ticket.id, source: 'auto' }).delete();
        const entryId = await tickets.insertJournal(trx, {
          ticket_id: ticket.id, author_id: user.id, visibility: 'public', body: `Refus de la résolution : ${input.reason}`, created_at: now,
        });
        await tickets.insertHistory(trx, { ticket_id: ticket.id, actor_id: user.id, event: 'resolution_refused', from_status: ticket.status, to_status: to, created_at: now });
        await events.emit(trx, { event: 'resolution_refused', ticketId: ticket.id, actorId: user.id, data: { entryId } });
      }
    });
    return input.decision;
  }

  /** Close resolved tickets whose delay has passed; safe to run twice at once (version check). */
  async autoCloseDue(): Promise<number> {
    const { db, tickets, events, settings } = this.deps;
    const s = await settings.all();
    const now = this.deps.now();
    const due: Array<{ id: number; version: number; team_id: number | null; agent_id: number | null }> = await db('tickets')
      .where('status', 'resolue')
      .where('resolved_at', '<=', new Date(now.getTime() - s.auto_close_days * DAY).toISOString())
      .select('id', 'version', 'team_id', 'agent_id')
      .limit(500);
    let closed = 0;
    for (const t of due) {
      const iso = now.toISOString();
      await db.transaction(async (trx) => {
        const won = await tickets.updateIfVersion(trx, t.id, t.version, { status: 'fermee', closed_at: iso, closed_by: 'system', updated_at: iso });
        if (!won) return;
        await trx('satisfaction')
          .insert({ ticket_id: t.id, team_id: t.team_id, agent_id: t.agent_id, rating: null, comment: '', source: 'auto', created_at: iso })
          .onConflict('ticket_id')
          .ignore();
        await tickets.insertHistory(trx, { ticket_id: t.id, actor_id: null, event: 'closed', from_status: 'resolue', to_status: 'fermee', details: { auto: true }, created_at: iso });
        await events.emit(trx, { event: 'closed', ticketId: t.id, actorId: null });
        closed++;
      });
    }
    return closed;
  }

  /** Two days before the auto-close, remind the requester once; safe to run twice at once. */
  async remindDue(): Promise<number> {
    const { db, settings, notifications } = this.deps;
    const s = await settings.all();
    const now = this.deps.now();
    const leadDays = Math.min(2, s.auto_close_days);
    const due: Array<{ id: number; resolved_at: string }> = await db('tickets')
      .where('status', 'resolue')
      .whereNull('reminder_sent_at')
      .where('resolved_at', '<=', new Date(now.getTime() - (s.auto_close_days - leadDays) * DAY).toISOString())
      .where('resolved_at', '>', new Date(now.getTime() - s.auto_close_days * DAY).toISOString())
      .select('id', 'resolved_at')
      .limit(500);
    let sent = 0;
    for (const t of due) {
      await db.transaction(async (trx) => {
        const n = await trx('tickets').where({ id: t.id, status: 'resolue' }).whereNull('reminder_sent_at').update({ reminder_sent_at: now.toISOString() });
        if (n !== 1) return;
        await notifications.autoCloseReminder(trx, t.id, new Date(new Date(t.resolved_at).getTime() + s.auto_close_days * DAY));
        sent++;
      });
    }
    return sent;
  }
}
