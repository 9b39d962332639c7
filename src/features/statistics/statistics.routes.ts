import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Services } from '../../services.js';
import { requireLogin } from '../../http/auth-guards.js';
import { PERIOD_LABELS, type PeriodKind, type StatsQuery } from './statistics.service.js';

/** The filters of the query string: unreadable values fall back to the defaults; readable ones that do not fit get the service's message. */
const StatsQuerySchema = z.object({
  periode: z.enum(Object.keys(PERIOD_LABELS) as [PeriodKind, ...PeriodKind[]]).catch('annee').default('annee'),
  du: z.string().max(10).catch('').default(''),
  au: z.string().max(10).catch('').default(''),
  equipe: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.coerce.number().int().min(0).nullable()).catch(null),
  domaine: z.string().max(200).catch('').default(''),
  uai: z.string().trim().max(10).catch('').default(''),
});

const parse = (req: Request): StatsQuery => StatsQuerySchema.parse(req.query);

/** The portal a reader's statistics page belongs to. */
const portalOf = (req: Request) => (req.user!.roles.includes('admin') ? 'admin' : req.user!.roles.includes('agent') ? 'agent' : 'user');

function statisticsHandlers(services: Services) {
  const { statistics } = services;

  /** GET /statistiques — the charts for the reader's teams or establishments, with their tables. */
  const getPage: RequestHandler = async (req, res) => {
    const query = parse(req);
    const view = await statistics.page(req.user!, query);
    const errors = view.errors;
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== null && v !== '').map(([k, v]) => [k, String(v)])).toString();
    res.status(Object.keys(errors).length > 0 ? 422 : 200).render('statistics/page', {
      title: 'Statistiques', portal: portalOf(req), ...view, query, periods: PERIOD_LABELS, csvQuery: qs,
    });
  };

  /** GET /statistiques/:chart.csv — one chart's data. */
  const getCsv: RequestHandler = async (req, res) => {
    const { name, csv } = await statistics.csv(req.user!, parse(req), String(req.params.chart));
    res.attachment(name);
    res.type('text/csv; charset=utf-8');
    res.send(csv);
  };

  return { getPage, getCsv };
}

export function statisticsRoutes(services: Services): Router {
  const h = statisticsHandlers(services);
  const router = Router();
  router.get('/statistiques', requireLogin, h.getPage);
  router.get('/statistiques/:chart.csv', requireLogin, h.getCsv);
  return router;
}
