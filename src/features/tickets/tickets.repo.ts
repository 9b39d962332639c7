import type { Database, Trx } from '../../db/database.js';
import type { AttachmentRow, JournalEntryRow, TicketHistoryRow, TicketRow } from '../../db/tables.js';
import { allOf, anyOf, assignments, constant, inList, insertRows, join, name, notInList, raw, sql, wholeNumber, type Sql } from '../../db/sql.js';
import type { Branch, Match, Scope, TabRule, TicketColumn } from './access.js';
import type { Status } from './vocabulary.js';
import type { ClockColumns } from '../sla/clock.js';

/** A ticket with the names a page shows. */
export interface TicketDetail extends TicketRow {
  requester_name: string;
  requester_phone: string;
  requester_email: string;
  beneficiary_name: string;
  establishment_rne: string;
  establishment_name: string;
  team_name: string | null;
  business_team_name: string | null;
  agent_name: string | null;
}

export interface TicketListRow {
  id: number;
  ref: string;
  subject: string;
  created_at: string;
  status: string;
  service_name: string;
  subcategory_name: string;
  priority: number;
  kind: string;
  requester_name: string;
  establishment_rne: string;
  agent_name?: string | null;
}

/** A list row with its service-level clocks, for the agents' lists. */
export type TicketListRowWithClocks = TicketListRow & ClockColumns;

export interface JournalEntryView extends JournalEntryRow {
  author_name: string;
}

export type SortKey = 'date_desc' | 'date_asc' | 'priority' | 'status' | 'deadline';

export interface ListOptions {
  sort: SortKey;
  q: string;
  limit: number;
  offset: number;
}

/** A ticket's columns as they are written, before the insert gives it an id and the database its reference. */
export type NewTicketRow = Omit<TicketRow, 'id' | 'ref' | 'version' | 'queue_team_id'>;

/**
 * `column IN ('nouvelle', …)`, the statuses written out rather than bound: SQLite uses a partial
 * index only when the query has its WHERE term as it is (migration 20261124100100: same list,
 * same order), which it cannot see through bound values.
 */
export function statusIn(column: string, statuses: readonly Status[]): Sql {
  return sql`${name(column)} IN (${join(statuses.map(constant), ', ')})`;
}

/** What `match` requires of `column`, in SQL; `nullAs` is the value that stands for "none" in a kept count. */
function matchSql(column: string, match: Match, nullAs?: number): Sql {
  const c = name(column);
  if (match === null) return nullAs === undefined ? sql`${c} IS NULL` : sql`${c} = ${nullAs}`;
  if (Array.isArray(match)) return inList(column, match);
  if (typeof match === 'object') {
    const not = (match as { not: readonly unknown[] }).not;
    return nullAs === undefined ? allOf([sql`${c} IS NOT NULL`, notInList(column, not)]) : notInList(column, [nullAs, ...not]);
  }
  return sql`${c} = ${match}`;
}

/** A branch of a rule on the tickets `t`. */
function branchSql(branch: Branch): Sql {
  return allOf((Object.entries(branch) as Array<[TicketColumn, Match]>).map(([column, match]) => matchSql(`t.${column}`, match)));
}

export const scopeSql = (scope: Scope) => anyOf(scope.branches.map(branchSql));
const ruleSql = (rule: TabRule) => allOf([anyOf(rule.branches.map(branchSql)), statusIn('t.status', rule.statuses)]);

/** Does a ticket matching `m` always match `required`? (Only the cases the rules use.) */
function implies(m: Match | undefined, required: Match): boolean {
  if (m === undefined) return false;
  if (Array.isArray(required)) return Array.isArray(m) ? m.every((v) => required.includes(v)) : typeof m !== 'object' && m !== null && required.includes(m);
  return JSON.stringify(m) === JSON.stringify(required);
}

/** The scope's branch that holds every ticket of this rule branch, if one does. */
function holdingBranch(scope: Scope, branch: Branch): Branch | undefined {
  return scope.branches.find((b) => (Object.entries(b) as Array<[TicketColumn, Match]>).every(([column, m]) => implies(branch[column], m)));
}

const onlyColumns = (branch: Branch, columns: TicketColumn[]) => Object.keys(branch).every((c) => columns.includes(c as TicketColumn));

