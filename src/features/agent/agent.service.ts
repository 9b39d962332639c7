import type { SlaService } from '../sla/sla.service.js';
import type { Transactions, Trx } from '../../db/database.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { SettingsRepo } from '../admin/settings.repo.js';
import type { AttachmentsService, IncomingFile } from '../attachments/attachments.service.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../http/errors.js';
import type { FieldErrors } from '../../http/validation.js';
import { actorsFor, agentQueues, agentScope, canSeeAsAgent, type TabRule } from '../tickets/access.js';
import type { TicketEvent, TicketEventBus, TicketEventPayload } from '../tickets/events.js';
import { ACTION_LABELS, allowedActions, nextStatus, refusal, type Action } from '../tickets/lifecycle.js';
import type { ListOptions, TicketDetail, TicketsRepo } from '../tickets/tickets.repo.js';
import type { TicketRow } from '../../db/tables.js';
import { computePriority, IN_PROGRESS_STATUSES, DONE_STATUSES, IMPACT_LABELS, URGENCY_LABELS, STATUS_LABELS, type Status } from '../tickets/vocabulary.js';
import type { ConsoleActionInput } from './agent.schemas.js';

export const agentMessages = {
  concurrent: 'Ce ticket a été modifié entre-temps. Vos saisies sont conservées ci-dessous : vérifiez le ticket et recommencez.',
  wrongStatus: (label: string, status: string) => `« ${label} » n'est pas possible sur un ticket au statut « ${status} ».`,
  notYours: (label: string) => `« ${label} » est réservé à l'agent en charge du ticket.`,
  needQuestion: 'Écrivez dans le Journal demandeur la question posée au demandeur.',
  needSolution: 'Décrivez la solution : elle est transmise au demandeur.',
  needAssignee: 'Choisissez le membre de l’équipe à qui assigner le ticket.',
  badAssignee: "Cette personne n'est pas agent de l'équipe du ticket.",
  needTeam: 'Choisissez l’équipe à qui affecter le ticket.',
  badTeam: "Cette équipe n'existe pas ou est déjà celle du ticket.",
  done: {
    take: 'Vous avez pris en charge le ticket.',
    assign: 'Le ticket a été assigné.',
    dispatch: 'Le ticket a été affecté à une autre équipe.',
    save: 'Les modifications ont été enregistrées.',
    hold: 'Le ticket est en attente.',
    request_info: 'La demande de complément a été envoyée au demandeur.',
    resolve: 'Le ticket est résolu : la solution a été envoyée au demandeur.',
  } as Record<string, string>,
} as const;

export type AgentBoard = 'en_cours' | 'resolus';

/** The agent portal's lists (seed 002): rules within the agent's scope. */
export function agentTabs(user: CurrentUser, platformTeamId: number | null, board: AgentBoard): Record<string, TabRule> {
  const me = user.id;
  const queues = agentQueues(user, platformTeamId);
  if (board === 'en_cours') {
    return {
      mes_tickets: { branches: [{ agent_id: me }], statuses: IN_PROGRESS_STATUSES },
      a_prendre: { branches: [{ queue_team_id: queues, agent_id: null }], statuses: IN_PROGRESS_STATUSES },
      equipe: { branches: [{ queue_team_id: queues, agent_id: { not: [me] } }], statuses: IN_PROGRESS_STATUSES },
    };
  }
  return {
    par_moi: { branches: [{ agent_id: me }], statuses: DONE_STATUSES },
    equipe: { branches: [{ queue_team_id: queues }], statuses: DONE_STATUSES },
  };
}

export interface AgentServiceDeps {
  db: Transactions;
  tickets: TicketsRepo;
  settings: SettingsRepo;
  attachments: AttachmentsService;
  events: TicketEventBus;
  sla: SlaService;
  now: () => Date;
}

export class AgentService {
  constructor(private readonly deps: AgentServiceDeps) {}

  private async platformTeamId(): Promise<number | null> {
    return (await this.deps.settings.all()).platform_team_id;
  }

  async board(user: CurrentUser, board: AgentBoard, tab: string, opts: ListOptions) {
    const platform = await this.platformTeamId();
    const tabs = agentTabs(user, platform, board);
    const current = tab in tabs ? tab : Object.keys(tabs)[0];
    const scope = agentScope(user, platform);
    const counting = this.deps.tickets.countTabs(scope, tabs);
    const [counts, list] = await Promise.all([counting, this.deps.tickets.listTab(scope, tabs[current], opts, counting.then((c) => c[current]))]);
    const clocks = await this.deps.sla.standings(list.rows);
    return { tab: current, counts, total: list.total, rows: list.rows.map((r) => ({ ...r, clocks: clocks.get(r.id) ?? null })) };
  }

