import { Router, type RequestHandler } from 'express';
import type { Services } from '../../services.js';
import { requireLogin } from '../../http/auth-guards.js';

function knowledgeHandlers(_services: Services) {
  /** GET /assistance/faq — "Foire Aux Questions". */
  const getFaq: RequestHandler = (_req, res) => res.render('knowledge/list', { title: 'Foire Aux Questions', articles: [] });
  /** GET /assistance/fiches — "Fiches de connaissance". */
  const getArticles: RequestHandler = (_req, res) => res.render('knowledge/list', { title: 'Fiches de connaissance', articles: [] });
  /** GET /assistance/plus — "Plus": profile, other portals, help. */
  const getMore: RequestHandler = (_req, res) => res.render('knowledge/more', { title: 'Plus' });
  return { getFaq, getArticles, getMore };
}

export function knowledgeRoutes(services: Services): Router {
  const h = knowledgeHandlers(services);
  const router = Router();
  router.get('/assistance/faq', requireLogin, h.getFaq);
  router.get('/assistance/fiches', requireLogin, h.getArticles);
  router.get('/assistance/plus', requireLogin, h.getMore);
  return router;
}