const LIST_COLUMNS = [
  't.id', 't.ref', 't.subject', 't.created_at', 't.status', 't.service_name', 't.subcategory_name', 't.priority', 't.kind',
  'e.rne as establishment_rne', 't.sla_tto_s', 't.sla_ttr_s', 't.sla_since', 't.sla_tto_target_s', 't.sla_ttr_target_s', 't.sla_tto_met',
  't.sla_ttr_met', 't.sla_alerts', 't.sla_tto_due_at', 't.sla_ttr_due_at', 't.sla_due_at', 't.sla_next_alert_at',
];
/** A user's name as the pages show it, `alias` naming the users row; NULL through a LEFT JOIN that found no one. */
function fullName(alias: string): Sql {
  const a = name(alias);
  return sql`${a}.first_name || ' ' || ${a}.last_name`;
}
/** A list's row: its columns and names, for the tickets `t` of a page. */
const LIST_ROW = sql`SELECT ${raw(LIST_COLUMNS.join(', '))}, ${fullName('r')} AS requester_name, ${fullName('a')} AS agent_name
  FROM tickets AS t JOIN users AS r ON r.id = t.requester_id JOIN establishments AS e ON e.id = t.establishment_id
  LEFT JOIN users AS a ON a.id = t.agent_id`;

/** Each list order, as its columns and directions; each ends on the id, so that pages never overlap. */
const SORTS: Record<SortKey, Array<[column: string, order: 'asc' | 'desc' | 'asc nulls last']>> = {
  date_desc: [['created_at', 'desc'], ['id', 'desc']],
  date_asc: [['created_at', 'asc'], ['id', 'asc']],
  priority: [['priority', 'asc'], ['created_at', 'desc'], ['id', 'desc']],
  status: [['status', 'asc'], ['created_at', 'desc'], ['id', 'desc']],
  // The soonest deadline first; tickets whose clocks are paused or stopped after.
  deadline: [['sla_due_at', 'asc nulls last'], ['created_at', 'asc'], ['id', 'asc']],
};

/** `ORDER BY` a list's order; `alias` names the tickets (or a subquery carrying the same columns). */
function orderBy(sort: SortKey, alias = 't'): Sql {
  return raw(`ORDER BY ${SORTS[sort].map(([column, order]) => `${alias}.${column} ${order}`).join(', ')}`);
}

const DETAIL = sql`
  SELECT t.*,
    ${fullName('r')} AS requester_name, r.phone AS requester_phone, r.email AS requester_email,
    ${fullName('b')} AS beneficiary_name,
    e.rne AS establishment_rne, e.name AS establishment_name,
    tm.name AS team_name, bt.name AS business_team_name,
    ${fullName('a')} AS agent_name
  FROM tickets AS t
  JOIN users AS r ON r.id = t.requester_id
  JOIN users AS b ON b.id = t.beneficiary_id
  JOIN establishments AS e ON e.id = t.establishment_id
  LEFT JOIN teams AS tm ON tm.id = t.team_id
  LEFT JOIN teams AS bt ON bt.id = t.business_team_id
  LEFT JOIN users AS a ON a.id = t.agent_id`;

export class TicketsRepo {
  constructor(private readonly db: Database) {}

  /** The text filter of a list: reference, subject or service. */
  private textFilter(q: string): Sql {
    const contains = (column: string) => this.db.dialect.containsText(name(column), q);
    return anyOf([sql`t.ref = ${q.toUpperCase()}`, contains('t.subject'), contains('t.service_name'), contains('t.subcategory_name')]);
  }

  /** The conditions of a list: visibility (the scope or one of its branches), tab, and what the user typed. */
  private listWhere(visible: Sql, rule: TabRule, q = ''): Sql {
    return allOf(q ? [visible, ruleSql(rule), this.textFilter(q)] : [visible, ruleSql(rule)]);
  }

  /**
   * How many tickets a tab holds, as a scalar expression. A tab of whole queues is read from the
   * counts the triggers keep per queue, assignee and status (migration 20261124100200), and
   * "Partagés" from those kept per establishment (migration 20261125100000): a queue of 50,000
   * tickets costs what one of 50 does. The others are counted on their index.
   */
  private countOf(scope: Scope, rule: TabRule): Sql {
    const [branch] = rule.branches;
    const statuses = statusIn('status', rule.statuses);
    if (rule.branches.length === 1 && onlyColumns(branch, ['queue_team_id', 'agent_id']) && branch.queue_team_id !== undefined && holdingBranch(scope, branch)) {
      const where = [matchSql('queue_team_id', branch.queue_team_id), ...(branch.agent_id === undefined ? [] : [matchSql('agent_key', branch.agent_id, 0)]), statuses];
      return sql`(SELECT coalesce(sum(n), 0) FROM ticket_queue_counts WHERE ${allOf(where)})`;
    }
    const shared = scope.branches.find((b) => b.visibility === 'managers' && Array.isArray(b.establishment_id));
    if (rule.branches.length === 1 && onlyColumns(branch, ['visibility']) && branch.visibility === 'managers' && shared) {
      const managed = shared.establishment_id as readonly number[];
      const kept = sql`SELECT sum(n) FROM ticket_shared_counts WHERE ${inList('establishment_id', managed)} AND ${statuses}`;
      // The reader's own shared tickets elsewhere (an establishment they no longer manage), counted.
      const others = { branches: scope.branches.filter((b) => b !== shared) };
      const elsewhere = allOf([scopeSql(others), ruleSql(rule), notInList('t.establishment_id', managed)]);
      return sql`(coalesce((${kept}), 0) + (SELECT count(*) FROM tickets AS t WHERE ${elsewhere}))`;
    }
    return sql`(SELECT count(*) FROM tickets AS t WHERE ${this.listWhere(scopeSql(scope), rule)})`;
  }

