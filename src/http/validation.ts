import { z } from 'zod';

z.config(z.locales.fr());

export type FieldErrors = Record<string, string>;
export type ParseResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Parse a form body with a zod schema; on failure, one French message per field (the first). */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): ParseResult<z.infer<S>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : '_form';
    if (!(key in errors)) errors[key] = issue.message;
  }
  return { ok: false, errors };
}

/** Form text: trimmed, NUL bytes refused, with a French message naming the limit. */
export function text(opts: { label: string; max: number; required?: boolean }) {
  const base = z
    .string({ error: `${opts.label} : ce champ est invalide.` })
    .transform((s) => s.replace(/\r\n/g, '\n').trim())
    .refine((s) => !s.includes('\u0000'), { message: `${opts.label} contient un caractère interdit.` })
    .refine((s) => s.length <= opts.max, { message: `${opts.label} : ${opts.max} caractères au maximum.` });
  if (opts.required) {
    return base.refine((s) => s.length > 0, { message: `Renseignez le champ « ${opts.label} ».` });
  }
  return base;
}

/** An optional text field that may be absent from the body. */
export function optionalText(opts: { label: string; max: number }) {
  return z.preprocess((v) => (v === undefined || v === null ? '' : v), text(opts));
}

/** A positive integer id sent as a string (select values, hidden fields). */
export function id(message: string) {
  return z.coerce.number({ error: message }).int({ error: message }).positive({ error: message });
}

/**
 * A list's text filter from the query string: control characters dropped (no stored text holds
 * one, and PostgreSQL refuses a NUL in any string), 100 characters at most.
 */
export function filterText(raw: unknown): string {
  // eslint-disable-next-line no-control-regex
  return (typeof raw === 'string' ? raw : '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 100);
}
