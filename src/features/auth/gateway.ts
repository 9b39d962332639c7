import type { NextFunction, Request, RequestHandler, Response } from 'express';
import proxyaddr from 'proxy-addr';
import type { Logger } from 'pino';
import { ForbiddenError } from '../../http/errors.js';
import { messages } from '../../http/messages.js';
import type { DirectoryAccountsService } from './directory-accounts.service.js';
import { attributesFromHeaders, personFrom } from './directory-person.js';
import { normalizeIdentifiant } from './users.repo.js';

/** The header the ARENA gateway (RSA ClearTrust) names the signed-in user in. */
export const GATEWAY_USER_HEADER = 'ct-remote-user';

/**
 * Sign-in by the ARENA gateway: behind it, every request carries the user's identity in its
 * headers. They are believed only from the reverse proxy's own addresses (the socket's, never a
 * forwarded one): from anywhere else the request is refused and logged. When the headers name
 * someone else than the session's user, that session ends and a new one begins.
 */
export function gatewaySignIn(deps: { proxies: string[]; directoryAccounts: DirectoryAccountsService; logger: Logger }): RequestHandler {
  const trusted = proxyaddr.compile(deps.proxies);
  return (req: Request, _res: Response, next: NextFunction) => {
    const uid = req.get(GATEWAY_USER_HEADER);
    if (uid === undefined) return next();
    const from = req.socket.remoteAddress ?? '';
    if (!trusted(from, 0)) {
      deps.logger.warn({ from, uid: uid.slice(0, 64), url: req.originalUrl }, 'gateway headers from an untrusted address refused');
      return next(new ForbiddenError(messages.gatewayUntrusted));
    }
    if (req.user && req.user.identifiant === normalizeIdentifiant(uid)) return next();
    const person = personFrom(attributesFromHeaders((name) => req.get(name)));
    if (!person) return next(new ForbiddenError(messages.gatewayIncomplete));
    deps.directoryAccounts
      .signIn(person, { directoryAsked: false })
      .then((user) => {
        if (!user) {
          // Whoever was signed in on this browser is not any more.
          return req.logout(() => next(new ForbiddenError(messages.accountDisabled)));
        }
        // A new session (passport regenerates it): nothing of the former user's stays.
        req.logIn(user, (err) => next(err));
      })
      .catch(next);
  };
}