  /** Every tab's count, in one statement. */
  async countTabs(scope: Scope, tabs: Record<string, TabRule>): Promise<Record<string, number>> {
    const columns = Object.entries(tabs).map(([tab, rule]) => sql`${this.countOf(scope, rule)} AS ${name(tab)}`);
    const row = await this.db.first<Record<string, unknown>>(sql`SELECT ${join(columns, ', ')}`);
    return Object.fromEntries(Object.entries(row ?? {}).map(([tab, n]) => [tab, Number(n)]));
  }

  /** One page of a tab, and how many tickets it holds (given by the caller when already counted, without a text filter). */
  async listTab(scope: Scope, rule: TabRule, opts: ListOptions, knownTotal?: Promise<number>): Promise<{ rows: TicketListRowWithClocks[]; total: number }> {
    // The page's ids first (sorted from an index), then their rows and names: the joins touch
    // 20 tickets, not every ticket of the tab.
    const rows = this.db.select<TicketListRowWithClocks>(sql`${LIST_ROW} WHERE t.id IN (${this.pageIds(scope, rule, opts)}) ${orderBy(opts.sort)}`);
    const total =
      !opts.q && knownTotal
        ? knownTotal
        : this.db.first<{ n: number }>(sql`SELECT count(*) AS n FROM tickets AS t WHERE ${this.listWhere(scopeSql(scope), rule, opts.q)}`).then((r) => Number(r?.n ?? 0));
    const [list, n] = await Promise.all([rows, total]);
    return { rows: list, total: n };
  }

  /**
   * The ids of a list's page. With a scope of several branches, each branch takes its first
   * offset + limit tickets in the list's order, from its own index, and the page is cut from
   * their union: an OR of the branches would gather and sort every ticket they reach.
   */
  private pageIds(scope: Scope, rule: TabRule, opts: ListOptions): Sql {
    const page = sql`LIMIT ${wholeNumber(opts.limit)} OFFSET ${wholeNumber(opts.offset)}`;
    if (scope.branches.length < 2) {
      return sql`SELECT t.id FROM tickets AS t WHERE ${this.listWhere(scopeSql(scope), rule, opts.q)} ${orderBy(opts.sort)} ${page}`;
    }
    const columns = raw(SORTS[opts.sort].map(([column]) => `t.${column}`).join(', '));
    // ORDER BY and LIMIT in a member of a compound only inside a subquery.
    const members = scope.branches.map(
      (branch) => sql`SELECT * FROM (SELECT ${columns} FROM tickets AS t WHERE ${this.listWhere(branchSql(branch), rule, opts.q)} ${orderBy(opts.sort)} LIMIT ${wholeNumber(opts.offset + opts.limit)}) AS b`,
    );
    return sql`SELECT m.id FROM (${join(members, ' UNION ')}) AS m ${orderBy(opts.sort, 'm')} ${page}`;
  }

  /** Tickets of the scope on a service, in these statuses (the duplicate hint of the form). */
  openOnService(scope: Scope, serviceId: number, statuses: readonly Status[]): Promise<TicketListRow[]> {
    return this.db.select(sql`
      SELECT ${raw(LIST_COLUMNS.join(', '))}, ${fullName('r')} AS requester_name
      FROM tickets AS t JOIN users AS r ON r.id = t.requester_id JOIN establishments AS e ON e.id = t.establishment_id
      WHERE (${scopeSql(scope)}) AND ${statusIn('t.status', statuses)}
        AND t.subcategory_id IN (SELECT id FROM cat_subcategories WHERE parent_id = ${serviceId})
      ORDER BY t.created_at DESC LIMIT 10`);
  }

  /** One ticket by reference with its names, no visibility check: callers apply access.ts. */
  findDetailByRef(ref: string, trx?: Trx): Promise<TicketDetail | undefined> {
    return this.db.first(sql`${DETAIL} WHERE t.ref = ${ref}`, trx);
  }

