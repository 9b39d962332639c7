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

const WARN = pino.levels.values.warn;

/**
 * Logs go to stdout as JSON lines, gathered up to 4 kB and written at most a second later rather
 * than one write per request. A warning or an error is written at once, with what came before
 * it; pino writes what is left when the process exits, and a fatal line synchronously.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    serializers: { err: safeError },
    redact: ['req.headers', 'password', 'token'],
    hooks: {
      logMethod(args, write, levelValue) {
        write.apply(this, args);
        if (levelValue >= WARN) this.flush();
      },
    },
  };
  return pino(options, destination ?? pino.destination({ sync: false, minLength: 4096, periodicFlush: 1000 }));
}

