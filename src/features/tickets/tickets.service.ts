import type { Knex } from 'knex';
import type { CurrentUser } from '../auth/current-user.js';
import type { CatalogueRepo, SubcategoryPath } from '../catalogue/catalogue.repo.js';
import { typesOf } from '../catalogue/catalogue.service.js';
import type { SettingsService } from '../admin/settings.service.js';
import type { AttachmentsService, IncomingFile } from '../attachments/attachments.service.js';
import { ConflictError, NotFoundError, ValidationError } from '../../http/errors.js';
import type { FieldErrors } from '../../http/validation.js';
import { actorsFor, canSeeAsAgent, canSeeAsRequester, managedEstablishmentIds, requesterScope } from './access.js';
import type { TicketEventBus } from './events.js';
import type { WriteBatch } from '../../db/write-batch.js';
import { allOf, sql } from '../../db/sql.js';
import { allowedActions, can, nextStatus, type Action } from './lifecycle.js';
import type { NewTicketRow, SortKey, TabFilter, TicketsRepo } from './tickets.repo.js';
import type { CreateTicketInput } from './tickets.schemas.js';
import {
  computePriority, DONE_STATUSES, formatRef, IN_PROGRESS_STATUSES, OPEN_STATUSES, statusIn, WAITING_STATUSES, type Kind, type Status,
} from './vocabulary.js';

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

/** The statuses of each board: its "Partagés" tab lists them, and its count reads them. */
const BOARD_STATUSES: Record<Board, Status[]> = { en_cours: IN_PROGRESS_STATUSES, traites: DONE_STATUSES };

/** The dashboards' tabs (SPEC §7, §8), as filters on top of the visibility scope. */
export function dashboardTabs(user: CurrentUser, board: Board): Record<string, TabFilter> {
  const me = user.id;
  const mine = sql`t.requester_id = ${me} AND t.beneficiary_id = ${me}`;
  const forSomeoneElse = sql`(t.requester_id = ${me} AND NOT t.beneficiary_id = ${me}) OR (t.beneficiary_id = ${me} AND NOT t.requester_id = ${me})`;
  const involved = sql`t.requester_id = ${me} OR t.beneficiary_id = ${me}`;
  const shared = sql`t.visibility = ${'managers'}`;
  if (board === 'en_cours') {
    return {
      ouverts: allOf([mine, statusIn('t.status', OPEN_STATUSES)]),
      attente: allOf([mine, statusIn('t.status', WAITING_STATUSES)]),
      beneficiaire: allOf([forSomeoneElse, statusIn('t.status', IN_PROGRESS_STATUSES)]),
      partages: allOf([shared, statusIn('t.status', BOARD_STATUSES.en_cours)]),
    };
  }
  return {
    resolus: allOf([involved, sql`t.status = ${'resolue'}`]),
    fermes: allOf([involved, sql`t.status = ${'fermee'}`]),
    partages: allOf([shared, statusIn('t.status', BOARD_STATUSES.traites)]),
  };
}

export interface TicketsServiceDeps {
  db: Knex;
  /** Ticket creations, committed together when they come at once (src/db/write-batch.ts). */
  creations: WriteBatch;
  tickets: TicketsRepo;
  catalogue: CatalogueRepo;
  settings: SettingsService;
  attachments: AttachmentsService;
  events: TicketEventBus;
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

  /** What the form needs besides the sub-category: lists and the duplicate hint. */
  async formContext(user: CurrentUser, path: SubcategoryPath | null) {
    const establishmentIds = user.establishments.map((e) => e.id);
    const [colleagues, businessTeams, duplicates] = await Promise.all([
      this.deps.tickets.colleagues(establishmentIds),
      this.deps.tickets.businessTeams(),
      path ? this.deps.tickets.openOnService(user, path.serviceId, IN_PROGRESS_STATUSES) : Promise.resolve([]),
    ]);
    return { colleagues: colleagues.filter((c) => c.id !== user.id), businessTeams, duplicates };
  }