  findDetailById(id: number, trx?: Trx): Promise<TicketDetail | undefined> {
    return this.db.first(sql`${DETAIL} WHERE t.id = ${id}`, trx);
  }

  journal(ticketId: number, visibility: 'public' | 'private'): Promise<JournalEntryView[]> {
    return this.db.select(sql`
      SELECT j.*, ${fullName('u')} AS author_name
      FROM journal_entries AS j JOIN users AS u ON u.id = j.author_id
      WHERE j.ticket_id = ${ticketId} AND j.visibility = ${visibility}
      ORDER BY j.created_at DESC, j.id DESC`);
  }

  /** A public journal entry and its author's name, as mails quote it. */
  publicEntry(id: number, trx: Trx): Promise<{ body: string; author: string } | undefined> {
    return this.db.first(sql`
      SELECT j.body, ${fullName('u')} AS author FROM journal_entries AS j JOIN users AS u ON u.id = j.author_id
      WHERE j.id = ${id} AND j.visibility = 'public'`, trx);
  }

  attachments(ticketId: number, includePrivate: boolean): Promise<Array<AttachmentRow & { uploader_name: string }>> {
    return this.db.select(sql`
      SELECT a.*, ${fullName('u')} AS uploader_name
      FROM attachments AS a JOIN users AS u ON u.id = a.uploader_id
      WHERE a.ticket_id = ${ticketId} ${includePrivate ? sql`` : sql`AND NOT a.private`}
      ORDER BY a.id`);
  }

  /** Write a new ticket; the database gives it its id and its reference. */
  async insertTicket(trx: Trx, row: NewTicketRow): Promise<number> {
    const [{ id }] = await this.db.execute<{ id: number }>(sql`${insertRows('tickets', [row])} RETURNING id`, trx);
    return id;
  }

  /** Write fields only if nobody changed the ticket since it was read (optimistic lock). */
  async updateIfVersion(trx: Trx, id: number, version: number, fields: Partial<TicketRow>): Promise<boolean> {
    const updated = await this.db.execute(sql`UPDATE tickets SET ${assignments('tickets', { ...fields, version: version + 1 })} WHERE id = ${id} AND version = ${version} RETURNING id`, trx);
    return updated.length === 1;
  }

  async insertHistory(
    trx: Trx,
    row: {
      ticket_id: number; actor_id: number | null; event: string; from_status?: string | null; to_status?: string | null; details?: unknown; created_at: string;
      /** Where the service-level clocks stood at this transition. */
      sla_tto_s?: number; sla_ttr_s?: number;
    },
  ): Promise<void> {
    const { from_status = null, to_status = null, details = {}, sla_tto_s = null, sla_ttr_s = null, ...rest } = row;
    await this.db.execute(insertRows('ticket_history', [{ ...rest, from_status, to_status, details: JSON.stringify(details), sla_tto_s, sla_ttr_s }]), trx);
  }

  async insertJournal(trx: Trx, row: { ticket_id: number; author_id: number; visibility: 'public' | 'private'; body: string; created_at: string }): Promise<number> {
    const [{ id }] = await this.db.execute<{ id: number }>(sql`${insertRows('journal_entries', [row])} RETURNING id`, trx);
    return id;
  }

  /** Colleagues who may be a beneficiary: active users of these establishments. */
  colleagues(establishmentIds: number[]): Promise<Array<{ id: number; name: string; establishment_id: number }>> {
    if (establishmentIds.length === 0) return Promise.resolve([]);
    return this.db.select(sql`
      SELECT u.id, u.last_name || ' ' || u.first_name AS name, ue.establishment_id
      FROM users AS u JOIN user_establishments AS ue ON ue.user_id = u.id
      WHERE ${inList('ue.establishment_id', establishmentIds)} AND u.active
      ORDER BY u.last_name, u.first_name`);
  }

  async isMemberOf(userId: number, establishmentId: number): Promise<boolean> {
    const row = await this.db.first(sql`
      SELECT ue.user_id FROM user_establishments AS ue JOIN users AS u ON u.id = ue.user_id
      WHERE ue.user_id = ${userId} AND ue.establishment_id = ${establishmentId} AND u.active`);
    return !!row;
  }

  /** Active teams, business ("Equipe métier concernée") or support (who a ticket may be dispatched to). */
  teams(kind: 'business' | 'support'): Promise<Array<{ id: number; name: string }>> {
    return this.db.select(sql`SELECT id, name FROM teams WHERE ${kind === 'business' ? sql`business` : sql`NOT business`} AND active ORDER BY name`);
  }

