// The academy directory's part of `npm run bench -- --directory`: 30,000 people generated into a
// real OpenLDAP (test/helpers/ldap-server.ts), synced by `npm run sync-directory` as an operator
// runs it, then sign-ins through the login form against that directory.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../src/config.js';
import { LDAP_BASE, startLdapServer, type LdapServer } from '../helpers/ldap-server.js';

export const DIRECTORY_PEOPLE = 30_000;
const SCHOOLS = 2_000;

/** An LDIF of the organisation and `people` staff over SCHOOLS establishments (a head for each); password "bench". */
export function directoryLdif(file: string, people: number): void {
  const out = fs.openSync(file, 'w');
  const write = (s: string) => fs.writeSync(out, s);
  write(`dn: ${LDAP_BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Academie du banc\ndc: ac-test\n\n`);
  for (const ou of ['people', 'services']) write(`dn: ou=${ou},${LDAP_BASE}\nobjectClass: organizationalUnit\nou: ${ou}\n\n`);
  write(`dn: cn=guichet,ou=services,${LDAP_BASE}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: guichet\nuserPassword: service-secret\n\n`);
  for (let n = 1; n <= people; n++) {
    const uai = `09${String(1 + (n % SCHOOLS)).padStart(5, '0')}B`;
    const head = n <= SCHOOLS;
    write(
      [
        `dn: uid=DIR${String(n).padStart(5, '0')},ou=people,${LDAP_BASE}`, 'objectClass: inetOrgPerson', 'objectClass: academyPerson',
        `uid: DIR${String(n).padStart(5, '0')}`, `cn: Prenom${n} Nom${n}`, `sn: Nom${n}`, `givenName: Prenom${n}`, `mail: dir${n}@ac-bench.fr`,
        'title: Enseignant', `rne: ${uai}`, `FrEduRne: ${uai}$UAJ$PU$ENS$${uai}$CLG$340$CLG`, ...(head ? ['FrEduFonctAdm: DIR'] : []), 'userPassword: bench', '', '',
      ].join('\n'),
    );
  }
  fs.closeSync(out);
}

/** Run the sync command as an operator does; its time, its process's peak memory and its summary line. */
function syncOnce(env: NodeJS.ProcessEnv): Promise<{ seconds: number; peakMb: number; summary: string }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'sync-directory.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let peakKb = 0;
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const sample = setInterval(() => {
    try {
      const m = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // Exited between two samples.
    }
  }, 50);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearInterval(sample);
      if (code !== 0) return reject(new Error(`sync-directory exited ${code}: ${out}${err.slice(-500)}`));
      resolve({ seconds: (Date.now() - t0) / 1000, peakMb: Math.round(peakKb / 1024), summary: out.trim().split('\n').find((l) => /entries in/.test(l)) ?? '' });
    });
  });
}

export interface DirectoryFigures { first: Awaited<ReturnType<typeof syncOnce>>; second: Awaited<ReturnType<typeof syncOnce>>; loadSeconds: number }

/** Generate and load the directory, then sync it twice into the database of `env` (DATA_DIR or DATABASE_URL). */
export async function benchDirectorySync(dir: string, env: NodeJS.ProcessEnv): Promise<{ ldap: LdapServer; figures: DirectoryFigures }> {
  const ldif = path.join(dir, 'directory.ldif');
  directoryLdif(ldif, DIRECTORY_PEOPLE);
  const t0 = Date.now();
  const ldap = await startLdapServer({ ldif });
  const loadSeconds = (Date.now() - t0) / 1000;
  const ldapEnv = {
    ...env, LDAP_URL: ldap.config.url, LDAP_BIND_DN: ldap.config.bindDn, LDAP_BIND_PASSWORD: ldap.config.bindPassword,
    LDAP_BASE_DN: ldap.config.baseDn, LDAP_SYNC_FILTER: ldap.config.syncFilter,
  };
  const first = await syncOnce(ldapEnv);
  console.log(`directory sync of ${DIRECTORY_PEOPLE} entries: ${first.seconds.toFixed(1)} s, peak ${first.peakMb} MB — ${first.summary}`);
  const second = await syncOnce(ldapEnv);
  console.log(`second sync: ${second.seconds.toFixed(1)} s, peak ${second.peakMb} MB — ${second.summary}`);
  return { ldap, figures: { first, second, loadSeconds } };
}
