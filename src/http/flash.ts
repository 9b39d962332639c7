import type { Request, RequestHandler } from 'express';
import { sign, unsign } from 'cookie-signature';

export type FlashType = 'success' | 'info' | 'warning' | 'error';
export interface Flash {
  type: FlashType;
  message: string;
}

const COOKIE = 'guichet.flash';
const TYPES: readonly FlashType[] = ['success', 'info', 'warning', 'error'];

/** How this request's flash is signed and sent: set by `flashCookie` for each request. */
const writers = new WeakMap<Request, (value: string) => void>();

/**
 * A message shown once on the next page (post/redirect/get), carried by a signed cookie that
 * lives a minute: not by the session, whose row would be rewritten twice (set, then taken) on
 * the single writer for each ticket created, each action, each setting saved.
 * The page that comes next shows it, and the cookie is cleared with that page.
 */
export function flashCookie(secret: string, secure: (req: Request) => boolean): RequestHandler {
  return (req, res, next) => {
    const options = { httpOnly: true, sameSite: 'lax' as const, secure: secure(req), path: '/' };
    writers.set(req, (value) => res.cookie(COOKIE, sign(value, secret), { ...options, maxAge: 60_000 }));
    const raw = (req.cookies as Record<string, string> | undefined)?.[COOKIE];
    if (raw !== undefined) {
      const value = unsign(raw, secret);
      res.locals.flash = value === false ? undefined : decode(value);
      res.clearCookie(COOKIE, options);
    }
    next();
  };
}

export function setFlash(req: Request, type: FlashType, message: string): void {
  const write = writers.get(req);
  if (!write) throw new Error('setFlash needs the flashCookie middleware');
  write(Buffer.from(JSON.stringify({ type, message })).toString('base64url'));
}

function decode(value: string): Flash | undefined {
  try {
    const flash = JSON.parse(Buffer.from(value, 'base64url').toString()) as Partial<Flash>;
    return TYPES.includes(flash.type as FlashType) && typeof flash.message === 'string' ? { type: flash.type as FlashType, message: flash.message } : undefined;
  } catch {
    return undefined;
  }
}
