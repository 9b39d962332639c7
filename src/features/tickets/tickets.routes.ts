import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Services } from '../../services.js';
import { requireLogin } from '../../http/auth-guards.js';
import { formFailure, NotFoundError } from '../../http/errors.js';
import { setFlash } from '../../http/flash.js';
import { messages } from '../../http/messages.js';
import { uploadedFiles } from '../../http/upload.js';
import { parseForm, type FieldErrors } from '../../http/validation.js';
import type { SubcategoryPath } from '../catalogue/catalogue.repo.js';
import { CreateTicketSchema, loadBoard, NewTicketQuerySchema, parseRef, ResolutionSchema, UpdateTicketSchema } from './tickets.schemas.js';
import { resolutionMessages } from './resolution.service.js';
import type { Board } from './tickets.service.js';
import type { Kind } from './vocabulary.js';


function ticketsHandlers(services: Services) {
  const { tickets } = services;

  /** Render the form "Création de Demande Utilisateur", fresh or with what was typed and the errors. */
  async function renderForm(req: Request, res: Response, opts: { path: SubcategoryPath | null; kind: Kind; values: Record<string, unknown>; errors: FieldErrors; status?: number }) {
    const user = req.user!;
    const context = await tickets.formContext(user, opts.path);
    const hadFiles = uploadedFiles(req).length > 0;
    res.status(opts.status ?? 200).render('tickets/new', {
      title: 'Création de Demande Utilisateur',
      path: opts.path,
      kind: opts.kind,
      values: opts.values,
      errors: opts.errors,
      filesNotKept: hadFiles && Object.keys(opts.errors).length > 0,
      ...context,
    });
  }

  /** GET /assistance/tickets/nouveau — the form, pre-filled from the profile. */
  const getNew: RequestHandler = async (req, res) => {
    const query = NewTicketQuerySchema.safeParse(req.query);
    if (!query.success) throw new NotFoundError();
    const user = req.user!;
    const path = await tickets.fileableSubcategory(user, query.data.sous_categorie, query.data.type);
    if (!path) throw new NotFoundError(messages.notFound);
    const values = {
      establishment_id: String(user.establishments[0]?.id ?? ''),
      visibility: 'self',
      beneficiary_id: '',
      phone: user.phone,
      impact: 'personne',
      urgency: 'moyenne',
    };
    await renderForm(req, res, { path, kind: query.data.type, values, errors: {} });
  };

  /** POST /assistance/tickets — "Valider": create, then "Tickets en cours". */
  const postCreate: RequestHandler = async (req, res) => {
    const user = req.user!;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = parseForm(CreateTicketSchema, body);
    const kind: Kind = body.kind === 'request' ? 'request' : 'incident';
    const subId = Number(body.subcategory_id);
    if (!parsed.ok) {
      const path = Number.isInteger(subId) && subId > 0 ? await tickets.fileableSubcategory(user, subId, kind) : null;
      const errors = { ...parsed.errors };
      if (req.uploadError) errors.attachments = req.uploadError;
      if (!path) errors._form = errors._form ?? 'Cette sous-catégorie de service n’existe pas ou n’est plus proposée.';
      return renderForm(req, res, { path, kind, values: body, errors, status: 422 });
    }
    try {
      const { ref } = await tickets.create(user, parsed.data, uploadedFiles(req), req.uploadError);
      setFlash(req, 'success', messages.ticketCreated(ref));
      res.redirect(303, '/assistance/tickets/en-cours');
    } catch (err) {
      const failure = formFailure(err, res);
      if (!failure) throw err;
      const path = await tickets.fileableSubcategory(user, parsed.data.subcategory_id, parsed.data.kind);
      await renderForm(req, res, { path, kind, values: body, ...failure });
    }
  };

  /** GET /assistance/tickets/en-cours and /traites — the dashboards, tabs with counts. */
  const getBoard = (board: Board): RequestHandler => async (req, res) => {
    const base = board === 'en_cours' ? '/assistance/tickets/en-cours' : '/assistance/tickets/traites';
    const view = await loadBoard(req.query, base, (tab, opts) => tickets.dashboard(req.user!, board, tab, opts));
    res.render('tickets/board', { title: board === 'en_cours' ? 'Tickets en cours' : 'Tickets traités', board, ...view });
  };

  /** The requester's page of a ticket, fresh or with a form's input and errors. */
  async function renderTicket(req: Request, res: Response, ref: string, opts: { values?: unknown; errors?: FieldErrors; status?: number; resolutionValues?: unknown; resolutionErrors?: FieldErrors } = {}) {
    const view = await tickets.requesterView(req.user!, ref);
    const resolution = await services.resolution.state(req.user!, view.ticket);
    res.status(opts.status ?? 200).render('tickets/show', {
      title: `${view.ticket.ref} — ${view.ticket.subject}`, ...view, resolution,
      values: opts.values ?? {}, errors: opts.errors ?? {},
      resolutionValues: opts.resolutionValues ?? {}, resolutionErrors: opts.resolutionErrors ?? {},
      filesNotKept: uploadedFiles(req).length > 0 && !!opts.errors && Object.keys(opts.errors).length > 0,
    });
  }

  /** GET /assistance/tickets/:ref — the requester's page of a ticket. */
  const getTicket: RequestHandler = async (req, res) => renderTicket(req, res, parseRef(req.params.ref));

  /** GET /assistance/tickets/:ref/resolution — the link at the end of the resolution mail (through login if needed). */
  const getResolution: RequestHandler = (req, res) => res.redirect(`/assistance/tickets/${parseRef(req.params.ref)}#resolution`);

  /** POST /assistance/tickets/:ref/resolution — "Acceptation" (closes, with a rating) or "Refus" (reopens). */
  const postResolution: RequestHandler = async (req, res) => {
    const ref = parseRef(req.params.ref);
    const parsed = parseForm(ResolutionSchema, req.body);
    if (!parsed.ok) return renderTicket(req, res, ref, { resolutionValues: req.body, resolutionErrors: parsed.errors, status: 422 });
    try {
      const decision = await services.resolution.decide(req.user!, ref, parsed.data);
      setFlash(req, 'success', decision === 'accept' ? resolutionMessages.accepted : resolutionMessages.refused);
      res.redirect(303, `/assistance/tickets/${ref}`);
    } catch (err) {
      const failure = formFailure(err, res);
      if (!failure) throw err;
      return renderTicket(req, res, ref, { resolutionValues: req.body, resolutionErrors: failure.errors, status: failure.status });
    }
  };

  /** POST /assistance/tickets/:ref/mise-a-jour — a message and/or files; answers "À compléter". */
  const postUpdate: RequestHandler = async (req, res) => {
    const ref = parseRef(req.params.ref);
    const parsed = parseForm(UpdateTicketSchema, req.body);
    const rerender = (errors: FieldErrors, status: number) => renderTicket(req, res, ref, { values: req.body ?? {}, errors, status });
    if (!parsed.ok) return rerender(parsed.errors, 422);
    try {
      const action = await tickets.addRequesterUpdate(req.user!, ref, parsed.data.message, uploadedFiles(req), req.uploadError);
      setFlash(req, 'success', action === 'answer' ? messages.ticketAnswered : messages.ticketUpdated);
      res.redirect(303, `/assistance/tickets/${ref}`);
    } catch (err) {
      const failure = formFailure(err, res);
      if (!failure) throw err;
      return rerender(failure.errors, failure.status);
    }
  };

  return { getNew, postCreate, getBoard, getTicket, postUpdate, getResolution, postResolution };
}

export function ticketsRoutes(services: Services): Router {
  const h = ticketsHandlers(services);
  const router = Router();
  router.get('/assistance/tickets/nouveau', requireLogin, h.getNew);
  router.post('/assistance/tickets', requireLogin, h.postCreate);
  router.get('/assistance/tickets/en-cours', requireLogin, h.getBoard('en_cours'));
  router.get('/assistance/tickets/traites', requireLogin, h.getBoard('traites'));
  router.get('/assistance/tickets/:ref', requireLogin, h.getTicket);
  router.post('/assistance/tickets/:ref/mise-a-jour', requireLogin, h.postUpdate);
  router.get('/assistance/tickets/:ref/resolution', requireLogin, h.getResolution);
  router.post('/assistance/tickets/:ref/resolution', requireLogin, h.postResolution);
  return router;
}
