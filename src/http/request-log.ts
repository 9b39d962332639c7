import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * The path of a request as the logs show it: query values dropped (searches are people's
 * words) and secrets in paths (password-reset links) replaced by their name.
 */
export function loggedUrl(url: string): string {
  const [pathname, query] = url.split('?', 2);
  const safePath = pathname.replace(/^\/mot-de-passe\/[^/]+/, '/mot-de-passe/:token');
  if (!query) return safePath;
  const keys = [...new URLSearchParams(query).keys()].map((k) => k.replace(/[^\w.-]/g, '').slice(0, 30));
  return `${safePath}?${[...new Set(keys)].join('&')}`;
}

const REQUEST_ID = /^[\w.:-]{8,64}$/;

const UNLOGGED = /^\/(static|dsfr)\//;

/**
 * One log line per request, with an id that the response carries in X-Request-Id (a proxy's
 * id is kept when it looks like one), so that a user's report and the logs can be matched.
 * Nothing of the body, no headers, no cookies. Written when the response ends, with the line's
 * fields set directly: a child logger per request (as pino-http makes) cost more than the line.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const reqId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    res.setHeader('X-Request-Id', reqId);
    if (UNLOGGED.test(req.url)) return next();
    const start = performance.now();
    res.once('close', () => {
      const user = req.user as { id: number } | undefined;
      const line = {
        reqId,
        req: { method: req.method, url: loggedUrl(req.originalUrl) },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - start),
        ...(user ? { userId: user.id } : {}),
        // A failure the page answered itself (a full disk: 507) leaves its error here.
        ...(res.locals.err ? { err: res.locals.err } : {}),
      };
      if (res.statusCode >= 500) logger.error(line, 'request failed');
      else if (!res.writableFinished) logger.info(line, 'request aborted');
      else logger.info(line, 'request completed');
    });
    next();
  };
}
