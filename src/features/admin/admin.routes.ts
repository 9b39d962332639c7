import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Services } from '../../services.js';
import { requireRole } from '../../http/auth-guards.js';
import { NotFoundError } from '../../http/errors.js';
import { pageLinks, parsePaging } from '../../http/paging.js';
import { setFlash } from '../../http/flash.js';
import { messages } from '../../http/messages.js';
import { LOCK_MINUTES, MAX_FAILURES } from '../auth/login-lockout.service.js';
import { adminHandlers } from './admin.handlers.js';

const DAY = 86_400_000;
const PeriodQuery = z.object({
  du: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
  au: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
});

function reportHandlers(services: Services) {
  /** GET /admin — the administration home. */
  const getHome: RequestHandler = async (_req, res) => {
    res.render('admin/home', { title: 'Administration', portal: 'admin', outboxCounts: await services.outbox.counts() });
  };

  /** GET /admin/courriels — what was, or would have been, sent. */
  const getOutbox: RequestHandler = async (req, res) => {
    const paging = parsePaging(req.query);
    const { rows, total } = await services.outbox.list(paging.perPage, paging.offset);
    res.render('admin/outbox', {
      title: 'Courriels', portal: 'admin', rows, counts: await services.outbox.counts(), smtp: !!services.config.smtpUrl,
      pages: pageLinks(paging, total, '/admin/courriels', {}),
    });
  };

  /** GET /admin/courriels/:id — one mail, as text. */
  const getMail: RequestHandler = async (req, res) => {
    const mail = await services.outbox.find(Number(req.params.id));
    if (!mail) throw new NotFoundError();
    res.render('admin/mail', { title: mail.subject, portal: 'admin', mail });
  };

  /** GET /admin/satisfaction — average and count per team over a period (default: the last 30 days). */
  const getSatisfaction: RequestHandler = async (req, res) => {
    const q = PeriodQuery.parse(req.query);
    const now = services.now();
    const to = q.au ? new Date(new Date(`${q.au}T00:00:00Z`).getTime() + DAY) : new Date(now.getTime() + DAY);
    const from = q.du ? new Date(`${q.du}T00:00:00Z`) : new Date(to.getTime() - 31 * DAY);
    const rows = await services.satisfaction.byTeam(from, to);
    res.render('admin/satisfaction', {
      title: 'Satisfaction', portal: 'admin', rows,
      du: from.toISOString().slice(0, 10), au: new Date(to.getTime() - DAY).toISOString().slice(0, 10),
    });
  };

  /** GET /admin/verrouillages — identifiants locked after too many failed logins. */
  const getLockouts: RequestHandler = async (_req, res) => {
    res.render('admin/lockouts', { title: 'Identifiants verrouillés', portal: 'admin', rows: await services.loginLockout.locked(), maxFailures: MAX_FAILURES, lockMinutes: LOCK_MINUTES });
  };

  /** POST /admin/verrouillages/deverrouiller — lift one lockout (the person can try again at once). */
  const postUnlock: RequestHandler = async (req, res) => {
    const identifiant = services.loginLockout.key(String(req.body?.identifiant ?? ''));
    const done = identifiant !== '' && (await services.loginLockout.unlock(req.user!.id, identifiant));
    setFlash(req, done ? 'success' : 'info', done ? messages.unlocked(identifiant) : messages.notLocked(identifiant));
    res.redirect(303, '/admin/verrouillages');
  };

  /** GET /admin/courriels-entrants — the mails read from the helpdesk's mailbox and what each became. */
  const getInbound: RequestHandler = async (_req, res) => {
    res.render('admin/inbound', { title: 'Courriels entrants', portal: 'admin', rows: await services.mailIn.latest(), reading: !!services.config.imapUrl });
  };

  /** POST /admin/courriels-entrants/:id/reprendre — read a set-aside mail again on the next pass. */
  const postRetry: RequestHandler = async (req, res) => {
    await services.mailIn.retry(Number(req.params.id));
    setFlash(req, 'success', messages.mailRetry);
    res.redirect(303, '/admin/courriels-entrants');
  };

  return { getHome, getOutbox, getMail, getSatisfaction, getLockouts, postUnlock, getInbound, postRetry };
}

