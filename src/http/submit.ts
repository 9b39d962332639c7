import type { Request, Response } from 'express';
import type { z } from 'zod';
import { ConflictError, ValidationError } from './errors.js';
import { setFlash } from './flash.js';
import { parseForm, type FieldErrors } from './validation.js';

/**
 * One form round: parse with the schema and save; on failure, or when the service refuses with
 * a ValidationError or ConflictError, show the form again with what was typed and the messages.
 * `save` returns where to go next; `done` is the flash message (made after saving, if a function).
 */
export async function submit<S extends z.ZodType>(
  req: Request,
  res: Response,
  schema: S,
  save: (data: z.infer<S>) => Promise<string>,
  rerender: (errors: FieldErrors, status: number) => Promise<void>,
  done: string | (() => string),
): Promise<void> {
  const parsed = parseForm(schema, req.body);
  if (!parsed.ok) return rerender(parsed.errors, 422);
  try {
    const to = await save(parsed.data);
    setFlash(req, 'success', typeof done === 'function' ? done() : done);
    res.redirect(303, to);
  } catch (err) {
    if (err instanceof ValidationError) return rerender(err.fields, 422);
    if (err instanceof ConflictError) return rerender({ _form: err.message }, 409);
    throw err;
  }
}
