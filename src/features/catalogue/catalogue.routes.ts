import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Services } from '../../services.js';
import { requireLogin } from '../../http/auth-guards.js';
import { NotFoundError } from '../../http/errors.js';
import { pageLinks, parsePaging } from '../../http/paging.js';
import { LEVELS, type Level } from './catalogue.repo.js';

const SearchQuery = z.object({
  q: z.string().max(200).catch('').default(''),
  filtre: z.string().max(200).catch('').default(''),
});

/** URL words of the browse levels. */
const LEVEL_SLUGS: Record<string, Level> = { domaine: 'domain', groupe: 'group', famille: 'family', service: 'service' };

function catalogueHandlers(services: Services) {
  /** GET /assistance — the user portal's home ("Accueil") and its cards. */
  const getHome: RequestHandler = (_req, res) => res.render('catalogue/home', { title: 'Accueil' });

  /** GET /assistance/recherche — "Créer un ticket à partir d'un mot clé": the five-column table. */
  const getSearch: RequestHandler = async (req, res) => {
    const { q, filtre } = SearchQuery.parse(req.query);
    const paging = parsePaging(req.query);
    const terms = [q, filtre].filter(Boolean).join(' ');
    const [result, articles] = await Promise.all([
      terms ? services.catalogue.search(req.user!, terms, paging.perPage, paging.offset) : Promise.resolve({ rows: [], total: 0 }),
      q && paging.page === 1 ? services.knowledge.search(q) : Promise.resolve([]),
    ]);
    const pages = pageLinks(paging, result.total, '/assistance/recherche', { q, filtre });
    res.render('catalogue/search', { title: q ? `Recherche « ${q} »` : 'Recherche', q, filtre, rows: result.rows, pages, articles });
  };

  /** GET /assistance/services[/:level/:id] — "Nouveau ticket": one level of the catalogue at a time. */
  const getBrowse: RequestHandler = async (req, res) => {
    const level = req.params.level ? LEVEL_SLUGS[String(req.params.level)] : null;
    const id = req.params.id ? Number(req.params.id) : null;
    if (req.params.level && (!level || !Number.isInteger(id) || (id as number) <= 0)) throw new NotFoundError();
    const step = await services.catalogue.browse(req.user!, level ?? null, id);
    const childLevel: Level | null = step.level === null ? 'domain' : step.level === 'service' ? null : LEVELS[LEVELS.indexOf(step.level) + 1];
    res.render('catalogue/browse', { title: 'Nouveau ticket', step, childLevel });
  };

  return { getHome, getSearch, getBrowse };
}

export function catalogueRoutes(services: Services): Router {
  const h = catalogueHandlers(services);
  const router = Router();
  router.get('/assistance', requireLogin, h.getHome);
  router.get('/assistance/recherche', requireLogin, h.getSearch);
  router.get('/assistance/services', requireLogin, h.getBrowse);
  router.get('/assistance/services/:level/:id', requireLogin, h.getBrowse);
  return router;
}
