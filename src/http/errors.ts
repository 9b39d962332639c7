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

/** Codes of a full disk, from SQLite, PostgreSQL (SQLSTATE 53100) or the system (upload files). */
const STORAGE_FULL = new Set(['SQLITE_FULL', '53100', 'ENOSPC', 'EDQUOT', 'EFBIG']);

/**
 * Codes of a database server out of reach: shut down or restarting (SQLSTATE 57P01-57P03),
 * the connection lost or refused (class 08, the socket's own codes).
 */
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

const codeOf = (err: unknown) => (err && typeof err === 'object' ? (err as { code?: unknown }).code : undefined);

export function isStorageFull(err: unknown): boolean {
  const code = codeOf(err);
  return typeof code === 'string' && STORAGE_FULL.has(code);
}

/** The database could not be reached, or its connection was lost in the middle: nothing was committed. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (typeof code === 'string' && UNAVAILABLE.has(code)) return true;
  // pg says so in words when the server closes the socket; Knex when no connection comes.
  const text = err instanceof Error ? `${err.name} ${err.message}` : '';
  return /Connection terminated|KnexTimeoutError/.test(text);
}

/**
 * How a form shows a failed submission, with the user's input kept: the field errors, a
 * conflict, a full disk (nothing written, 507) or a database out of reach (503); for these two
 * the error goes on the response for the request log, so the operator learns of it. Null for anything else: a real failure.
 */
export function formFailure(err: unknown, res: { locals: Record<string, unknown> }): { errors: Record<string, string>; status: number } | null {
  if (err instanceof ValidationError) return { errors: err.fields, status: 422 };
  if (err instanceof ConflictError || err instanceof ForbiddenError) return { errors: { _form: err.message }, status: err.status };
  if (isStorageFull(err)) {
    res.locals.err = err;
    return { errors: { _form: messages.storageFull }, status: 507 };
  }
  if (isDatabaseUnavailable(err)) {
    res.locals.err = err;
    return { errors: { _form: messages.databaseUnavailable }, status: 503 };
  }
  return null;
}
