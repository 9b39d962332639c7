import type { Knex } from 'knex';
import type { TicketDetail } from './tickets.repo.js';

// Every domain event a ticket can emit, in one place. The history records each of them;
// the notifications feature turns them into e-mails (in the same transaction, via the outbox).
export const TICKET_EVENTS = [
  'created',
  'dispatched',
  'assigned',
  'public_entry',
  'private_entry',
  'attachment_added',
  'put_on_hold',
  'info_requested',
  'requester_answered',
  'requester_updated',
  'resolved',
  'resolution_accepted',
  'resolution_refused',
  'closed',
  'fields_changed',
] as const;
export type TicketEvent = (typeof TICKET_EVENTS)[number];

export interface TicketEventPayload {
  event: TicketEvent;
  ticketId: number;
  actorId: number | null;
  /** Public entry text, team id, agent id…: what a listener needs. */
  data?: Record<string, unknown>;
}

/**
 * A listener runs inside the change's transaction (`on`), so its writes commit or roll back
 * with it. For a ticket about to be created, it may read and compute beforehand (`prepare`, given
 * the ticket as it will be written) and hand the result to its `on`: the transaction holds the
 * single writer, and everything done before it is time other writers do not wait.
 */
export interface TicketEventListener {
  prepare?(event: TicketEvent, preview: TicketDetail, actorId: number | null): Promise<unknown>;
  on(trx: Knex.Transaction, payload: TicketEventPayload, prepared?: unknown): Promise<void>;
}

/** What each listener prepared for one event, given back to it by `emit`. */
export interface PreparedEvent {
  event: TicketEvent;
  results: unknown[];
}

export class TicketEventBus {
  private readonly listeners: TicketEventListener[] = [];

  subscribe(listener: TicketEventListener): void {
    this.listeners.push(listener);
  }

  /** Outside the transaction, before the ticket is written. */
  async prepare(event: TicketEvent, preview: TicketDetail, actorId: number | null): Promise<PreparedEvent> {
    return { event, results: await Promise.all(this.listeners.map((l) => l.prepare?.(event, preview, actorId))) };
  }

  async emit(trx: Knex.Transaction, payload: TicketEventPayload, prepared?: PreparedEvent): Promise<void> {
    if (prepared && prepared.event !== payload.event) throw new Error(`prepared for ${prepared.event}, emitted ${payload.event}`);
    for (const [i, l] of this.listeners.entries()) await l.on(trx, payload, prepared?.results[i]);
  }
}
