import { Router, type RequestHandler } from 'express';
import type { Services } from '../../services.js';
import { requireLogin } from '../../http/auth-guards.js';

function portalHandlers(services: Services) {
  /** GET / — the portal for a signed-in user, the login page otherwise. */
  const getRoot: RequestHandler = (req, res) => res.redirect(req.user ? '/portail' : '/login');

  /** GET /portail — ARENA: sections on the left, the chosen section's tools. */
  const getArena: RequestHandler = async (req, res) => {
    const sections = await services.portal.sections();
    const current = sections.find((s) => s.id === Number(req.query.rubrique)) ?? null;
    res.render('portal/arena', { title: 'Accédez à vos applications', sections, current });
  };

  /** GET /guichet — the helpdesk tool: agents land in their portal, everyone else in the user portal. */
  const getHelpdesk: RequestHandler = (req, res) => res.redirect(req.user?.roles.includes('agent') ? '/agent' : '/assistance');

  return { getRoot, getArena, getHelpdesk };
}

export function portalRoutes(services: Services): Router {
  const h = portalHandlers(services);
  const router = Router();
  router.get('/', h.getRoot);
  router.get('/portail', requireLogin, h.getArena);
  router.get('/guichet', requireLogin, h.getHelpdesk);
  return router;
}
