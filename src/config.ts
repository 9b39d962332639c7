import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { DatabaseTarget } from './db/database.js';

/** The project root: the folder holding package.json, whether we run from src or dist. */
function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + start);
    dir = parent;
  }
  return dir;
}

export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  SESSION_SECRET: z.string().min(16).optional(),
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  UPLOAD_MAX_MB: z.coerce.number().positive().default(10),
  UPLOAD_MAX_FILES: z.coerce.number().int().positive().default(5),
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().default('Guichet <ne-pas-repondre@guichet.invalid>'),
  PUBLIC_URL: z.string().url().optional(),
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(50),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, { error: 'DATABASE_URL: postgres://user:password@host:5432/base' }).optional(),
  DATABASE_POOL: z.coerce.number().int().positive().default(10),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  dataDir: string;
  /** The embedded SQLite file (DATA_DIR/guichet.sqlite), or the PostgreSQL server of DATABASE_URL. */
  database: DatabaseTarget;
  /** Connections to PostgreSQL per process. */
  databasePool: number;
  uploadDir: string;
  /** Where multipart files land before a service keeps them: beside uploads, so keeping is a rename. */
  uploadTmpDir: string;
  sessionSecret: string;
  trustProxy: string | undefined;
  logLevel: string;
  uploadMaxBytes: number;
  uploadMaxFiles: number;
  /** Load the demo accounts and tickets (never in production). */
  demoData: boolean;
  /** Without it, mails stay in the outbox (visible to admins under "Courriels"). */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** The address users reach Guichet at, for links in mails. */
  publicUrl: string;
  /** Login attempts allowed per address per 15 minutes. */
  loginRateLimit: number;
}

/** Parse the environment once; nothing else reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error('Invalid environment:\n' + lines.join('\n'));
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  if (isProduction && !e.SESSION_SECRET) {
    throw new Error('SESSION_SECRET (at least 16 characters) is required when NODE_ENV=production');
  }
  const dataDir = path.resolve(ROOT, e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: e.DATABASE_URL ? { engine: 'postgres', url: e.DATABASE_URL } : { engine: 'sqlite', file: path.join(dataDir, 'guichet.sqlite') },
    databasePool: e.DATABASE_POOL,
    uploadDir: path.join(dataDir, 'uploads'),
    uploadTmpDir: path.join(dataDir, 'tmp'),
    sessionSecret: e.SESSION_SECRET ?? 'guichet-development-secret-not-for-production',
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    uploadMaxBytes: Math.round(e.UPLOAD_MAX_MB * 1024 * 1024),
    uploadMaxFiles: e.UPLOAD_MAX_FILES,
    demoData: !isProduction,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    ...overrides,
  };
}
