import { Router, type RequestHandler } from 'express';
import type { Services } from '../../services.js';
import { requireLogin } from '../../http/auth-guards.js';
import { NotFoundError } from '../../http/errors.js';

function knowledgeHandlers(services: Services) {
  const { knowledge } = services;
  /** GET /assistance/faq — "Foire Aux Questions": every published question with its answer. */
  const getFaq: RequestHandler = async (_req, res) => {
    res.render('knowledge/faq', { title: 'Foire Aux Questions', articles: await knowledge.faq() });
  };
  /** GET /assistance/fiches — "Fiches de connaissance". */
  const getArticles: RequestHandler = async (_req, res) => res.render('knowledge/list', { title: 'Fiches de connaissance', articles: await knowledge.list('fiche', true) });
  /** GET /assistance/fiches/:id — one published article. */
  const getArticle: RequestHandler = async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id <= 0) throw new NotFoundError();
    const article = await knowledge.get(id, true);
    res.render('knowledge/article', { title: article.title, article });
  };
  /** GET /assistance/plus — "Plus": profile, notifications, good practices. */
  const getMore: RequestHandler = (_req, res) => res.render('knowledge/more', { title: 'Plus' });
  return { getFaq, getArticles, getArticle, getMore };
}

export function knowledgeRoutes(services: Services): Router {
  const h = knowledgeHandlers(services);
  const router = Router();
  router.get('/assistance/faq', requireLogin, h.getFaq);
  router.get('/assistance/fiches', requireLogin, h.getArticles);
  router.get('/assistance/fiches/:id', requireLogin, h.getArticle);
  router.get('/assistance/plus', requireLogin, h.getMore);
  return router;
}
