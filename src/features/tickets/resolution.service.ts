import type { SlaService } from '../sla/sla.service.js';
import type { Transactions } from '../../db/database.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { SettingsRepo } from '../admin/settings.repo.js';
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
  db: Transactions;
  tickets: TicketsRepo;
  settings: SettingsRepo;
  events: TicketEventBus;
  notifications: NotificationsService;
  sla: SlaService;
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
    const { db, tickets, events, settings, sla } = this.deps;
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
        await tickets.recordSatisfaction(trx, {
          ticket_id: ticket.id, team_id: ticket.team_id, agent_id: ticket.agent_id, rating: input.rating ?? null, comment: input.comment, source: 'requester', created_at: now,
        });
        await tickets.insertHistory(trx, {
          ticket_id: ticket.id, actor_id: user.id, event: 'resolution_accepted', from_status: ticket.status, to_status: to, details: { rating: input.rating }, created_at: now,
          sla_tto_s: ticket.sla_tto_s, sla_ttr_s: ticket.sla_ttr_s,
        });
        await events.emit(trx, { event: 'resolution_accepted', ticketId: ticket.id, actorId: user.id });
        await events.emit(trx, { event: 'closed', ticketId: ticket.id, actorId: user.id });
      } else {
        const to = nextStatus('refuse', ticket.status, ['requester']);
        const clocks = await sla.changed(trx, ticket, to, now);
        const changes = { status: to, resolved_at: null, closed_at: null, closed_by: null, reminder_sent_at: null, updated_at: now, ...clocks.columns };
        if (!(await tickets.updateIfVersion(trx, ticket.id, ticket.version, changes))) throw new ConflictError(resolutionMessages.concurrent);
        // An auto-closed ticket's "non évalué" no longer stands once it is reopened.
        await tickets.forgetAutoSatisfaction(trx, ticket.id);
        const entryId = await tickets.insertJournal(trx, {
          ticket_id: ticket.id, author_id: user.id, visibility: 'public', body: `Refus de la résolution : ${input.reason}`, created_at: now,
        });
        await tickets.insertHistory(trx, { ticket_id: ticket.id, actor_id: user.id, event: 'resolution_refused', from_status: ticket.status, to_status: to, created_at: now, ...clocks.record });
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
    const due = await tickets.resolvedBefore(new Date(now.getTime() - s.auto_close_days * DAY), 500);
    let closed = 0;
    for (const t of due) {
      const iso = now.toISOString();
      await db.transaction(async (trx) => {
        const won = await tickets.updateIfVersion(trx, t.id, t.version, { status: 'fermee', closed_at: iso, closed_by: 'system', updated_at: iso });
        if (!won) return;
        await tickets.recordSatisfaction(trx, { ticket_id: t.id, team_id: t.team_id, agent_id: t.agent_id, rating: null, comment: '', source: 'auto', created_at: iso });
        await tickets.insertHistory(trx, {
          ticket_id: t.id, actor_id: null, event: 'closed', from_status: 'resolue', to_status: 'fermee', details: { auto: true }, created_at: iso, sla_tto_s: t.sla_tto_s, sla_ttr_s: t.sla_ttr_s,
        });
        await events.emit(trx, { event: 'closed', ticketId: t.id, actorId: null });
        closed++;
      });
    }
    return closed;
  }

  /** Two days before the auto-close, remind the requester once; safe to run twice at once. */
  async remindDue(): Promise<number> {
    const { db, tickets, settings, notifications } = this.deps;
    const s = await settings.all();
    const now = this.deps.now();
    const leadDays = Math.min(2, s.auto_close_days);
    const due = await tickets.dueForReminder(new Date(now.getTime() - s.auto_close_days * DAY), new Date(now.getTime() - (s.auto_close_days - leadDays) * DAY), 500);
    let sent = 0;
    for (const t of due) {
      await db.transaction(async (trx) => {
        if (!(await tickets.markReminded(trx, t.id, now))) return;
        await notifications.autoCloseReminder(trx, t.id, new Date(new Date(t.resolved_at).getTime() + s.auto_close_days * DAY));
        sent++;
      });
    }
    return sent;
  }
}
