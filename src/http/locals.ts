import type { Request, RequestHandler, Response } from 'express';
import type { Services } from '../services.js';
import * as fmt from './format.js';

/** What every page's layout needs: the user, the settings, a CSRF token (the flash message is `flashCookie`'s). */
export function viewLocals(services: Services, csrfToken: (req: Request, res: Response) => string): RequestHandler {
  return async (req, res, next) => {
    const settings = await services.settings.all();
    res.locals.user = req.user ?? null;
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
