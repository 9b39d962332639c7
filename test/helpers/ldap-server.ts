import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client } from 'ldapts';
import { ROOT } from '../../src/config.js';
import type { LdapConfig } from '../../src/config.js';
import { freePort } from './ports.js';

const run = promisify(execFile);
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'ldap');
export const LDAP_BASE = 'dc=ac-test,dc=fr';
const ROOT_DN = `cn=admin,${LDAP_BASE}`;
const ROOT_PASSWORD = 'root-secret';
export const SERVICE_DN = `cn=guichet,ou=services,${LDAP_BASE}`;
export const SERVICE_PASSWORD = 'service-secret';

/** An LDAP modification that replaces an attribute's values. */
export const replace = (type: string, ...values: string[]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) });

/** Is OpenLDAP's server here (Debian slapd)? */
export function slapdInstalled(): boolean {
  return fs.existsSync('/usr/sbin/slapd') && fs.existsSync('/usr/sbin/slapadd');
}

/** A certificate authority of the test's own and a certificate it signs for 127.0.0.1 (openssl). */
async function certificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const f = (name: string) => path.join(dir, name);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Guichet test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('san.ext')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

export interface LdapServer {
  url: string;
  /** With `tls`: the ldaps:// address, and the certificate authority (PEM file) that signed the server's certificate. */
  tls?: { url: string; caFile: string };
  /** Guichet's settings for this directory. */
  config: LdapConfig;
  /** Change the directory as its administrators would, bound as its root. */
  admin<T>(work: (c: Client) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
  /** Stop the server but keep its data, to bring it back with start(). */
  pause(): Promise<void>;
  start(): Promise<void>;
}

/**
 * A real OpenLDAP server on a free loopback port, in a temporary folder: the academy schema, the
 * people of `ldif` (test/fixtures/ldap/people.ldif unless given), loaded with slapadd.
 */
export async function startLdapServer(opts: { ldif?: string; tls?: boolean } = {}): Promise<LdapServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-ldap-'));
  fs.mkdirSync(path.join(dir, 'db'));
  const conf = path.join(dir, 'slapd.conf');
  const tls = opts.tls ? await certificates(dir) : null;
  fs.writeFileSync(
    conf,
    [
      ...(tls ? [`TLSCACertificateFile ${tls.ca}`, `TLSCertificateFile ${tls.cert}`, `TLSCertificateKeyFile ${tls.key}`] : []),
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `include ${path.join(FIXTURES, 'academy.schema')}`,
      `pidfile ${path.join(dir, 'slapd.pid')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'database mdb',
      `suffix "${LDAP_BASE}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${ROOT_PASSWORD}`,
      `directory ${path.join(dir, 'db')}`,
      'maxsize 1073741824',
      'index objectClass eq',
      'index uid eq,pres',
      // The service account reads everything, pages of any size; people bind with their own password.
      `limits dn.exact="${SERVICE_DN}" size.soft=unlimited size.hard=unlimited size.prtotal=unlimited time=unlimited`,
      'access to attrs=userPassword by anonymous auth by * none',
      `access to * by dn.exact="${SERVICE_DN}" read by * none`,
      '',
    ].join('\n'),
  );
  await run('/usr/sbin/slapadd', ['-q', '-f', conf, '-l', opts.ldif ?? path.join(FIXTURES, 'people.ldif')]);
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const secureUrl = tls ? `ldaps://127.0.0.1:${await freePort()}` : null;
  let child: ChildProcess | null = null;

  const start = async () => {
    const listen = [`${url}/`, ...(secureUrl ? [`${secureUrl}/`] : [])].join(' ');
    child = spawn('/usr/sbin/slapd', ['-d', '0', '-f', conf, '-h', listen], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    // Ready when a bind succeeds.
    for (let i = 0; ; i++) {
      const c = new Client({ url, connectTimeout: 500 });
      try {
        await c.bind(ROOT_DN, ROOT_PASSWORD);
        await c.unbind();
        return;
      } catch (e) {
        if (i > 100 || child.exitCode !== null) throw new Error(`slapd did not start: ${err || (e as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const pause = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    url,
    ...(tls && secureUrl ? { tls: { url: secureUrl, caFile: tls.ca } } : {}),
    config: {
      url, bindDn: SERVICE_DN, bindPassword: SERVICE_PASSWORD, baseDn: `ou=people,${LDAP_BASE}`,
      userFilter: '(uid={identifiant})', syncFilter: '(objectClass=inetOrgPerson)', startTls: false, caFile: undefined, timeoutMs: 2000,
    },
    async admin(work) {
      const c = new Client({ url });
      await c.bind(ROOT_DN, ROOT_PASSWORD);
      try {
        return await work(c);
      } finally {
        await c.unbind();
      }
    },
    start,
    pause,
    async stop() {
      await pause();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