  /** A ticket this agent may work, or 404. */
  private async ticketFor(user: CurrentUser, ref: string): Promise<{ ticket: TicketDetail; platform: number | null }> {
    const platform = await this.platformTeamId();
    const ticket = await this.deps.tickets.findDetailByRef(ref);
    if (!ticket || !canSeeAsAgent(user, ticket, platform)) throw new NotFoundError();
    return { ticket, platform };
  }

  /** The console: everything about the ticket, both journals, the history and the actions that apply. */
  async console(user: CurrentUser, ref: string) {
    const { ticket, platform } = await this.ticketFor(user, ref);
    const { tickets } = this.deps;
    const queueTeam = ticket.team_id ?? platform;
    const [privateJournal, publicJournal, files, history, teamAgents, teams, satisfaction] = await Promise.all([
      tickets.journal(ticket.id, 'private'),
      tickets.journal(ticket.id, 'public'),
      tickets.attachments(ticket.id, true),
      tickets.history(ticket.id),
      queueTeam ? tickets.teamAgents(queueTeam) : Promise.resolve([]),
      tickets.teams('support'),
      tickets.satisfaction(ticket.id),
    ]);
    const actions = allowedActions(ticket.status, actorsFor(user, ticket, platform)).filter((a) => AGENT_ACTIONS.includes(a));
    // The platform team first: where a wrongly dispatched ticket goes.
    const dispatchTeams = teams
      .filter((t) => t.id !== ticket.team_id)
      .sort((a, b) => (a.id === platform ? -1 : b.id === platform ? 1 : 0));
    const clocks = await this.deps.sla.standingOf(ticket);
    return { ticket, privateJournal, publicJournal, files, history, teamAgents, dispatchTeams, actions, platformTeamId: platform, satisfaction, clocks };
  }

  /**
   * One press of a console button: checked against the lifecycle, written in one transaction;
   * `alsoInTransaction` runs in it (a mail that brought the entry is recorded with it).
   */
  async perform(
    user: CurrentUser, ref: string, input: ConsoleActionInput, files: IncomingFile[], uploadError?: string,
    alsoInTransaction?: (trx: Trx, ticketId: number) => Promise<void>,
  ): Promise<Action> {
    const { ticket, platform } = await this.ticketFor(user, ref);
    const { db, tickets, attachments, events, settings, sla } = this.deps;
    const action = input.action as Action;
    const actors = actorsFor(user, ticket, platform);
    const why = refusal(action, ticket.status, actors);
    const label = ACTION_LABELS[action];
    if (why === 'status') throw new ConflictError(agentMessages.wrongStatus(label, STATUS_LABELS[ticket.status as Status]));
    if (why === 'actor') throw new ForbiddenError(agentMessages.notYours(label));
    if (input.version !== ticket.version) throw new ConflictError(agentMessages.concurrent);

    const errors: FieldErrors = {};
    const changes: Partial<TicketRow> = {};
    const details: Record<string, [unknown, unknown]> = {};
    if (action === 'request_info' && !input.public_entry) errors.public_entry = agentMessages.needQuestion;
    if (action === 'resolve' && !input.solution) errors.solution = agentMessages.needSolution;
    if (action === 'take') {
      changes.agent_id = user.id;
    }
    if (action === 'assign') {
      const queueTeam = ticket.team_id ?? platform;
      const members = queueTeam ? await tickets.teamAgents(queueTeam) : [];
      if (!input.assignee_id) errors.assignee_id = agentMessages.needAssignee;
      else if (!members.some((m) => m.id === input.assignee_id)) errors.assignee_id = agentMessages.badAssignee;
      else changes.agent_id = input.assignee_id;
    }
    if (action === 'dispatch') {
      const teams = await tickets.teams('support');
      const team = teams.find((t) => t.id === input.team_id);
      if (!input.team_id) errors.team_id = agentMessages.needTeam;
      else if (!team || team.id === ticket.team_id) errors.team_id = agentMessages.badTeam;
      else {
        changes.team_id = team.id;
        changes.agent_id = null;
        details.team = [ticket.team_name, team.name];
      }
    }
    if (uploadError) errors.attachments = uploadError;
    const checked = await attachments.check(files);
    if (checked.errors.length > 0) errors.attachments = checked.errors.join(' ');
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);

