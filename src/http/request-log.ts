import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { safeError } from '../logger.js';

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

/**
 * One log line per request, with an id that the response carries in X-Request-Id (a proxy's
 * id is kept when it looks like one), so that a user's report and the logs can be matched.
 * Nothing of the body, no headers, no cookies.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req) => /^\/(static|dsfr)\//.test(req.url ?? '') },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customProps: (req) => {
      const user = (req as { user?: { id: number } }).user;
      return user ? { userId: user.id } : {};
    },
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: loggedUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: safeError,
    },
  }) as unknown as RequestHandler;
}
