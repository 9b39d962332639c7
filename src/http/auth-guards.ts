import type { RequestHandler } from 'express';
import type { Role } from '../features/tickets/vocabulary.js';
import { NotFoundError } from './errors.js';

/** Anonymous visitors go to the login page, and come back where they were going. */
export const requireLogin: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  if (req.method === 'GET') {
    res.redirect('/login?next=' + encodeURIComponent(req.originalUrl));
    return;
  }
  res.status(401);
  res.redirect(303, '/login');
};

/** The coarse gate of a portal: someone without the role is told the page does not exist. */
export function requireRole(role: Role): RequestHandler {
  return (req, res, next) => {
    if (!req.user) return requireLogin(req, res, next);
    if (!req.user.roles.includes(role)) return next(new NotFoundError());
    next();
  };
}

/** Only a path on this site may be a redirect target after login. */
export function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  return next;
}