export function adminRoutes(services: Services): Router {
  const r = reportHandlers(services);
  const h = adminHandlers(services);
  const router = Router();
  const admin = requireRole('admin');
  router.get('/admin', admin, r.getHome);
  router.get('/admin/courriels', admin, r.getOutbox);
  router.get('/admin/courriels/:id', admin, r.getMail);
  router.get('/admin/courriels-entrants', admin, r.getInbound);
  router.post('/admin/courriels-entrants/:id/reprendre', admin, r.postRetry);
  router.get('/admin/satisfaction', admin, r.getSatisfaction);
  router.get('/admin/journal', admin, h.getAudit);
  router.get('/admin/verrouillages', admin, r.getLockouts);
  router.post('/admin/verrouillages/deverrouiller', admin, r.postUnlock);

  router.get('/admin/catalogue', admin, h.getCatalogue);
  router.get('/admin/catalogue/nouveau/:level', admin, h.getNewNode);
  router.post('/admin/catalogue/:level', admin, h.postNewNode);
  router.get('/admin/catalogue/:level/:id', admin, h.getNode);
  router.post('/admin/catalogue/:level/:id', admin, h.postNode);
  router.post('/admin/catalogue/:level/:id/supprimer', admin, h.postDeleteNode);

  router.get('/admin/equipes', admin, h.getTeams);
  router.post('/admin/equipes/plateforme', admin, h.postPlatformTeam);
  router.get('/admin/equipes/nouvelle', admin, h.getNewTeam);
  router.post('/admin/equipes', admin, h.postTeam(true));
  router.get('/admin/equipes/:id', admin, h.getTeam);
  router.post('/admin/equipes/:id', admin, h.postTeam(false));
  router.post('/admin/equipes/:id/membres', admin, h.postTeamMember);
  router.post('/admin/equipes/:id/membres/:userId/retirer', admin, h.postRemoveTeamMember);

  router.get('/admin/utilisateurs', admin, h.getUsers);
  router.get('/admin/utilisateurs/nouveau', admin, h.getNewUser);
  router.post('/admin/utilisateurs', admin, h.postUser(true));
  router.get('/admin/utilisateurs/:id', admin, h.getUser);
  router.post('/admin/utilisateurs/:id', admin, h.postUser(false));

  router.get('/admin/etablissements', admin, h.getEstablishments);
  router.get('/admin/etablissements/nouveau', admin, h.getNewEstablishment);
  router.post('/admin/etablissements', admin, h.postEstablishment(true));
  router.get('/admin/etablissements/:id', admin, h.getEstablishment);
  router.post('/admin/etablissements/:id', admin, h.postEstablishment(false));

  router.get('/admin/portail', admin, h.getPortal);
  router.post('/admin/portail', admin, h.postPortalSettings);
  router.post('/admin/portail/rubriques', admin, h.postSection(true));
  router.post('/admin/portail/rubriques/:id', admin, h.postSection(false));
  router.post('/admin/portail/rubriques/:id/supprimer', admin, h.postDeleteSection);
  router.post('/admin/portail/rubriques/:sectionId/outils', admin, h.postTool(true));
  router.post('/admin/portail/rubriques/:sectionId/outils/:id', admin, h.postTool(false));
  router.post('/admin/portail/outils/:id/supprimer', admin, h.postDeleteTool);

  router.get('/admin/reglages', admin, h.getSettings);
  router.post('/admin/reglages', admin, h.postSettings);

  router.get('/admin/articles', admin, h.getArticles);
  router.get('/admin/articles/nouveau', admin, h.getNewArticle);
  router.post('/admin/articles', admin, h.postArticle(true));
  router.get('/admin/articles/:id', admin, h.getArticle);
  router.post('/admin/articles/:id', admin, h.postArticle(false));
  router.post('/admin/articles/:id/supprimer', admin, h.postDeleteArticle);

  router.get('/admin/import', admin, h.getImport);
  router.get('/admin/export/:kind', admin, h.getExport);
  router.post('/admin/import/:kind/apercu', admin, h.postPreview);
  router.post('/admin/import/:kind/appliquer', admin, h.postApply);
  return router;
}