    if (changes.agent_id !== undefined && changes.agent_id !== ticket.agent_id) {
      details.agent = [ticket.agent_name, changes.agent_id === null ? null : await tickets.userName(changes.agent_id)];
    }
    const impact = input.impact ?? ticket.impact;
    const urgency = input.urgency ?? ticket.urgency;
    if (impact !== ticket.impact || urgency !== ticket.urgency) {
      const { priority_matrix } = await settings.all();
      changes.impact = impact;
      changes.urgency = urgency;
      changes.priority = computePriority(priority_matrix, impact as never, urgency as never);
      if (impact !== ticket.impact) details.impact = [IMPACT_LABELS[ticket.impact as never], IMPACT_LABELS[impact as never]];
      if (urgency !== ticket.urgency) details.urgency = [URGENCY_LABELS[ticket.urgency as never], URGENCY_LABELS[urgency as never]];
    }

    const now = this.deps.now().toISOString();
    const to = nextStatus(action, ticket.status, actors);
    changes.status = to;
    changes.updated_at = now;
    if (to === 'resolue') changes.resolved_at = now;

    await attachments.keepWith(checked.ok, (stored) =>
      db.transaction(async (trx) => {
        const clocks = await sla.changed(trx, ticket, to, now, changes.priority ?? ticket.priority);
        if (!(await tickets.updateIfVersion(trx, ticket.id, ticket.version, { ...changes, ...clocks.columns }))) throw new ConflictError(agentMessages.concurrent);
        const emitted: TicketEventPayload[] = [];
        const record = async (event: TicketEvent, extra: { from?: string; to?: string; details?: unknown; data?: Record<string, unknown> } = {}) => {
          await tickets.insertHistory(trx, {
            ticket_id: ticket.id, actor_id: user.id, event, from_status: extra.from ?? null, to_status: extra.to ?? null, details: extra.details ?? {}, created_at: now,
            ...(extra.to ? clocks.record : {}),
          });
          emitted.push({ event, ticketId: ticket.id, actorId: user.id, data: extra.data });
        };
        const journal = (visibility: 'public' | 'private', body: string) =>
          tickets.insertJournal(trx, { ticket_id: ticket.id, author_id: user.id, visibility, body, created_at: now });

        if (input.private_entry) {
          const entryId = await journal('private', input.private_entry);
          await record('private_entry', { data: { entryId } });
        }
        let publicEntryId: number | null = null;
        if (input.public_entry) {
          publicEntryId = await journal('public', input.public_entry);
          // A question asked by "Demander un complément" is that action's own message.
          if (action !== 'request_info') await record('public_entry', { data: { entryId: publicEntryId } });
        }
        let solutionId: number | null = null;
        if (action === 'resolve') solutionId = await journal('public', input.solution);

        const statusChange = { from: ticket.status, to };
        if (action === 'take' || action === 'assign') await record('assigned', { ...statusChange, details, data: { agentId: changes.agent_id } });
        if (action === 'dispatch') await record('dispatched', { ...statusChange, details, data: { teamId: changes.team_id } });
        if (action === 'hold') await record('put_on_hold', { ...statusChange, details });
        if (action === 'request_info') await record('info_requested', { ...statusChange, details, data: { entryId: publicEntryId } });
        if (action === 'resolve') await record('resolved', { ...statusChange, details, data: { entryId: solutionId } });
        if (action === 'save' && (details.impact || details.urgency)) await record('fields_changed', { details });

        if (checked.ok.length > 0) {
          const visible = input.files_public;
          await stored.record(trx, { ticketId: ticket.id, uploaderId: user.id, private: !visible, journalEntryId: visible ? publicEntryId : null, now });
          await record('attachment_added', { details: { files: checked.ok.map((f) => f.name), visible }, data: { visible } });
        }
        for (const payload of emitted) await events.emit(trx, payload);
        await alsoInTransaction?.(trx, ticket.id);
      }),
    );
    return action;
  }
}

export const AGENT_ACTIONS: Action[] = ['take', 'assign', 'dispatch', 'save', 'hold', 'request_info', 'resolve'];
