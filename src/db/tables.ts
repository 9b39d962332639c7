// Typed rows of the tables whose rows travel whole between repos and services.

export interface UserRow {
  id: number; identifiant: string; first_name: string; last_name: string; email: string; phone: string;
  title: string; password_hash: string; active: boolean | number; created_at: string;
  /** local (a Guichet password) or directory (the academy's). */
  source: 'local' | 'directory';
  /** Who deactivated the account: an admin, or the directory's sync (which re-enables it on return). */
  deactivated_by: 'admin' | 'directory' | null;
}
export interface TicketRow {
  id: number; ref: string; kind: string; requester_id: number; beneficiary_id: number; establishment_id: number;
  visibility: string; subcategory_id: number; domain_name: string; group_name: string; family_name: string;
  service_name: string; subcategory_name: string; business_team_id: number | null; team_id: number | null;
  /** The ticket's team, or 0 when none was found (a column the database computes). */
  queue_team_id: number;
  agent_id: number | null; subject: string; detail: string; phone: string; availability: string; impact: string;
  urgency: string; priority: number; status: string; version: number; created_at: string; updated_at: string;
  resolved_at: string | null; closed_at: string | null;
  closed_by?: string | null; reminder_sent_at?: string | null;
  /** Service-level clocks (features/sla/clock.ts). */
  sla_tto_s: number; sla_ttr_s: number; sla_since: string | null; sla_tto_target_s: number | null; sla_ttr_target_s: number | null;
  sla_tto_met: boolean | null; sla_ttr_met: boolean | null; sla_alerts: number;
  sla_tto_due_at: string | null; sla_ttr_due_at: string | null; sla_due_at: string | null; sla_next_alert_at: string | null;
}
export interface JournalEntryRow {
  id: number; ticket_id: number; author_id: number; visibility: string; body: string; created_at: string;
}
export interface TicketHistoryRow {
  id: number; ticket_id: number; actor_id: number | null; event: string; from_status: string | null;
  to_status: string | null; details: string; created_at: string;
}
export interface AttachmentRow {
  id: number; ticket_id: number; journal_entry_id: number | null; uploader_id: number; original_name: string;
  stored_name: string; mime: string; size: number; private: boolean | number; created_at: string;
}
