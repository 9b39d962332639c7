import fs from 'node:fs';
import { Client, Filter, InvalidCredentialsError, SizeLimitExceededError, type Entry } from 'ldapts';
import type { LdapConfig } from '../../config.js';
import { personFrom, type Attributes, type DirectoryPerson } from './directory-person.js';

/** The directory could not be asked (down, unreachable, too slow, a certificate refused). */
export class DirectoryUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the LDAP directory cannot be reached', { cause });
    this.name = 'DirectoryUnavailableError';
  }
}

const ATTRIBUTES = ['uid', 'cn', 'sn', 'givenName', 'mail', 'telephoneNumber', 'title', 'rne', 'FrEduRne', 'FrEduRneResp', 'FrEduFonctAdm', 'memberOf'];

/** An entry's attributes as the mapping reads them; the groups are the `cn` of each `memberOf`. */
function attributesOf(entry: Entry): Attributes {
  const attrs: Attributes = {};
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'dn') continue;
    const list = (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
    attrs[key] = list;
  }
  const memberOf = (attrs.memberOf ?? []) as string[];
  attrs.groups = memberOf.map((dn) => /^cn=([^,]+)/i.exec(dn)?.[1] ?? '').filter(Boolean);
  return attrs;
}

/** The academy's LDAP directory: who signs in, and every person for the sync. */
export class LdapDirectory {
  private readonly ca: Buffer | undefined;

  constructor(private readonly config: LdapConfig) {
    this.ca = config.caFile ? fs.readFileSync(config.caFile) : undefined;
  }

  /** The person of this Identifiant and password, or null when the directory says no. */
  async authenticate(identifiant: string, password: string): Promise<DirectoryPerson | null> {
    // A bind with an empty password is an anonymous bind, which "succeeds": never ask.
    if (password === '' || identifiant.trim() === '') return null;
    return this.asking(async () => {
      const service = await this.connect(true);
      let entry: Entry | undefined;
      try {
        // Escaped (RFC 4515): a `*` or `)` in the Identifiant matches itself, never anyone else.
        // A function, not a string: `$&` or `$'` in the value must not be read as replacement patterns.
        const escaped = Filter.escape(identifiant.trim());
        const filter = this.config.userFilter.replaceAll('{identifiant}', () => escaped);
        const { searchEntries } = await service.search(this.config.baseDn, { scope: 'sub', filter, attributes: ATTRIBUTES, sizeLimit: 2 });
        // Nobody, or two people for one Identifiant: nobody signs in.
        if (searchEntries.length !== 1) return null;
        entry = searchEntries[0];
      } catch (err) {
        if (err instanceof SizeLimitExceededError) return null;
        throw err;
      } finally {
        await service.unbind().catch(() => undefined);
      }
      const user = await this.connect(false);
      try {
        await user.bind(entry.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return null;
        throw err;
      } finally {
        await user.unbind().catch(() => undefined);
      }
      return personFrom(attributesOf(entry));
    });
  }

  /** Every person the sync filter finds, a page at a time (the server's paged results control). */
  async *people(pageSize = 500): AsyncGenerator<Array<DirectoryPerson | { invalid: string }>> {
    const client = await this.asking(() => this.connect(true));
    try {
      const pages = client.searchPaginated(this.config.baseDn, { scope: 'sub', filter: this.config.syncFilter, attributes: ATTRIBUTES, paged: { pageSize } });
      while (true) {
        const next = await this.asking(() => pages.next());
        if (next.done) break;
        yield next.value.searchEntries.map((e) => personFrom(attributesOf(e)) ?? { invalid: e.dn });
      }
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private async connect(asService: boolean): Promise<Client> {
    // Certificates are always checked: against LDAP_CA_FILE when given, else the system's authorities.
    const tlsOptions = { ...(this.ca ? { ca: [this.ca] } : {}), minVersion: 'TLSv1.2' as const };
    const secure = this.config.url.startsWith('ldaps://');
    const client = new Client({ url: this.config.url, timeout: this.config.timeoutMs, connectTimeout: this.config.timeoutMs, strictDN: true, ...(secure ? { tlsOptions } : {}) });
    try {
      // The name the certificate must carry: the directory's host (ldapts would check "localhost").
      if (this.config.startTls) await client.startTLS({ ...tlsOptions, host: new URL(this.config.url).hostname });
      if (asService && this.config.bindDn) await client.bind(this.config.bindDn, this.config.bindPassword);
      return client;
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw err;
    }
  }

  /** Run `work`; any failure other than the directory's "no" means it could not be asked. */
  private async asking<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw err instanceof DirectoryUnavailableError ? err : new DirectoryUnavailableError(err);
    }
  }
}
