import type { SlaService } from '../sla/sla.service.js';
import type { ClockColumns } from '../sla/clock.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { CatalogueRepo, SubcategoryPath } from '../catalogue/catalogue.repo.js';
import { typesOf } from '../catalogue/catalogue.service.js';
import type { SettingsRepo } from '../admin/settings.repo.js';
import type { AttachmentsService, IncomingFile } from '../attachments/attachments.service.js';
import type { Transactions, Trx } from '../../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../http/errors.js';
import type { FieldErrors } from '../../http/validation.js';
import { actorsFor, canSeeAsAgent, canSeeAsRequester, requesterScope, type TabRule } from './access.js';
import type { TicketEventBus } from './events.js';
import { allowedActions, can, nextStatus, type Action } from './lifecycle.js';
import type { ListOptions, NewTicketRow, TicketsRepo } from './tickets.repo.js';
import type { CreateTicketInput } from './tickets.schemas.js';
import { computePriority, DONE_STATUSES, IN_PROGRESS_STATUSES, OPEN_STATUSES, WAITING_STATUSES, type Kind } from './vocabulary.js';

export const ticketMessages = {
  subcategoryGone: "Cette sous-catégorie de service n'existe pas ou n'est plus proposée. Choisissez un service dans « Nouveau ticket ».",
  kindRefused: "Ce service n'accepte pas ce type de demande.",
  establishment: "Choisissez l'un de vos établissements.",
  beneficiary: 'Le bénéficiaire doit être un collègue de l’établissement concerné.',
  businessTeam: "Cette équipe métier n'existe pas.",
  emptyUpdate: 'Écrivez un message ou joignez au moins un fichier.',
  closed: 'Ce ticket est fermé : il ne peut plus être mis à jour. Créez un nouveau ticket si le problème persiste.',
  notAllowed: "Cette action n'est pas possible sur ce ticket dans son état actuel.",
  concurrent: 'Ce ticket a été modifié entre-temps. Rechargez la page : vos saisies ci-dessous sont conservées.',
} as const;

export type Board = 'en_cours' | 'traites';

/** The dashboards' tabs (SPEC §7, §8): rules within the requester's scope. */
export function dashboardTabs(user: CurrentUser, board: Board): Record<string, TabRule> {
  const me = user.id;
  const mine = [{ requester_id: me, beneficiary_id: me }];
  const forSomeoneElse = [{ requester_id: me, beneficiary_id: { not: [me] } }, { beneficiary_id: me, requester_id: { not: [me] } }];
  const involved = [{ requester_id: me }, { beneficiary_id: me }];
  const shared = [{ visibility: 'managers' }];
  if (board === 'en_cours') {
    return {
      ouverts: { branches: mine, statuses: OPEN_STATUSES },
      attente: { branches: mine, statuses: WAITING_STATUSES },
      beneficiaire: { branches: forSomeoneElse, statuses: IN_PROGRESS_STATUSES },
      partages: { branches: shared, statuses: IN_PROGRESS_STATUSES },
    };
  }
  return {
    resolus: { branches: involved, statuses: ['resolue'] },
    fermes: { branches: involved, statuses: ['fermee'] },
    partages: { branches: shared, statuses: DONE_STATUSES },
  };
}

export interface TicketsServiceDeps {
  db: Transactions;
  tickets: TicketsRepo;
  catalogue: CatalogueRepo;
  settings: SettingsRepo;
  attachments: AttachmentsService;
  events: TicketEventBus;
  sla: SlaService;
  now: () => Date;
}

export class TicketsService {
  constructor(private readonly deps: TicketsServiceDeps) {}

  private async platformTeamId(): Promise<number | null> {
    return (await this.deps.settings.all()).platform_team_id;
  }

  /** A sub-category the user may file under, or null. */
  async fileableSubcategory(user: CurrentUser, subcategoryId: number, kind: Kind): Promise<SubcategoryPath | null> {
    const path = await this.deps.catalogue.subcategoryPath(subcategoryId);
    if (!path || !path.active) return null;
    const types = typesOf(user);
    if (!path.establishmentTypes.some((t) => types.includes(t))) return null;
    if (kind === 'incident' ? !path.acceptsIncident : !path.acceptsRequest) return null;
    return path;
  }

  /** The sub-category of tickets opened by mail (mail_intake_subcategory_id), whatever users may browse. */
  private async mailIntake(): Promise<SubcategoryPath | null> {
    const id = (await this.deps.settings.all()).mail_intake_subcategory_id;
    return id === null ? null : ((await this.deps.catalogue.subcategoryPath(id)) ?? null);
  }

