import { pino, type Logger } from 'pino';

/**
 * An error as the logs keep it: type, code, message and stack, nothing else. SQLite errors
 * lose their statement (knex puts the SQL with its values in the message: a journal's text,
 * a password hash), keeping only SQLite's own words.
 */
export function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err).slice(0, 200) };
  const code = (err as { code?: unknown }).code;
  let message = err.message;
  if (typeof code === 'string' && code.startsWith('SQLITE')) message = message.split(' - ').pop() ?? code;
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
  return { type: err.name, ...(typeof code === 'string' ? { code } : {}), message, stack: `${err.name}: ${message}\n${frames}` };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, base: undefined, serializers: { err: safeError }, redact: ['req.headers', 'password', 'token'] };
  return destination ? pino(options, destination) : pino(options);
}
