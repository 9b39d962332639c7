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
