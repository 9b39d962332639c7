import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { messages } from './messages.js';

/**
 * Signed double-submit tokens: the token is an HMAC of a random value and, for a signed-in user,
 * the session's id, kept in a cookie that the form's hidden field "_csrf" (or the X-CSRF-Token
 * header) must repeat. Nothing is stored on the server, so an anonymous visit to the login page
 * writes no session row.
 */
export function csrfProtection(secret: string, behindHttps: boolean): { protect: RequestHandler; token: (req: Request, res: Response) => string } {
  // A key of its own, derived from the session secret: a token never doubles as a cookie signature.
  const key = crypto.createHmac('sha256', secret).update('guichet csrf').digest('hex');
  const variant = (secure: boolean) =>
    doubleCsrf({
      getSecret: () => key,
      // Anonymous forms (login, lost password) are tied to no session: there is none yet.
      getSessionIdentifier: (req) => (req.user ? req.sessionID : ''),
      cookieName: secure ? '__Host-guichet.csrf' : 'guichet.csrf',
      cookieOptions: { sameSite: 'lax', path: '/', secure, httpOnly: true },
      getCsrfTokenFromRequest: (req) => {
        const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
        if (typeof fromBody === 'string') return fromBody;
        const fromHeader = req.headers['x-csrf-token'];
        return typeof fromHeader === 'string' ? fromHeader : undefined;
      },
      errorConfig: { statusCode: 403, message: messages.csrf, code: 'EBADCSRFTOKEN' },
    });
  const plain = variant(false);
  // Like the session cookie: Secure only on a request the trusted proxy says came over https.
  const secure = behindHttps ? variant(true) : plain;
  const pick = (req: Request) => (req.secure ? secure : plain);
  return {
    protect: (req, res, next) => pick(req).doubleCsrfProtection(req, res, next),
    token: (req, res) => pick(req).generateCsrfToken(req, res),
  };
}
