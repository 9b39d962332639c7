import type { EstablishmentType } from '../tickets/vocabulary.js';
import { normalizeIdentifiant } from './users.repo.js';

/**
 * A person as the academy directory describes them, whichever way Guichet heard of them: the
 * ARENA gateway's headers, an LDAP entry, OpenID Connect claims. The one mapping of the three.
 */
export interface DirectoryPerson {
  identifiant: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  title: string;
  /** UAIs of their establishments, the main one first. */
  uais: string[];
  /** UAIs of the establishments they head (a subset of `uais`). */
  responsibleUais: string[];
  /** What the directory says of each establishment, for one Guichet does not know yet. */
  kinds: Record<string, EstablishmentType>;
  groups: string[];
}

/** The directory's attributes by their LDAP names (any case), each with one or several values. */
export type Attributes = Record<string, string | readonly string[] | undefined>;

const UAI = /^\d{7}[A-Z]$/;

function values(attrs: Attributes, name: string): string[] {
  const key = Object.keys(attrs).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : attrs[key];
  const list = v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
  return list.map((s) => s.trim()).filter((s) => s !== '' && s !== 'X');
}
const first = (attrs: Attributes, name: string) => values(attrs, name)[0] ?? '';

/** The nature of an establishment (FrEduRne's `tna_sym`: ECOL, CLG, LYC, LP…) as Guichet's type. */
function kindOf(natureSymbol: string): EstablishmentType {
  const s = natureSymbol.toUpperCase();
  if (/^(CLG|COLL)/.test(s)) return 'college';
  if (/^(LYC|LP|LG|LPO|SEP|EREA)/.test(s)) return 'lycee';
  if (/^(ECOL|EP|EM|EE|E\.)/.test(s)) return 'ecole';
  return 'service';
}

/**
 * `FrEduRne` (uai$type$category$function$uaj$tna_sym$tty_code$tna_code) and `FrEduRneResp`
 * (uai$type$category$activity$tna_sym$tty_code$tna_code): the UAI, and the nature symbol at its
 * place in each format; `X` means no value.
 */
function parseRne(value: string, natureAt: number): { uai: string; kind: EstablishmentType | null } | null {
  const parts = value.split('$');
  const uai = parts[0].trim().toUpperCase();
  if (!UAI.test(uai)) return null;
  const nature = parts[natureAt]?.trim() ?? '';
  return { uai, kind: nature && nature !== 'X' ? kindOf(nature) : null };
}

/**
 * The person of a set of attributes, or null without a usable uid. Establishments: `rne` (the
 * main one) and the UAI of each `FrEduRne`; heads the UAIs of `FrEduRneResp`, and the `rne`
 * when `FrEduFonctAdm` is DIR. Mail: the first of several.
 */
export function personFrom(attrs: Attributes): DirectoryPerson | null {
  const identifiant = normalizeIdentifiant(first(attrs, 'uid'));
  if (!/^[A-Z0-9._-]{2,64}$/.test(identifiant)) return null;
  const kinds: Record<string, EstablishmentType> = {};
  const seen = (list: Array<{ uai: string; kind: EstablishmentType | null } | null>) =>
    list.flatMap((r) => {
      if (!r) return [];
      if (r.kind && !kinds[r.uai]) kinds[r.uai] = r.kind;
      return [r.uai];
    });
  const main = first(attrs, 'rne').toUpperCase();
  const member = seen(values(attrs, 'FrEduRne').map((v) => parseRne(v, 5)));
  const heads = seen(values(attrs, 'FrEduRneResp').map((v) => parseRne(v, 4)));
  const isDirector = values(attrs, 'FrEduFonctAdm').some((f) => f.toUpperCase() === 'DIR');
  const mainUai = UAI.test(main) ? [main] : [];
  const uais = [...new Set([...mainUai, ...member, ...heads])];
  const responsibleUais = [...new Set([...heads, ...(isDirector ? mainUai : [])])];
  const cn = first(attrs, 'cn');
  const lastName = first(attrs, 'sn') || cn.split(' ').slice(-1)[0] || identifiant;
  const firstName = first(attrs, 'givenName') || cn.split(' ').slice(0, -1).join(' ');
  return {
    identifiant,
    firstName: firstName.slice(0, 255),
    lastName: lastName.slice(0, 255),
    email: first(attrs, 'mail').slice(0, 255),
    phone: first(attrs, 'telephoneNumber').slice(0, 40),
    title: first(attrs, 'title').slice(0, 255),
    uais,
    responsibleUais,
    kinds,
    groups: values(attrs, 'groups'),
  };
}

/**
 * The ARENA gateway's headers as directory attributes: `ct-remote-user` is the uid, `ctln`,
 * `ctfn` and `ctemail` the names and mail, `ctgrps` the groups; several values comma-joined.
 */
export function attributesFromHeaders(get: (name: string) => string | undefined): Attributes {
  const one = (name: string) => get(name);
  const several = (name: string) => get(name)?.split(',');
  return {
    uid: one('ct-remote-user'),
    cn: one('cn'),
    sn: one('ctln'),
    givenName: one('ctfn'),
    mail: several('ctemail'),
    rne: one('rne'),
    title: one('title'),
    FrEduFonctAdm: several('FrEduFonctAdm'),
    FrEduRne: several('FrEduRne'),
    FrEduRneResp: several('FrEduRneResp'),
    groups: several('ctgrps'),
  };
}
