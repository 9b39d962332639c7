import type { Request } from 'express';

export type FlashType = 'success' | 'info' | 'warning' | 'error';
export interface Flash {
  type: FlashType;
  message: string;
}

declare module 'express-session' {
  interface SessionData {
    flash?: Flash;
  }
}

/** A message shown once on the next page (post/redirect/get). */
export function setFlash(req: Request, type: FlashType, message: string): void {
  req.session.flash = { type, message };
}

export function takeFlash(req: Request): Flash | undefined {
  const flash = req.session?.flash;
  if (flash) delete req.session.flash;
  return flash;
}
