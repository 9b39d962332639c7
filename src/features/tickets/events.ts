import type { Trx } from '../../db/database.js';

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

/** A listener runs inside the change's transaction, so its writes commit or roll back with it. */
export interface TicketEventListener {
  on(trx: Trx, payload: TicketEventPayload): Promise<void>;
}

export class TicketEventBus {
  private readonly listeners: TicketEventListener[] = [];

  subscribe(listener: TicketEventListener): void {
    this.listeners.push(listener);
  }

  async emit(trx: Trx, payload: TicketEventPayload): Promise<void> {
    for (const l of this.listeners) await l.on(trx, payload);
  }
}
