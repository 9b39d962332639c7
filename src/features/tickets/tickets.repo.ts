import type { Knex } from 'knex';
import type { CurrentUser } from '../auth/current-user.js';
import type { AttachmentRow, JournalEntryRow, TicketHistoryRow, TicketRow } from '../../db/tables.js';
import { requesterScope, type Scope } from './access.js';
import { statusIn, type Status } from './vocabulary.js';
import { allOf, identifier, inList, insertRows, join, notInList, raw, rowsOf, sql, wholeNumber, whereSql, type Sql } from '../../db/sql.js';

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

export interface JournalEntryView extends JournalEntryRow {
  author_name: string;
}

export type SortKey = 'date_desc' | 'date_asc' | 'priority' | 'status';

/** A tab of a dashboard: a condition on the tickets (alias `t`), added to the visibility scope. */
export type TabFilter = Sql;

const LIST_COLUMNS = [
  't.id', 't.ref', 't.subject', 't.created_at', 't.status', 't.service_name', 't.subcategory_name', 't.priority', 't.kind',
  'e.rne as establishment_rne',
];
/**
 * A user's name as the pages show it, `alias` naming the users row. Through a LEFT JOIN that
 * found no one, it is NULL (SQLite's || gives NULL when a side is NULL).
 */
function fullName(alias: string): string {
  return `${identifier(alias)}.first_name || ' ' || ${alias}.last_name`;
}
const REQUESTER_NAME = `${fullName('r')} as requester_name`;
const AGENT_NAME = `${fullName('a')} as agent_name`;
/** A list's row: its columns and names, for the tickets `t` of a page. */
const LIST_ROW = raw(`SELECT ${[...LIST_COLUMNS, REQUESTER_NAME, AGENT_NAME].join(', ')}
  FROM tickets AS t JOIN users AS r ON r.id = t.requester_id JOIN establishments AS e ON e.id = t.establishment_id
  LEFT JOIN users AS a ON a.id = t.agent_id`);

/** Each list order, as its columns (of tickets) and directions; each ends on the id, so that pages never overlap. */
const SORTS: Record<SortKey, Array<[column: string, order: 'asc' | 'desc']>> = {
  date_desc: [['created_at', 'desc'], ['id', 'desc']],
  date_asc: [['created_at', 'asc'], ['id', 'asc']],
  priority: [['priority', 'asc'], ['created_at', 'desc'], ['id', 'desc']],
  status: [['status', 'asc'], ['created_at', 'desc'], ['id', 'desc']],
};

/** `ORDER BY` a list's order; `alias` names the tickets (or a subquery carrying the same columns). */
function orderBy(sort: SortKey, alias = 't'): Sql {
  return raw(`ORDER BY ${SORTS[sort].map(([column, order]) => `${alias}.${column} ${order}`).join(', ')}`);
}

