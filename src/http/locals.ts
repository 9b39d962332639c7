import type { Request, RequestHandler, Response } from 'express';
import type { Services } from '../services.js';
import * as fmt from './format.js';
import { statisticsAudience } from '../features/tickets/access.js';

/** What every page's layout needs: the user, the settings, a CSRF token (the flash message is `flashCookie`'s). */
export function viewLocals(services: Services, csrfToken: (req: Request, res: Response) => string): RequestHandler {
  return async (req, res, next) => {
    const settings = await services.settings.all();
    res.locals.user = req.user ?? null;
    // The menus offer "Statistiques" to those the page answers (the same policy as the page).
    res.locals.statisticsOffered = !!req.user && statisticsAudience(req.user, settings.platform_team_id) !== null;
    // Not "settings": Express passes its own app settings (view cache…) under that name.
    res.locals.site = settings;
    res.locals.fmt = fmt;
    res.locals.currentPath = req.path;
    // One token per page, made when a form asks for it: every form of the page carries the same.
    let token: string | undefined;
    res.locals.csrfToken = () => (token ??= csrfToken(req, res));
    const limits = await services.settings.uploadLimits({ maxBytes: services.config.uploadMaxBytes, maxFiles: services.config.uploadMaxFiles });
    res.locals.uploadLimits = { maxSize: fmt.fileSize(limits.maxBytes), maxFiles: limits.maxFiles };
    res.locals.errors = {};
    res.locals.values = {};
    next();
  };
}
