import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { HttpError, isDatabaseUnavailable, isStorageFull, NotFoundError } from './errors.js';
import { messages } from './messages.js';

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError());
};

/** One error handler: typed errors become their status and a French page; anything else is a 500, logged. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let message: string = messages.serverError;
    if (err instanceof HttpError) {
      status = err.status;
      message = err.message;
    } else if (isStorageFull(err)) {
      status = 507;
      message = messages.storageFull;
    } else if (isDatabaseUnavailable(err)) {
      status = 503;
      message = messages.databaseUnavailable;
    } else if (err && typeof err === 'object' && 'code' in err && err.code === 'EBADCSRFTOKEN') {
      status = 403;
      message = messages.csrf;
    } else if (err && typeof err === 'object' && typeof (err as { status?: unknown }).status === 'number') {
      // body-parser and friends: 400 malformed, 413 too large, 415…
      const s = (err as { status: number }).status;
      if (s >= 400 && s < 500) {
        status = s;
        message = s === 413 ? messages.tooLarge : messages.badRequest;
      }
    }
    if (status >= 500) logger.error({ err, reqId: res.getHeader('X-Request-Id') }, status === 507 ? 'disk full' : status === 503 ? 'database unavailable' : 'request failed');
    if (res.headersSent) return;
    res.status(status);
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: message });
      return;
    }
    res.render('errors/error', { title: status === 404 ? 'Page introuvable' : 'Erreur', status, message });
  };
}