/** The text filter of a list: reference, subject or service. */
function textFilter(q: string): Sql {
  const like = `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
  return sql`t.ref = ${q.toUpperCase()} OR t.subject LIKE ${like} ESCAPE '\\' OR t.service_name LIKE ${like} ESCAPE '\\' OR t.subcategory_name LIKE ${like} ESCAPE '\\'`;
}

/** The conditions of a list: visibility (a scope or one of its branches), tab, and the text the user typed. */
function listWhere(visible: Sql, tab: TabFilter, q = ''): Sql {
  return allOf(q ? [visible, tab, textFilter(q)] : [visible, tab]);
}

/**
 * A ticket with the names its page shows, the ticket's columns coming from `source` (aliased
 * `t`): the tickets table, or a row not yet written (`previewDetail`). Callers add the WHERE and
 * apply access.ts.
 */
function detailOf(source: Sql): Sql {
  return sql`
  SELECT t.*,
    ${raw(REQUESTER_NAME)}, r.phone AS requester_phone, r.email AS requester_email,
    ${raw(fullName('b'))} AS beneficiary_name,
    e.rne AS establishment_rne, e.name AS establishment_name,
    tm.name AS team_name, bt.name AS business_team_name,
    ${raw(AGENT_NAME)}
  FROM ${source} AS t
  JOIN users AS r ON r.id = t.requester_id
  JOIN users AS b ON b.id = t.beneficiary_id
  JOIN establishments AS e ON e.id = t.establishment_id
  LEFT JOIN teams AS tm ON tm.id = t.team_id
  LEFT JOIN teams AS bt ON bt.id = t.business_team_id
  LEFT JOIN users AS a ON a.id = t.agent_id`;
}
const DETAIL = detailOf(raw('tickets'));

/** A ticket's columns as they are written, before the insert gives it an id and a reference. */
export type NewTicketRow = Omit<TicketRow, 'id' | 'ref' | 'version'>;

export class TicketsRepo {
  constructor(private readonly db: Knex) {}

  /**
   * The tabs' counts in one statement (a scalar subquery each, each on its own index), plus
   * counts computed elsewhere (`sharedCount`) under their own names.
   */
  async countTabs(scope: Scope, tabs: Record<string, TabFilter>, computed: Record<string, Sql> = {}): Promise<Record<string, number>> {
    const columns = [
      ...Object.entries(tabs).map(([name, tab]) => sql`(SELECT count(*) FROM tickets AS t WHERE ${listWhere(scope.where, tab)}) AS ${raw(identifier(name))}`),
      ...Object.entries(computed).map(([name, count]) => sql`(${count}) AS ${raw(identifier(name))}`),
    ];
    if (columns.length === 0) return {};
    const [row] = await rowsOf<Record<string, unknown>>(this.db, sql`SELECT ${join(columns, ', ')}`);
    return Object.fromEntries(Object.entries(row).map(([name, n]) => [name, Number(n)]));
  }

  /**
   * The "Partagés" count within `scope`: shared tickets in these statuses of the establishments
   * the user manages, read from the counts the triggers keep (migration 20261125100000), plus
   * the user's own shared tickets elsewhere (an establishment they have left), counted.
   */
  sharedCount(scope: Scope, managed: number[], userId: number, statuses: readonly Status[]): Sql {
    const kept = sql`SELECT sum(n) FROM ticket_shared_counts WHERE ${inList('establishment_id', managed)} AND ${statusIn('status', statuses)}`;
    const ownElsewhere = sql`t.visibility = ${'managers'} AND ${statusIn('t.status', statuses)}
      AND (t.requester_id = ${userId} OR t.beneficiary_id = ${userId}) AND ${notInList('t.establishment_id', managed)}`;
    return sql`coalesce((${kept}), 0) + (SELECT count(*) FROM tickets AS t WHERE ${listWhere(scope.where, ownElsewhere)})`;
  }

  /**
   * Tickets in these queues by status, read from the counts the triggers keep (migration
   * 20261124100200): unassigned, assigned to someone else than `agentId`, or all of them. A
   * column for `countTabs`, so that a board's counts are one statement.
   */
  queueCount(queues: number[], agentId: number, statuses: readonly string[], which: 'unassigned' | 'others' | 'all'): Sql {
    const assignee = { unassigned: sql`AND agent_key = 0`, others: sql`AND agent_key NOT IN (0, ${agentId})`, all: sql`` }[which];
    return sql`SELECT coalesce(sum(n), 0) FROM ticket_queue_counts WHERE ${inList('queue_team_id', queues)} AND ${inList('status', statuses)} ${assignee}`;
  }

  async listTab(
    scope: Scope,
    tab: TabFilter,
    opts: { sort: SortKey; q: string; limit: number; offset: number },
    /** The tab's count, when the caller already has it (no text filter): not counted twice. */
    knownTotal?: Promise<number>,
  ): Promise<{ rows: TicketListRow[]; total: number }> {
    // The page's ids first (sorted from an index), then their rows and names: the joins touch
    // 20 tickets, not every ticket of the tab.
    const rows = rowsOf<TicketListRow>(this.db, sql`${LIST_ROW} WHERE t.id IN (${this.pageIds(scope, tab, opts)}) ${orderBy(opts.sort)}`);
    const total =
      !opts.q && knownTotal
        ? knownTotal
        : rowsOf<{ n: number }>(this.db, sql`SELECT count(*) AS n FROM tickets AS t WHERE ${listWhere(scope.where, tab, opts.q)}`).then(([{ n }]) => Number(n));
    const [list, n] = await Promise.all([rows, total]);
    return { rows: list, total: n };
  }

  /**
   * The ids of a list's page. With a scope of several branches (the requester's own tickets,
   * those for them, their establishments' shared ones), each branch takes its first
   * offset + limit tickets in the list's order, from its own index, and the page is cut from
   * their union: an OR of the branches made SQLite gather and sort every ticket they reach
   * (thousands, for a large establishment's "Partagés").
   */
  private pageIds(scope: Scope, tab: TabFilter, opts: { sort: SortKey; q: string; limit: number; offset: number }): Sql {
    if (scope.branches.length < 2) {
      return sql`SELECT t.id FROM tickets AS t WHERE ${listWhere(scope.where, tab, opts.q)} ${orderBy(opts.sort)} LIMIT ${wholeNumber(opts.limit)} OFFSET ${wholeNumber(opts.offset)}`;
    }
    const columns = raw(SORTS[opts.sort].map(([column]) => `t.${column}`).join(', '));
    // SQLite takes ORDER BY and LIMIT in a compound's member only inside a subquery.
    const members = scope.branches.map(
      (branch) => sql`SELECT * FROM (SELECT ${columns} FROM tickets AS t WHERE ${listWhere(branch, tab, opts.q)} ${orderBy(opts.sort)} LIMIT ${wholeNumber(opts.offset + opts.limit)}) AS b`,
    );
    return sql`SELECT m.id FROM (${join(members, ' UNION ')}) AS m ${orderBy(opts.sort, 'm')} LIMIT ${wholeNumber(opts.limit)} OFFSET ${wholeNumber(opts.offset)}`;
  }

  /** Open tickets on a service that the user may see (the duplicate hint of the form). */
  openOnService(user: CurrentUser, serviceId: number, statuses: readonly string[]): Promise<TicketListRow[]> {
    return whereSql(this.db('tickets as t'), requesterScope(user, 't').where)
      .whereIn('t.status', statuses)
      .whereIn('t.subcategory_id', this.db('cat_subcategories').where('parent_id', serviceId).select('id'))
      .join('users as r', 'r.id', 't.requester_id')
      .join('establishments as e', 'e.id', 't.establishment_id')
      .select([...LIST_COLUMNS, this.db.raw(REQUESTER_NAME)])
      .orderBy('t.created_at', 'desc')
      .limit(10);
  }

  /** One ticket by reference with its names, no visibility check: callers apply access.ts. */
  async findDetailByRef(ref: string, db: Knex = this.db): Promise<TicketDetail | undefined> {
    const [row] = await rowsOf<TicketDetail>(db, sql`${DETAIL} WHERE t.ref = ${ref}`);
    return row;
  }

  async findDetailById(id: number, db: Knex = this.db): Promise<TicketDetail | undefined> {
    const [row] = await rowsOf<TicketDetail>(db, sql`${DETAIL} WHERE t.id = ${id}`);
    return row;
  }

  /**
   * The detail the ticket `row` will have once written, read before it is: id 0, an empty
   * reference and the first version, the names from the same joins as a written ticket's.
   * Undefined when a row it refers to (requester, establishment…) does not exist.
   */
  async previewDetail(row: NewTicketRow): Promise<TicketDetail | undefined> {
    const columns = Object.entries({ ...row, id: 0, ref: '', version: 1 }).map(([name, value]) => sql`${value} AS ${raw(identifier(name))}`);
    const [detail] = await rowsOf<TicketDetail>(this.db, detailOf(sql`(SELECT ${join(columns, ', ')})`));
    return detail;
  }

  journal(ticketId: number, visibilities: readonly string[]): Promise<JournalEntryView[]> {
    return rowsOf(
      this.db,
      sql`SELECT j.*, ${raw(fullName('u'))} AS author_name
          FROM journal_entries AS j JOIN users AS u ON u.id = j.author_id
          WHERE j.ticket_id = ${ticketId} AND ${inList('j.visibility', visibilities)}
          ORDER BY j.created_at DESC, j.id DESC`,
    );
  }

  attachments(ticketId: number, includePrivate: boolean): Promise<Array<AttachmentRow & { uploader_name: string }>> {
    return rowsOf(
      this.db,
      sql`SELECT a.*, ${raw(fullName('u'))} AS uploader_name
          FROM attachments AS a JOIN users AS u ON u.id = a.uploader_id
          WHERE a.ticket_id = ${ticketId} ${includePrivate ? sql`` : sql`AND a.private = 0`}
          ORDER BY a.id`,
    );
  }

  async insertTicket(trx: Knex.Transaction, row: NewTicketRow): Promise<number> {
    const [{ id }] = await rowsOf<{ id: number }>(trx, sql`${insertRows('tickets', [row])} RETURNING id`);
    return id;
  }

  /** Write fields only if nobody changed the ticket since it was read (optimistic lock). */
  async updateIfVersion(trx: Knex.Transaction, id: number, version: number, fields: Partial<TicketRow>): Promise<boolean> {
    const n = await trx('tickets')
      .where({ id, version })
      .update({ ...fields, version: version + 1 });
    return n === 1;
  }

  async insertHistory(
    trx: Knex.Transaction,
    row: { ticket_id: number; actor_id: number | null; event: string; from_status?: string | null; to_status?: string | null; details?: unknown; created_at: string },
  ): Promise<void> {
    const { from_status = null, to_status = null, details = {}, ...rest } = row;
    await rowsOf(trx, insertRows('ticket_history', [{ ...rest, from_status, to_status, details: JSON.stringify(details) }]));
  }

  async insertJournal(
    trx: Knex.Transaction,
    row: { ticket_id: number; author_id: number; visibility: 'public' | 'private'; body: string; created_at: string },
  ): Promise<number> {
    const [{ id }] = await trx('journal_entries').insert(row).returning('id');
    return id;
  }

  /** Colleagues who may be a beneficiary: active users of these establishments. */
  colleagues(establishmentIds: number[]): Promise<Array<{ id: number; name: string; establishment_id: number }>> {
    if (establishmentIds.length === 0) return Promise.resolve([]);
    return this.db('users as u')
      .join('user_establishments as ue', 'ue.user_id', 'u.id')
      .whereIn('ue.establishment_id', establishmentIds)
      .where('u.active', true)
      .orderBy(['u.last_name', 'u.first_name'])
      .select(['u.id', this.db.raw("u.last_name || ' ' || u.first_name as name"), 'ue.establishment_id']);
  }

  async isMemberOf(userId: number, establishmentId: number): Promise<boolean> {
    const row = await this.db('user_establishments as ue')
      .join('users as u', 'u.id', 'ue.user_id')
      .where({ 'ue.user_id': userId, 'ue.establishment_id': establishmentId, 'u.active': true })
      .first('ue.user_id');
    return !!row;
  }

  businessTeams(): Promise<Array<{ id: number; name: string }>> {
    return this.db('teams').where({ business: true, active: true }).orderBy('name').select('id', 'name');
  }

  async findAttachment(id: number): Promise<AttachmentRow | undefined> {
    return this.db('attachments').where({ id }).first();
  }

  async findTicketById(id: number): Promise<TicketRow | undefined> {
    return this.db('tickets').where({ id }).first();
  }

  history(ticketId: number): Promise<Array<TicketHistoryRow & { actor_name: string | null }>> {
    return this.db('ticket_history as h')
      .leftJoin('users as u', 'u.id', 'h.actor_id')
      .where('h.ticket_id', ticketId)
      .orderBy([{ column: 'h.created_at', order: 'desc' }, { column: 'h.id', order: 'desc' }])
      .select(['h.*', this.db.raw(`${fullName('u')} as actor_name`)]);
  }

  /** Active agents of a team: who a ticket may be assigned to. */
  teamAgents(teamId: number): Promise<Array<{ id: number; name: string }>> {
    return this.db('team_members as tm')
      .join('users as u', 'u.id', 'tm.user_id')
      .join('user_roles as r', (j) => j.on('r.user_id', '=', 'u.id').andOnVal('r.role', '=', 'agent'))
      .where({ 'tm.team_id': teamId, 'u.active': true })
      .orderBy(['u.last_name', 'u.first_name'])
      .select(['u.id', this.db.raw(`${fullName('u')} as name`)]);
  }

  /** Support teams a ticket may be dispatched to (not the business teams). */
  supportTeams(): Promise<Array<{ id: number; name: string }>> {
    return this.db('teams').where({ business: false, active: true }).orderBy('name').select('id', 'name');
  }

  async userName(id: number): Promise<string | null> {
    const u = await this.db('users').where({ id }).first('first_name', 'last_name');
    return u ? `${u.first_name} ${u.last_name}` : null;
  }

  satisfaction(ticketId: number): Promise<{ rating: number | null; comment: string; source: string } | undefined> {
    return this.db('satisfaction').where({ ticket_id: ticketId }).first('rating', 'comment', 'source');
  }
}
