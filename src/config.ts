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
  AUTH_METHODS: z.string().default('local'),
  AUTH_HEADER_PROXIES: z.string().default('127.0.0.1,::1'),
  AUTH_LOGOUT_URL: z.string().url().optional(),
  AUTH_GROUP_ROLES: z.string().default(''),
  LDAP_URL: z.string().regex(/^ldaps?:\/\//, { error: 'LDAP_URL: ldap://host:389 or ldaps://host:636' }).optional(),
  LDAP_BIND_DN: z.string().default(''),
  LDAP_BIND_PASSWORD: z.string().default(''),
  LDAP_BASE_DN: z.string().default(''),
  LDAP_USER_FILTER: z.string().default('(uid={identifiant})'),
  LDAP_SYNC_FILTER: z.string().default('(uid=*)'),
  LDAP_STARTTLS: z.enum(['true', 'false']).default('false'),
  LDAP_CA_FILE: z.string().optional(),
  LDAP_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  DIRECTORY_SYNC_HOURS: z.coerce.number().nonnegative().default(0),
  IMAP_URL: z.string().regex(/^imaps?:\/\//, { error: 'IMAP_URL: imaps://utilisateur:motdepasse@hote:993/INBOX' }).optional(),
  MAIL_REPLY_TO: z.string().email().optional(),
  IMAP_POLL_SECONDS: z.coerce.number().int().positive().default(30),
  MAIL_IN_MAX_PER_HOUR: z.coerce.number().int().positive().default(30),
  MAIL_AGENT_REPLIES: z.enum(['refuse', 'public']).default('refuse'),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().default(''),
  OIDC_CLIENT_SECRET: z.string().default(''),
  OIDC_SCOPES: z.string().default('openid profile email'),
  OIDC_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
});

export const AUTH_METHODS = ['local', 'header', 'ldap', 'oidc'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface OidcConfig {
  /** The provider's address; its discovery document is at /.well-known/openid-configuration. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  timeoutMs: number;
}

export interface LdapConfig {
  url: string;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  /** `{identifiant}` stands for the typed Identifiant, escaped. */
  userFilter: string;
  /** The entries a sync reads. */
  syncFilter: string;
  startTls: boolean;
  /** PEM file of the certificate authority the directory's certificate must come from. */
  caFile: string | undefined;
  timeoutMs: number;
}

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
  /** The helpdesk's mailbox that Guichet reads (replies, new requests); none: mail-in is off. */
  imapUrl: string | undefined;
  /** Where replies go (Reply-To of every mail) when the mailbox is read. */
  mailReplyTo: string | undefined;
  imapPollMs: number;
  /** Mails per sender per hour past which the next are set aside for the admin. */
  mailInMaxPerHour: number;
  /** An agent's reply by mail: refused (the console decides public or private), or put in the public journal. */
  mailAgentReplies: 'refuse' | 'public';
  /** The address users reach Guichet at, for links in mails. */
  publicUrl: string;
  /** Login attempts allowed per address per 15 minutes. */
  loginRateLimit: number;
  auth: {
    /** How people sign in, the first being the default: local passwords, the ARENA gateway's headers, the LDAP directory, OpenID Connect. */
    methods: AuthMethod[];
    /** Addresses or CIDRs of the reverse proxies whose gateway headers are believed. */
    headerProxies: string[];
    /** Where a directory user goes on logout (the gateway's own logout). */
    logoutUrl: string | undefined;
    /** Directory group → Guichet role, added to the roles the admin gives. */
    groupRoles: Record<string, 'agent' | 'admin'>;
  };
  ldap: LdapConfig | undefined;
  oidc: OidcConfig | undefined;
  /** Hours between directory syncs run by the app (0: only `npm run sync-directory`). */
  directorySyncHours: number;
}

function authMethods(list: string): AuthMethod[] {
  const methods = list.split(',').map((m) => m.trim()).filter(Boolean);
  const unknown = methods.filter((m) => !(AUTH_METHODS as readonly string[]).includes(m));
  if (methods.length === 0 || unknown.length > 0) throw new Error(`Invalid environment:\nAUTH_METHODS: ${AUTH_METHODS.join(', ')} (comma-separated), not ${unknown.join(', ') || 'nothing'}`);
  return [...new Set(methods)] as AuthMethod[];
}

function groupRoles(list: string): Record<string, 'agent' | 'admin'> {
  const map: Record<string, 'agent' | 'admin'> = {};
  for (const pair of list.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [group, role] = pair.split('=').map((x) => x?.trim());
    if (!group || (role !== 'agent' && role !== 'admin')) throw new Error(`Invalid environment:\nAUTH_GROUP_ROLES: GROUP=agent or GROUP=admin, comma-separated, not ${pair}`);
    map[group] = role;
  }
  return map;
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
  const methods = authMethods(e.AUTH_METHODS);
  if (methods.includes('ldap') && !e.LDAP_URL) throw new Error('Invalid environment:\nLDAP_URL is required when AUTH_METHODS has ldap');
  if (methods.includes('oidc') && !(e.OIDC_ISSUER && e.OIDC_CLIENT_ID)) throw new Error('Invalid environment:\nOIDC_ISSUER and OIDC_CLIENT_ID are required when AUTH_METHODS has oidc');
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
    imapUrl: e.IMAP_URL,
    mailReplyTo: e.MAIL_REPLY_TO,
    imapPollMs: e.IMAP_POLL_SECONDS * 1000,
    mailInMaxPerHour: e.MAIL_IN_MAX_PER_HOUR,
    mailAgentReplies: e.MAIL_AGENT_REPLIES,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    auth: {
      methods,
      headerProxies: e.AUTH_HEADER_PROXIES.split(',').map((a) => a.trim()).filter(Boolean),
      logoutUrl: e.AUTH_LOGOUT_URL,
      groupRoles: groupRoles(e.AUTH_GROUP_ROLES),
    },
    ldap: e.LDAP_URL
      ? {
          url: e.LDAP_URL, bindDn: e.LDAP_BIND_DN, bindPassword: e.LDAP_BIND_PASSWORD, baseDn: e.LDAP_BASE_DN,
          userFilter: e.LDAP_USER_FILTER, syncFilter: e.LDAP_SYNC_FILTER, startTls: e.LDAP_STARTTLS === 'true', caFile: e.LDAP_CA_FILE, timeoutMs: e.LDAP_TIMEOUT_MS,
        }
      : undefined,
    oidc: e.OIDC_ISSUER
      ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET, scopes: e.OIDC_SCOPES, timeoutMs: e.OIDC_TIMEOUT_MS }
      : undefined,
    directorySyncHours: e.DIRECTORY_SYNC_HOURS,
    ...overrides,
  };
}
