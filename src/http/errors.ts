import { messages } from './messages.js';

/** An error the user may see: it carries its HTTP status and a French message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class NotFoundError extends HttpError {
  constructor(message: string = messages.notFound) {
    super(404, message);
  }
}
export class ForbiddenError extends HttpError {
  constructor(message: string = messages.forbidden) {
    super(403, message);
  }
}
export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}
export class BadRequestError extends HttpError {
  constructor(message: string = messages.badRequest) {
    super(400, message);
  }
}

/** Invalid form input: the field → message map is shown next to each field. */
export class ValidationError extends HttpError {
  constructor(
    readonly fields: Record<string, string>,
    message: string = messages.formInvalid,
  ) {
    super(422, message);
  }
}

/** Codes of a full disk, from SQLite (the database) or the system (upload files). */
const STORAGE_FULL = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', 'EFBIG']);

export function isStorageFull(err: unknown): boolean {
  const code = err && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && STORAGE_FULL.has(code);
}

/**
 * How a form shows a failed submission, with the user's input kept: the field errors, a
 * conflict, or a full disk (nothing written, 507; the error goes on the response for the
 * request log, so the operator learns of it). Null for anything else: a real failure.
 */
export function formFailure(err: unknown, res: { locals: Record<string, unknown> }): { errors: Record<string, string>; status: number } | null {
  if (err instanceof ValidationError) return { errors: err.fields, status: 422 };
  if (err instanceof ConflictError || err instanceof ForbiddenError) return { errors: { _form: err.message }, status: err.status };
  if (isStorageFull(err)) {
    res.locals.err = err;
    return { errors: { _form: messages.storageFull }, status: 507 };
  }
  return null;
}
