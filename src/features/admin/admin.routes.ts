import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Services } from '../../services.js';
import { requireRole } from '../../http/auth-guards.js';
import { NotFoundError } from '../../http/errors.js';
import { pageLinks, parsePaging } from '../../http/paging.js';

const DAY = 86_400_000;
const PeriodQuery = z.object({
  du: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
  au: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
});

function adminHandlers(services: Services) {
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

  return { getHome, getOutbox, getMail, getSatisfaction };
}

export function adminRoutes(services: Services): Router {
  const h = adminHandlers(services);
  const router = Router();
  const adminOnly = requireRole('admin');
  router.get('/admin', adminOnly, h.getHome);
  router.get('/admin/courriels', adminOnly, h.getOutbox);
  router.get('/admin/courriels/:id', adminOnly, h.getMail);
  router.get('/admin/satisfaction', adminOnly, h.getSatisfaction);
  return router;
}