  findAttachment(id: number): Promise<AttachmentRow | undefined> {
    return this.db.first(sql`SELECT * FROM attachments WHERE id = ${id}`);
  }

  /** No ticket at all yet (a new installation). */
  async isEmpty(): Promise<boolean> {
    return (await this.db.first(sql`SELECT id FROM tickets LIMIT 1`)) === undefined;
  }

  findTicketById(id: number): Promise<TicketRow | undefined> {
    return this.db.first(sql`SELECT * FROM tickets WHERE id = ${id}`);
  }

  /** A ticket's reference, once the database wrote it. */
  async refOf(trx: Trx, id: number): Promise<string> {
    const row = await this.db.first<{ ref: string }>(sql`SELECT ref FROM tickets WHERE id = ${id}`, trx);
    return row!.ref;
  }

  history(ticketId: number): Promise<Array<TicketHistoryRow & { actor_name: string | null }>> {
    return this.db.select(sql`
      SELECT h.*, ${fullName('u')} AS actor_name FROM ticket_history AS h LEFT JOIN users AS u ON u.id = h.actor_id
      WHERE h.ticket_id = ${ticketId} ORDER BY h.created_at DESC, h.id DESC`);
  }

  /** Active agents of a team: who a ticket may be assigned to. */
  teamAgents(teamId: number): Promise<Array<{ id: number; name: string }>> {
    return this.db.select(sql`
      SELECT u.id, ${fullName('u')} AS name
      FROM team_members AS tm JOIN users AS u ON u.id = tm.user_id JOIN user_roles AS r ON r.user_id = u.id AND r.role = 'agent'
      WHERE tm.team_id = ${teamId} AND u.active
      ORDER BY u.last_name, u.first_name`);
  }

  async userName(id: number): Promise<string | null> {
    const row = await this.db.first<{ name: string }>(sql`SELECT ${fullName('u')} AS name FROM users AS u WHERE u.id = ${id}`);
    return row?.name ?? null;
  }

  satisfaction(ticketId: number): Promise<{ rating: number | null; comment: string; source: string } | undefined> {
    return this.db.first(sql`SELECT rating, comment, source FROM satisfaction WHERE ticket_id = ${ticketId}`);
  }

  /** A closed ticket's evaluation; an auto-close's "non évalué" never replaces one already there. */
  async recordSatisfaction(trx: Trx, row: { ticket_id: number; team_id: number | null; agent_id: number | null; rating: number | null; comment: string; source: 'requester' | 'auto'; created_at: string }): Promise<void> {
    await this.db.execute(sql`${insertRows('satisfaction', [row])} ${row.source === 'auto' ? sql`ON CONFLICT (ticket_id) DO NOTHING` : sql``}`, trx);
  }

  /** A reopened ticket's "non évalué" no longer stands. */
  async forgetAutoSatisfaction(trx: Trx, ticketId: number): Promise<void> {
    await this.db.execute(sql`DELETE FROM satisfaction WHERE ticket_id = ${ticketId} AND source = 'auto'`, trx);
  }

  /** Resolved tickets resolved at or before `before`: those the auto-close takes. */
  resolvedBefore(before: Date, limit: number): Promise<Array<{ id: number; version: number; team_id: number | null; agent_id: number | null; sla_tto_s: number; sla_ttr_s: number }>> {
    return this.db.select(sql`
      SELECT id, version, team_id, agent_id, sla_tto_s, sla_ttr_s FROM tickets
      WHERE status = 'resolue' AND resolved_at <= ${before.toISOString()} ORDER BY id LIMIT ${wholeNumber(limit)}`);
  }

  /** Resolved tickets not yet reminded, resolved in [from, to). */
  dueForReminder(from: Date, to: Date, limit: number): Promise<Array<{ id: number; resolved_at: string }>> {
    return this.db.select(sql`
      SELECT id, resolved_at FROM tickets
      WHERE status = 'resolue' AND reminder_sent_at IS NULL AND resolved_at > ${from.toISOString()} AND resolved_at <= ${to.toISOString()}
      ORDER BY id LIMIT ${wholeNumber(limit)}`);
  }

  /** Mark the reminder sent, if no other process did: false when it was already. */
  async markReminded(trx: Trx, id: number, at: Date): Promise<boolean> {
    const rows = await this.db.execute(sql`
      UPDATE tickets SET reminder_sent_at = ${at.toISOString()}
      WHERE id = ${id} AND status = 'resolue' AND reminder_sent_at IS NULL RETURNING id`, trx);
    return rows.length === 1;
  }
}