  /** What the form needs besides the sub-category: lists and the duplicate hint. */
  async formContext(user: CurrentUser, path: SubcategoryPath | null) {
    const establishmentIds = user.establishments.map((e) => e.id);
    const [colleagues, businessTeams, duplicates] = await Promise.all([
      this.deps.tickets.colleagues(establishmentIds),
      this.deps.tickets.teams('business'),
      path ? this.deps.tickets.openOnService(requesterScope(user), path.serviceId, IN_PROGRESS_STATUSES) : Promise.resolve([]),
    ]);
    return { colleagues: colleagues.filter((c) => c.id !== user.id), businessTeams, duplicates };
  }

  /**
   * "Valider": checks what the form cannot, then writes ticket, history, files and mails in one
   * transaction. A ticket opened by mail (`fromMail`) goes to the sub-category kept for them,
   * which users never browse, and `alsoInTransaction` records the mail with it.
   */
  async create(
    user: CurrentUser, input: CreateTicketInput, files: IncomingFile[], uploadError?: string,
    opts: { fromMail?: boolean; alsoInTransaction?: (trx: Trx, ticketId: number) => Promise<void> } = {},
  ): Promise<{ ref: string }> {
    const { db, tickets, attachments, settings, events, sla } = this.deps;
    const errors: FieldErrors = {};
    const path = opts.fromMail ? await this.mailIntake() : await this.fileableSubcategory(user, input.subcategory_id, input.kind);
    if (!path) errors._form = ticketMessages.subcategoryGone;
    if (!user.establishments.some((e) => e.id === input.establishment_id)) errors.establishment_id = ticketMessages.establishment;
    const beneficiaryId = input.beneficiary_id ?? user.id;
    if (!errors.establishment_id && beneficiaryId !== user.id && !(await tickets.isMemberOf(beneficiaryId, input.establishment_id))) {
      errors.beneficiary_id = ticketMessages.beneficiary;
    }
    if (input.business_team_id !== undefined) {
      const teams = await tickets.teams('business');
      if (!teams.some((t) => t.id === input.business_team_id)) errors.business_team_id = ticketMessages.businessTeam;
    }
    if (uploadError) errors.attachments = uploadError;
    const checked = await attachments.check(files);
    if (checked.errors.length > 0) errors.attachments = checked.errors.join(' ');
    if (Object.keys(errors).length > 0 || !path) throw new ValidationError(errors);

    const { priority_matrix } = await settings.all();
    const now = this.deps.now().toISOString();
    const status = path.teamId ? 'affectee' : 'nouvelle';
    const row: Omit<NewTicketRow, keyof ClockColumns> = {
      kind: input.kind,
      requester_id: user.id,
      beneficiary_id: beneficiaryId,
      establishment_id: input.establishment_id,
      visibility: input.visibility,
      subcategory_id: path.subcategoryId,
      domain_name: path.domain,
      group_name: path.group,
      family_name: path.family,
      service_name: path.service,
      subcategory_name: path.subcategory,
      business_team_id: input.business_team_id ?? null,
      team_id: path.teamId,
      agent_id: null,
      subject: input.subject,
      detail: input.detail,
      phone: input.phone,
      availability: input.availability,
      impact: input.impact,
      urgency: input.urgency,
      priority: computePriority(priority_matrix, input.impact, input.urgency),
      status,
      created_at: now,
      updated_at: now,
      resolved_at: null,
      closed_at: null,
    };
    return attachments.keepWith(checked.ok, (stored) =>
      db.transaction(async (trx) => {
        const id = await tickets.insertTicket(trx, { ...row, ...(await sla.started(trx, row, path.serviceId, now)) });
        await stored.record(trx, { ticketId: id, uploaderId: user.id, now });
        await tickets.insertHistory(trx, {
          ticket_id: id, actor_id: user.id, event: 'created', from_status: null, to_status: status, details: { team_id: path.teamId }, created_at: now, sla_tto_s: 0, sla_ttr_s: 0,
        });
        await events.emit(trx, { event: 'created', ticketId: id, actorId: user.id, data: { teamId: path.teamId } });
        await opts.alsoInTransaction?.(trx, id);
        return { ref: await tickets.refOf(trx, id) };
      }),
    );
  }

