import type { Request } from 'express';
import { csrfSync } from 'csrf-sync';
import { messages } from './messages.js';

// Synchroniser tokens kept in the session; every state-changing request must carry one,
// as the hidden field "_csrf" (multipart bodies included: they are parsed before this check).
const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const header = req.headers['x-csrf-token'];
    return typeof header === 'string' ? header : undefined;
  },
  errorConfig: { statusCode: 403, message: messages.csrf, code: 'EBADCSRFTOKEN' },
});

export const csrfProtection = csrfSynchronisedProtection;
export const csrfToken = (req: Request): string => generateToken(req);
