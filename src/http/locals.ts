import type { RequestHandler } from 'express';
import type { Services } from '../services.js';
import { csrfToken } from './csrf.js';
import * as fmt from './format.js';

/** What every page's layout needs: the user, the settings, a CSRF token (the flash message is `flashCookie`'s). */
export function viewLocals(services: Services): RequestHandler {
  return async (req, res, next) => {
    const settings = await services.settings.all();
    res.locals.user = req.user ?? null;
    // Not "settings": Express passes its own app settings (view cache…) under that name.
    res.locals.site = settings;
    res.locals.fmt = fmt;
    res.locals.currentPath = req.path;
    res.locals.csrfToken = () => csrfToken(req);
    const limits = await services.settings.uploadLimits({ maxBytes: services.config.uploadMaxBytes, maxFiles: services.config.uploadMaxFiles });
    res.locals.uploadLimits = { maxSize: fmt.fileSize(limits.maxBytes), maxFiles: limits.maxFiles };
    res.locals.errors = {};
    res.locals.values = {};
    next();
  };
}
