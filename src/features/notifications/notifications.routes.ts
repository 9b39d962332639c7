import { Router, type RequestHandler } from 'express';
import type { Services } from '../../services.js';
import { requireLogin } from '../../http/auth-guards.js';
import { setFlash } from '../../http/flash.js';

function preferencesHandlers(services: Services) {
  /** GET /assistance/plus/notifications — the mails I receive. */
  const getPreferences: RequestHandler = async (req, res) => {
    const kinds = await services.preferences.forUser(req.user!.id, req.user!.roles);
    res.render('notifications/preferences', { title: 'Mes notifications', kinds });
  };
  /** POST /assistance/plus/notifications — keep the ticked ones. */
  const postPreferences: RequestHandler = async (req, res) => {
    const raw = req.body?.kinds;
    const kinds = (Array.isArray(raw) ? raw : raw ? [raw] : []).map(String);
    await services.preferences.save(req.user!.id, req.user!.roles, kinds);
    setFlash(req, 'success', 'Vos préférences de notification ont été enregistrées.');
    res.redirect(303, '/assistance/plus/notifications');
  };
  return { getPreferences, postPreferences };
}

export function notificationsRoutes(services: Services): Router {
  const h = preferencesHandlers(services);
  const router = Router();
  router.get('/assistance/plus/notifications', requireLogin, h.getPreferences);
  router.post('/assistance/plus/notifications', requireLogin, h.postPreferences);
  return router;
}
