import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Services } from '../../services.js';
import { requireRole } from '../../http/auth-guards.js';
import { ConflictError, ForbiddenError, formFailure } from '../../http/errors.js';
import { setFlash } from '../../http/flash.js';
import { uploadedFiles } from '../../http/upload.js';
import { parseForm, type FieldErrors } from '../../http/validation.js';
import { agentMessages, type AgentBoard } from './agent.service.js';
import { ConsoleActionSchema } from './agent.schemas.js';
import { loadBoard, parseRef } from '../tickets/tickets.schemas.js';


function agentHandlers(services: Services) {
  const { agent } = services;

  /** GET /agent/tickets/en-cours and /resolus — the agent's lists, tabs with counts. */
  const getBoard = (board: AgentBoard): RequestHandler => async (req, res) => {
    const base = board === 'en_cours' ? '/agent/tickets/en-cours' : '/agent/tickets/resolus';
    const view = await loadBoard(req.query, base, (tab, opts) => agent.board(req.user!, board, tab, opts));
    res.render('agent/board', { title: board === 'en_cours' ? 'Tickets en cours' : 'Tickets résolus', portal: 'agent', board, ...view });
  };

  async function renderConsole(req: Request, res: Response, ref: string, opts: { values?: Record<string, unknown>; errors?: FieldErrors; status?: number } = {}) {
    const view = await agent.console(req.user!, ref);
    res.status(opts.status ?? 200).render('agent/console', {
      title: `${view.ticket.ref} — ${view.ticket.subject}`,
      portal: 'agent',
      ...view,
      values: opts.values ?? {},
      errors: opts.errors ?? {},
      filesNotKept: uploadedFiles(req).length > 0 && !!opts.errors && Object.keys(opts.errors).length > 0,
    });
  }

  /** GET /agent/tickets/:ref — the ticket's console. */
  const getConsole: RequestHandler = async (req, res) => renderConsole(req, res, parseRef(req.params.ref));

  /** POST /agent/tickets/:ref — a console button: journals, fields and one lifecycle action. */
  const postAction: RequestHandler = async (req, res) => {
    const ref = parseRef(req.params.ref);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = parseForm(ConsoleActionSchema, body);
    if (!parsed.ok) return renderConsole(req, res, ref, { values: body, errors: parsed.errors, status: 422 });
    try {
      const action = await agent.perform(req.user!, ref, parsed.data, uploadedFiles(req), req.uploadError);
      setFlash(req, 'success', agentMessages.done[action]);
      res.redirect(303, `/agent/tickets/${ref}`);
    } catch (err) {
      const failure = formFailure(err, res);
      if (!failure) throw err;
      // After a conflict the form takes the ticket's new version: "Valider" again applies to what is shown.
      const values = err instanceof ConflictError || err instanceof ForbiddenError ? { ...body, version: undefined } : body;
      return renderConsole(req, res, ref, { values, ...failure });
    }
  };

  return { getBoard, getConsole, postAction };
}

export function agentRoutes(services: Services): Router {
  const h = agentHandlers(services);
  const router = Router();
  const agentOnly = requireRole('agent');
  router.get('/agent', agentOnly, (_req, res) => res.redirect('/agent/tickets/en-cours'));
  router.get('/agent/tickets/en-cours', agentOnly, h.getBoard('en_cours'));
  router.get('/agent/tickets/resolus', agentOnly, h.getBoard('resolus'));
  router.get('/agent/tickets/:ref', agentOnly, h.getConsole);
  router.post('/agent/tickets/:ref', agentOnly, h.postAction);
  return router;
}