  /** "Valider": checks what the form cannot, then writes ticket, history and files together. */
  async create(user: CurrentUser, input: CreateTicketInput, files: IncomingFile[], uploadError?: string): Promise<{ ref: string }> {
    const { tickets, attachments, settings, events, creations } = this.deps;
    const errors: FieldErrors = {};
    const path = await this.fileableSubcategory(user, input.subcategory_id, input.kind);
    if (!path) errors._form = ticketMessages.subcategoryGone;
    if (!user.establishments.some((e) => e.id === input.establishment_id)) errors.establishment_id = ticketMessages.establishment;
    const beneficiaryId = input.beneficiary_id ?? user.id;
    if (!errors.establishment_id && beneficiaryId !== user.id && !(await tickets.isMemberOf(beneficiaryId, input.establishment_id))) {
      errors.beneficiary_id = ticketMessages.beneficiary;
    }
    if (input.business_team_id !== undefined) {
      const teams = await tickets.businessTeams();
      if (!teams.some((t) => t.id === input.business_team_id)) errors.business_team_id = ticketMessages.businessTeam;
    }
    if (uploadError) errors.attachments = uploadError;
    const checked = await attachments.check(files);
    if (checked.errors.length > 0) errors.attachments = checked.errors.join(' ');
    if (Object.keys(errors).length > 0 || !path) throw new ValidationError(errors);

    const { priority_matrix } = await settings.all();
    const now = this.deps.now().toISOString();
    const status = path.teamId ? 'affectee' : 'nouvelle';
    const row: NewTicketRow = {
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
    // The mails are read and rendered from the ticket as it will be written, before the
    // transaction: it holds the single writer, and then only writes.
    const preview = await tickets.previewDetail(row);
    const prepared = preview ? await events.prepare('created', preview, user.id) : undefined;
    // The files too are moved first: inside, the transaction only records them.
    const stored = await attachments.store(checked.ok);
    try {
      // Run together with the creations that wait for the writer with it (group commit).
      const id = await creations.run(async (trx) => {
        const id = await tickets.insertTicket(trx, row);
        // Independent statements on the transaction's connection: sent together, run in turn.
        await Promise.all([
          attachments.record(trx, stored, { ticketId: id, uploaderId: user.id, now }),
          tickets.insertHistory(trx, { ticket_id: id, actor_id: user.id, event: 'created', from_status: null, to_status: status, details: { team_id: path.teamId }, created_at: now }),
          events.emit(trx, { event: 'created', ticketId: id, actorId: user.id, data: { teamId: path.teamId } }, prepared),
        ]);
        return id;
      });
      // The insert set the reference itself (a trigger), from the id.
      return { ref: formatRef(id) };
    } catch (err) {
      await stored.undo();
      throw err;
    }
  }

  async dashboard(user: CurrentUser, board: Board, tab: string, opts: { sort: SortKey; q: string; limit: number; offset: number }) {
    const tabs = dashboardTabs(user, board);
    const current = tab in tabs ? tab : Object.keys(tabs)[0];
    const scope = requesterScope(user, 't');
    // "Partagés" is listed with its tab filter but counted from the kept counts.
    const { partages: _listedOnly, ...counted } = tabs;
    const shared = this.deps.tickets.sharedCount(scope, managedEstablishmentIds(user), user.id, BOARD_STATUSES[board]);
    const counting = this.deps.tickets.countTabs(scope, counted, { partages: shared });
    const [counts, list] = await Promise.all([counting, this.deps.tickets.listTab(scope, tabs[current], opts, counting.then((c) => c[current]))]);
    return { tab: current, counts, ...list };
  }

  /** The requester's page of a ticket: public journal and public files only. */
  async requesterView(user: CurrentUser, ref: string) {
    const ticket = await this.deps.tickets.findDetailByRef(ref);
    if (!ticket || !canSeeAsRequester(user, ticket)) throw new NotFoundError();
    const [journal, files] = await Promise.all([
      this.deps.tickets.journal(ticket.id, ['public']),
      this.deps.tickets.attachments(ticket.id, false),
    ]);
    const actors = actorsFor(user, ticket, await this.platformTeamId()).filter((a) => a === 'requester');
    const actions = allowedActions(ticket.status, actors);
    return { ticket, journal, files, actions };
  }

  /** "Mise à jour" (or the answer to "À compléter"): a public message and/or files. */
  async addRequesterUpdate(user: CurrentUser, ref: string, message: string, files: IncomingFile[], uploadError?: string): Promise<Action> {
    const { db, tickets, attachments, events } = this.deps;
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
    let undoFiles: (() => Promise<void>) | null = null;
    try {
      await db.transaction(async (trx) => {
        const ok = await tickets.updateIfVersion(trx, ticket.id, ticket.version, { status: to, updated_at: now });
        if (!ok) throw new ConflictError(ticketMessages.concurrent);
        const entryId = message
          ? await tickets.insertJournal(trx, { ticket_id: ticket.id, author_id: user.id, visibility: 'public', body: message, created_at: now })
          : null;
        undoFiles = await attachments.keep(trx, checked.ok, { ticketId: ticket.id, uploaderId: user.id, journalEntryId: entryId, now });
        const event = action === 'answer' ? 'requester_answered' : 'requester_updated';
        await tickets.insertHistory(trx, {
          ticket_id: ticket.id, actor_id: user.id, event, from_status: ticket.status, to_status: to,
          details: { files: checked.ok.map((f) => f.name) }, created_at: now,
        });
        await events.emit(trx, { event, ticketId: ticket.id, actorId: user.id, data: { agentId: ticket.agent_id, entryId } });
      });
    } catch (err) {
      if (undoFiles) await (undoFiles as () => Promise<void>)();
      throw err;
    }
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