  async dashboard(user: CurrentUser, board: Board, tab: string, opts: ListOptions) {
    const tabs = dashboardTabs(user, board);
    const current = tab in tabs ? tab : Object.keys(tabs)[0];
    const scope = requesterScope(user);
    const counting = this.deps.tickets.countTabs(scope, tabs);
    const [counts, list] = await Promise.all([counting, this.deps.tickets.listTab(scope, tabs[current], opts, counting.then((c) => c[current]))]);
    return { tab: current, counts, ...list };
  }

  /** The requester's page of a ticket: public journal and public files only. */
  async requesterView(user: CurrentUser, ref: string) {
    const ticket = await this.deps.tickets.findDetailByRef(ref);
    if (!ticket || !canSeeAsRequester(user, ticket)) throw new NotFoundError();
    const [journal, files] = await Promise.all([
      this.deps.tickets.journal(ticket.id, 'public'),
      this.deps.tickets.attachments(ticket.id, false),
    ]);
    const actors = actorsFor(user, ticket, await this.platformTeamId()).filter((a) => a === 'requester');
    const actions = allowedActions(ticket.status, actors);
    return { ticket, journal, files, actions };
  }

  /** "Mise à jour" (or the answer to "À compléter"): a public message and/or files. */
  /**
   * `alsoInTransaction` runs in the update's own transaction: a mail that brought the update is
   * recorded as handled if and only if the update is.
   */
  async addRequesterUpdate(
    user: CurrentUser, ref: string, message: string, files: IncomingFile[], uploadError?: string,
    alsoInTransaction?: (trx: Trx, ticketId: number) => Promise<void>,
  ): Promise<Action> {
    const { db, tickets, attachments, events, sla } = this.deps;
    const ticket = await tickets.findDetailByRef(ref);
    if (!ticket || !canSeeAsRequester(user, ticket)) throw new NotFoundError();
    const actors = actorsFor(user, ticket, await this.platformTeamId()).filter((a) => a === 'requester');
    const action: Action | null = can('answer', ticket.status, actors) ? 'answer' : can('update', ticket.status, actors) ? 'update' : null;
    if (!action) throw new ConflictError(ticket.status === 'fermee' ? ticketMessages.closed : ticketMessages.notAllowed);
    const errors: FieldErrors = {};
    if (uploadError) errors.attachments = uploadError;
    const checked = await attachments.check(files);
    if (checked.errors.length > 0) errors.attachments = checked.errors.join(' ');
    if (!message && files.length === 0 && !uploadError) errors.message = ticketMessages.emptyUpdate;
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);

    const now = this.deps.now().toISOString();
    const to = nextStatus(action, ticket.status, actors);
    const event = action === 'answer' ? 'requester_answered' : 'requester_updated';
    await attachments.keepWith(checked.ok, (stored) =>
      db.transaction(async (trx) => {
        const clocks = await sla.changed(trx, ticket, to, now);
        if (!(await tickets.updateIfVersion(trx, ticket.id, ticket.version, { status: to, updated_at: now, ...clocks.columns }))) throw new ConflictError(ticketMessages.concurrent);
        const entryId = message
          ? await tickets.insertJournal(trx, { ticket_id: ticket.id, author_id: user.id, visibility: 'public', body: message, created_at: now })
          : null;
        await stored.record(trx, { ticketId: ticket.id, uploaderId: user.id, journalEntryId: entryId, now });
        await tickets.insertHistory(trx, {
          ticket_id: ticket.id, actor_id: user.id, event, from_status: ticket.status, to_status: to,
          details: { files: checked.ok.map((f) => f.name) }, created_at: now, ...clocks.record,
        });
        await events.emit(trx, { event, ticketId: ticket.id, actorId: user.id, data: { agentId: ticket.agent_id, entryId } });
        await alsoInTransaction?.(trx, ticket.id);
      }),
    );
    return action;
  }

  /** An attachment its reader may download: public ones on the requester side, all on the agent side. */
  async attachmentFor(user: CurrentUser, attachmentId: number) {
    const file = await this.deps.tickets.findAttachment(attachmentId);
    if (!file) throw new NotFoundError();
    const ticket = await this.deps.tickets.findTicketById(file.ticket_id);
    if (!ticket) throw new NotFoundError();
    const asAgent = canSeeAsAgent(user, ticket, await this.platformTeamId());
    const asRequester = canSeeAsRequester(user, ticket) && !file.private;
    if (!asAgent && !asRequester) throw new NotFoundError();
    return { file, path: this.deps.attachments.filePath(file) };
  }
}
