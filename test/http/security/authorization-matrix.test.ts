import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import type { Agent } from '../../helpers/agent.js';
import { buildEstablishment, buildTeam, buildUser, demoUser, routeTo, subcategoryId } from '../../helpers/factories.js';
import { PNG_1PX } from '../../helpers/files.js';
import { anonymousClient, bodyText, signedInClient, tokenOf } from '../../helpers/security-clients.js';
import { fillPath, listRoutes } from '../../helpers/security-routes.js';

// Every route of the real app × every kind of visitor × both "Visible par" choices, against an
// expected table written out by hand from the rules (SPEC, access.ts). A route added to the app
// without a line here fails the first test: someone has to decide who may use it.

type Role =
  | 'anonymous' | 'requester' | 'colleague' | 'beneficiary' | 'manager' | 'otherManager'
  | 'teamAgent' | 'otherAgent' | 'admin' | 'deactivated';
type Case = 'self' | 'managers';
/** "200", "404"…, or "302>/login": a redirect whose Location starts with /login. Per case when it depends on the ticket. */
type Cell = string | { self: string; managers: string };
type Row = Record<Role, Cell>;

const ROLES: Role[] = ['anonymous', 'requester', 'colleague', 'beneficiary', 'manager', 'otherManager', 'teamAgent', 'otherAgent', 'admin', 'deactivated'];
const CASES: Case[] = ['self', 'managers'];

/**
 * Who may see what of the two tickets, both filed by the requester (SSEGUR) for the beneficiary
 * (PMARTIN), one "Visible par: Moi-même", one "Visible par: Responsables", routed to the team of
 * teamAgent. Anything else of a ticket must never appear in a response to that role.
 */
const SEES: Record<Role, { tickets: Case[]; privateJournal: boolean }> = {
  anonymous: { tickets: [], privateJournal: false },
  requester: { tickets: ['self', 'managers'], privateJournal: false },
  colleague: { tickets: [], privateJournal: false },
  beneficiary: { tickets: ['self', 'managers'], privateJournal: false },
  manager: { tickets: ['managers'], privateJournal: false },
  otherManager: { tickets: [], privateJournal: false },
  teamAgent: { tickets: ['self', 'managers'], privateJournal: true },
  otherAgent: { tickets: [], privateJournal: false },
  admin: { tickets: [], privateJournal: false },
  deactivated: { tickets: [], privateJournal: false },
};

// — The expected table —

const TO_LOGIN = '302>/login'; // a page asked by someone not signed in: the login page, then back (?next=)
const TO_LOGIN_AFTER_POST = '303>/login';
/** Not signed in: nobody, or a user deactivated while signed in (the session no longer names anyone). */
const outsider = { anonymous: TO_LOGIN, deactivated: TO_LOGIN };
const outsiderPost = { anonymous: TO_LOGIN_AFTER_POST, deactivated: TO_LOGIN_AFTER_POST };
const signedIn = (cell: Cell) => ({
  requester: cell, colleague: cell, beneficiary: cell, manager: cell, otherManager: cell, teamAgent: cell, otherAgent: cell, admin: cell,
});
const everyone = (cell: Cell): Row => ({ anonymous: cell, deactivated: cell, ...signedIn(cell) });
const page: Row = { ...outsider, ...signedIn('200') };
const adminPage: Row = { ...outsider, ...signedIn('404'), admin: '200' };
const adminPost = (cell: Cell): Row => ({ ...outsiderPost, ...signedIn('404'), admin: cell });
const agentPage: Row = { ...outsider, ...signedIn('404'), teamAgent: '200', otherAgent: '200' };
/** The sub-category of the tickets is offered to écoles only; agents and the admin belong to the rectorat. */
const schoolOffer: Row = { ...outsider, ...signedIn('200'), teamAgent: '404', otherAgent: '404', admin: '404' };
/** The manager of the school sees only the ticket filed "Visible par: Responsables". */
const sharedOnly = (ok: string): Cell => ({ self: '404', managers: ok });

const EXPECTED: Record<string, Row> = {
  'GET /login': { anonymous: '200', deactivated: '200', ...signedIn('302>/portail') },
  'POST /login': everyone('401'), // an unknown identifiant, no password
  'POST /logout': everyone('303>/login'),
  'GET /mot-de-passe-perdu': everyone('200'),
  'POST /mot-de-passe-perdu': everyone('422'),
  'GET /mot-de-passe/:token': everyone('410'),
  'POST /mot-de-passe/:token': everyone('422'),
  'GET /': { ...outsider, ...signedIn('302>/portail') },
  'GET /portail': page,
  'GET /guichet': { ...outsider, ...signedIn('302>/assistance'), teamAgent: '302>/agent', otherAgent: '302>/agent' },
  'GET /assistance': page,
  'GET /assistance/recherche': page,
  'GET /assistance/services': page,
  'GET /assistance/services/:level/:id': schoolOffer,
  'GET /assistance/tickets/nouveau': schoolOffer,
  'POST /assistance/tickets': { ...outsiderPost, ...signedIn('422') },
  'GET /assistance/tickets/en-cours': page,
  'GET /assistance/tickets/traites': page,
  'GET /assistance/tickets/:ref': { ...outsider, ...signedIn('404'), requester: '200', beneficiary: '200', manager: sharedOnly('200') },
  // the manager sees the shared ticket but is not its requester: "Mise à jour" is not hers to do
  'POST /assistance/tickets/:ref/mise-a-jour': { ...outsiderPost, ...signedIn('404'), requester: '422', beneficiary: '422', manager: sharedOnly('409') },
  'GET /assistance/tickets/:ref/resolution': { ...outsider, ...signedIn('302>/assistance/tickets/') },
  'POST /assistance/tickets/:ref/resolution': { ...outsiderPost, ...signedIn('404'), requester: '422', beneficiary: '422', manager: sharedOnly('422') },
  'GET /pieces-jointes/:id': { ...outsider, ...signedIn('404'), requester: '200', beneficiary: '200', manager: sharedOnly('200'), teamAgent: '200' },
  'GET /assistance/faq': page,
  'GET /assistance/fiches': page,
  'GET /assistance/fiches/:id': page,
  'GET /assistance/plus': page,
  'GET /agent': { ...outsider, ...signedIn('404'), teamAgent: '302>/agent/tickets/en-cours', otherAgent: '302>/agent/tickets/en-cours' },
  'GET /agent/tickets/en-cours': agentPage,
  'GET /agent/tickets/resolus': agentPage,
  'GET /agent/tickets/:ref': { ...outsider, ...signedIn('404'), teamAgent: '200' },
  'POST /agent/tickets/:ref': { ...outsiderPost, ...signedIn('404'), teamAgent: '422' },
  'GET /assistance/plus/notifications': page,
  'POST /assistance/plus/notifications': { ...outsiderPost, ...signedIn('303>/assistance/plus/notifications') },
  'GET /admin': adminPage,
  'GET /admin/courriels': adminPage,
  'GET /admin/courriels/:id': adminPage,
  'GET /admin/courriels-entrants': adminPage,
  'POST /admin/courriels-entrants/:id/reprendre': adminPost('404'), // no mail set aside with that id
  'GET /admin/satisfaction': adminPage,
  'GET /admin/journal': adminPage,
  'GET /admin/verrouillages': adminPage,
  'POST /admin/verrouillages/deverrouiller': adminPost('303>/admin/verrouillages'),
  'GET /admin/catalogue': adminPage,
  'GET /admin/catalogue/nouveau/:level': adminPage,
  'POST /admin/catalogue/:level': adminPost('422'),
  'GET /admin/catalogue/:level/:id': adminPage,
  'POST /admin/catalogue/:level/:id': adminPost('422'),
  'POST /admin/catalogue/:level/:id/supprimer': adminPost('303>/admin/catalogue'),
  'GET /admin/equipes': adminPage,
  'POST /admin/equipes/plateforme': adminPost('404'), // no platform_team_id: no such team
  'GET /admin/equipes/nouvelle': adminPage,
  'POST /admin/equipes': adminPost('422'),
  'GET /admin/equipes/:id': adminPage,
  'POST /admin/equipes/:id': adminPost('422'),
  'POST /admin/equipes/:id/membres': adminPost('404'), // no user_id: no such user
  'POST /admin/equipes/:id/membres/:userId/retirer': adminPost('303>/admin/equipes/'),
  'GET /admin/utilisateurs': adminPage,
  'GET /admin/utilisateurs/nouveau': adminPage,
  'POST /admin/utilisateurs': adminPost('422'),
  'GET /admin/utilisateurs/:id': adminPage,
  'POST /admin/utilisateurs/:id': adminPost('422'),
  'GET /admin/etablissements': adminPage,
  'GET /admin/etablissements/nouveau': adminPage,
  'POST /admin/etablissements': adminPost('422'),
  'GET /admin/etablissements/:id': adminPage,
  'POST /admin/etablissements/:id': adminPost('422'),
  'GET /admin/portail': adminPage,
  'POST /admin/portail': adminPost('422'),
  'POST /admin/portail/rubriques': adminPost('422'),
  'POST /admin/portail/rubriques/:id': adminPost('422'),
  'POST /admin/portail/rubriques/:id/supprimer': adminPost('303>/admin/portail'),
  'POST /admin/portail/rubriques/:sectionId/outils': adminPost('422'),
  'POST /admin/portail/rubriques/:sectionId/outils/:id': adminPost('422'),
  'POST /admin/portail/outils/:id/supprimer': adminPost('303>/admin/portail'),
  'GET /admin/reglages': adminPage,
  'POST /admin/reglages': adminPost('422'),
  // Statistics: the admin, agents (their teams), responsables (the establishments they head).
  'GET /statistiques': { ...outsider, ...signedIn('404'), manager: '200', otherManager: '200', teamAgent: '200', otherAgent: '200', admin: '200' },
  'GET /statistiques/:chart.csv': { ...outsider, ...signedIn('404'), manager: '200', otherManager: '200', teamAgent: '200', otherAgent: '200', admin: '200' },
  'GET /admin/niveaux-de-service': adminPage,
  'POST /admin/niveaux-de-service': adminPost('422'),
  'POST /admin/niveaux-de-service/services': adminPost('422'),
  'POST /admin/niveaux-de-service/services/:id/supprimer': adminPost('404'), // no service has its own targets
  'POST /admin/niveaux-de-service/calendrier': adminPost('422'),
  'GET /admin/articles': adminPage,
  'GET /admin/articles/nouveau': adminPage,
  'POST /admin/articles': adminPost('422'),
  'GET /admin/articles/:id': adminPage,
  'POST /admin/articles/:id': adminPost('422'),
  'POST /admin/articles/:id/supprimer': adminPost('303>/admin/articles'),
  'GET /admin/import': adminPage,
  'GET /admin/export/:kind': adminPage,
  'POST /admin/import/:kind/apercu': adminPost('422'), // no file
  'POST /admin/import/:kind/appliquer': adminPost('404'), // no preview token: "Cet aperçu n'existe plus"
};

// — How each route is asked —

interface TicketFixture {
  id: number;
  ref: string;
  subject: string;
  detail: string;
  privateNote: string;
  attachmentId: number;
}

interface Fixtures {
  tickets: Record<Case, TicketFixture>;
  schoolId: number;
  requesterId: number;
  serviceId: number;
  subId: number;
  teamId: number;
  articleId: number;
  sectionId: number;
  toolId: number;
  mailId: number;
}

interface Ctx {
  role: Role;
  vcase: Case;
  ticket: TicketFixture;
  f: Fixtures;
  t: TestApp;
}

type Params = Record<string, string | number>;

interface Plan {
  /** Values of the :params (besides the defaults: :ref, :level, :token, :kind). */
  params?: (c: Ctx) => Params | Promise<Params>;
  /** Query strings to try, each with the same expectation (list tabs…). */
  queries?: string[] | ((c: Ctx) => string[]);
  /** Form fields sent with the CSRF token; the default is none. */
  body?: (c: Ctx) => Record<string, string>;
  /** Ends the session: run on a session of its own. */
  freshSession?: boolean;
  /** A resource this request deletes: it must still exist unless the role's request succeeded. */
  survives?: (params: Params, c: Ctx) => Promise<boolean>;
  /** Roles shown ticket data on this page by design (the admin reads the queued mails). */
  showsMailsTo?: Role[];
}

let unique = 0;
let lastLocked = '';
const next = () => ++unique;

const PLANS: Record<string, Plan> = {
  'POST /login': { body: () => ({ identifiant: `INCONNU${next()}` }) },
  'POST /logout': { freshSession: true },
  'GET /assistance/services/:level/:id': { params: (c) => ({ id: c.f.serviceId }) },
  'GET /assistance/tickets/nouveau': { queries: (c) => [`?sous_categorie=${c.f.subId}&type=incident`] },
  'GET /assistance/tickets/en-cours': { queries: ['', '?onglet=ouverts', '?onglet=attente', '?onglet=beneficiaire', '?onglet=partages', '?q=MATRICE'] },
  'GET /assistance/tickets/traites': { queries: ['', '?onglet=resolus', '?onglet=fermes', '?onglet=partages'] },
  'GET /pieces-jointes/:id': { params: (c) => ({ id: c.ticket.attachmentId }) },
  'GET /assistance/recherche': { queries: ['?q=ONDE'] },
  'GET /assistance/fiches/:id': { params: (c) => ({ id: c.f.articleId }) },
  'GET /agent/tickets/en-cours': { queries: ['', '?onglet=mes_tickets', '?onglet=a_prendre', '?onglet=equipe', '?q=MATRICE'] },
  'GET /agent/tickets/resolus': { queries: ['', '?onglet=par_moi', '?onglet=equipe'] },
  'GET /admin/courriels': { showsMailsTo: ['admin'] },
  'GET /admin/courriels/:id': { params: (c) => ({ id: c.f.mailId }), showsMailsTo: ['admin'] },
  'POST /admin/courriels-entrants/:id/reprendre': { params: () => ({ id: 999_999 }) },
  'POST /admin/niveaux-de-service/services/:id/supprimer': { params: () => ({ id: 999_999 }) },
  'GET /statistiques/:chart.csv': { params: () => ({ chart: 'flux' }) },
  'GET /admin/catalogue/:level/:id': { params: (c) => ({ id: c.f.serviceId }) },
  'POST /admin/catalogue/:level/:id': { params: (c) => ({ id: c.f.serviceId }) },
  'POST /admin/catalogue/:level/:id/supprimer': {
    params: async (c) => {
      const [{ id }] = await c.t.db('cat_domains').insert({ name: `Domaine jetable ${next()}`, position: 99, active: false }).returning('id');
      return { level: 'domaine', id };
    },
    survives: async (p, c) => !!(await c.t.db('cat_domains').where({ id: p.id }).first('id')),
  },
  'GET /admin/equipes/:id': { params: (c) => ({ id: c.f.teamId }) },
  'POST /admin/equipes/:id': { params: (c) => ({ id: c.f.teamId }) },
  'POST /admin/equipes/:id/membres': { params: (c) => ({ id: c.f.teamId }) },
  'POST /admin/equipes/:id/membres/:userId/retirer': {
    params: async (c) => {
      const [{ id: teamId }] = await c.t.db('teams').insert({ name: `Équipe jetable ${next()}` }).returning('id');
      await c.t.db('team_members').insert({ team_id: teamId, user_id: c.f.requesterId });
      return { id: teamId, userId: c.f.requesterId };
    },
    survives: async (p, c) => !!(await c.t.db('team_members').where({ team_id: p.id, user_id: p.userId }).first('user_id')),
  },
  'POST /admin/verrouillages/deverrouiller': {
    // One locked identifiant per role tried: only the admin's request may lift it.
    params: async (c) => {
      const identifiant = `VERROU${next()}`;
      await c.t.db('login_lockouts').insert({ identifiant, failures: 10, locked_until: '2999-01-01T00:00:00.000Z', last_failure_at: new Date().toISOString() });
      lastLocked = identifiant;
      return { identifiant };
    },
    body: () => ({ identifiant: lastLocked }),
    survives: async (p, c) => !!(await c.t.db('login_lockouts').where({ identifiant: p.identifiant }).first('identifiant')),
  },
  'GET /admin/utilisateurs/:id': { params: (c) => ({ id: c.f.requesterId }) },
  'POST /admin/utilisateurs/:id': { params: (c) => ({ id: c.f.requesterId }) },
  'GET /admin/etablissements/:id': { params: (c) => ({ id: c.f.schoolId }) },
  'POST /admin/etablissements/:id': { params: (c) => ({ id: c.f.schoolId }) },
  'POST /admin/portail/rubriques/:id': { params: (c) => ({ id: c.f.sectionId }) },
  'POST /admin/portail/rubriques/:id/supprimer': {
    params: async (c) => {
      const [{ id }] = await c.t.db('portal_sections').insert({ name: `Rubrique jetable ${next()}`, position: 99 }).returning('id');
      return { id };
    },
    survives: async (p, c) => !!(await c.t.db('portal_sections').where({ id: p.id }).first('id')),
  },
  'POST /admin/portail/rubriques/:sectionId/outils': { params: (c) => ({ sectionId: c.f.sectionId }) },
  'POST /admin/portail/rubriques/:sectionId/outils/:id': { params: (c) => ({ sectionId: c.f.sectionId, id: c.f.toolId }) },
  'POST /admin/portail/outils/:id/supprimer': {
    params: async (c) => {
      const [{ id }] = await c.t.db('portal_tools').insert({ section_id: c.f.sectionId, name: `Outil jetable ${next()}`, url: '/portail' }).returning('id');
      return { id };
    },
    survives: async (p, c) => !!(await c.t.db('portal_tools').where({ id: p.id }).first('id')),
  },
  'GET /admin/articles/:id': { params: (c) => ({ id: c.f.articleId }) },
  'POST /admin/articles/:id': { params: (c) => ({ id: c.f.articleId }) },
  'POST /admin/articles/:id/supprimer': {
    params: async (c) => {
      const id = await c.t.services.knowledge.save(c.f.requesterId, null, {
        kind: 'faq', title: `Article jetable ${next()}`, body: 'Texte.', keywords: '', service_id: null, published: false, position: 99,
      });
      return { id };
    },
    survives: async (p, c) => !!(await c.t.db('knowledge_articles').where({ id: p.id }).first('id')),
  },
};

const DEFAULT_PARAMS = (c: Ctx): Params => ({ ref: c.ticket.ref, level: 'service', token: 'lien-inconnu', kind: 'catalogue' });

/** The identifiants behind each role, set in before(). */
const identifiants: Partial<Record<Role, string>> = {};

describe('authorization matrix: every route × every role × both "Visible par"', function () {
  this.timeout(60_000);
  let t: TestApp;
  let f: Fixtures;
  const clients = {} as Record<Role, Agent>;
  const tokens = {} as Record<Role, string>;
  /** Sessions of the deactivated user opened before the deactivation, for the requests that end a session. */
  const deactivatedSpare: Agent[] = [];
  const ipOf = (role: Role, n = 0) => `10.${n}.${ROLES.indexOf(role)}.1`;
  let freshCount = 0;

  before(async () => {
    // Behind a trusted proxy, so that each role's browser has its own address (per-address limits).
    t = await startTestApp({ trustProxy: 'loopback' });
    const school = await t.db('establishments').where({ rne: '0310001A' }).first();
    const rectorat = await t.db('establishments').where({ rne: '0319999Z' }).first();
    const otherSchool = await buildEstablishment(t.db);
    const team = await buildTeam(t.db, 'Équipe de la matrice');
    const otherTeam = await buildTeam(t.db, 'Autre équipe de la matrice');
    const subId = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    await routeTo(t.db, subId, team);
    const requester = await demoUser(t.db, 'SSEGUR');
    const beneficiary = await demoUser(t.db, 'PMARTIN');
    const colleague = await buildUser(t.db, { establishmentId: school.id });
    const otherManager = await buildUser(t.db, { establishmentId: otherSchool.id, roles: ['responsable'] });
    const teamAgent = await buildUser(t.db, { establishmentId: rectorat.id, roles: ['agent'], teamIds: [team] });
    const otherAgent = await buildUser(t.db, { establishmentId: rectorat.id, roles: ['agent'], teamIds: [otherTeam] });
    // Had every power over these tickets until deactivated: of the school, responsable, agent of the team, admin.
    const deactivated = await buildUser(t.db, { establishmentId: school.id, roles: ['responsable', 'agent', 'admin'], teamIds: [team] });
    Object.assign(identifiants, {
      requester: 'SSEGUR', colleague: colleague.identifiant, beneficiary: 'PMARTIN', manager: 'MDURAND', otherManager: otherManager.identifiant,
      teamAgent: teamAgent.identifiant, otherAgent: otherAgent.identifiant, admin: 'ADMIN', deactivated: deactivated.identifiant,
    });

    const fileTicket = async (vcase: Case): Promise<TicketFixture> => {
      const user = (await t.services.users.loadCurrentUser(requester.id))!;
      const subject = `MATRICE-${vcase}-objet`;
      const detail = `MATRICE-${vcase}-detail`;
      const tmp = path.join(t.config.dataDir, 'tmp', `matrice-${vcase}.png`);
      fs.writeFileSync(tmp, PNG_1PX);
      const { ref } = await t.services.tickets.create(user, {
        subcategory_id: subId, kind: 'incident', establishment_id: school.id, visibility: vcase, beneficiary_id: beneficiary.id,
        subject, detail, phone: '', availability: '', impact: 'personne', urgency: 'moyenne',
      }, [{ path: tmp, originalname: `capture-${vcase}.png`, size: PNG_1PX.length }]);
      const row = await t.db('tickets').where({ ref }).first();
      const privateNote = `MATRICE-${vcase}-note-interne`;
      await t.db('journal_entries').insert({ ticket_id: row.id, author_id: teamAgent.id, visibility: 'private', body: privateNote, created_at: new Date().toISOString() });
      const attachment = await t.db('attachments').where({ ticket_id: row.id }).first('id');
      return { id: row.id, ref, subject, detail, privateNote, attachmentId: attachment.id };
    };
    const tickets = { self: await fileTicket('self'), managers: await fileTicket('managers') };

    const articleId = await t.services.knowledge.save(requester.id, null, {
      kind: 'fiche', title: 'Fiche de la matrice', body: 'Redémarrer le poste.', keywords: '', service_id: null, published: true, position: 0,
    });
    const section = await t.db('portal_sections').orderBy('id').first('id');
    const [{ id: toolId }] = await t.db('portal_tools').insert({ section_id: section.id, name: 'Outil de la matrice', url: '/portail' }).returning('id');
    const mail = await t.db('outbox').orderBy('id').first('id');
    assert.ok(mail, 'filing a ticket queues a mail');
    const sub = await t.db('cat_subcategories').where({ id: subId }).first('parent_id');
    f = {
      tickets, schoolId: school.id, requesterId: requester.id, serviceId: sub.parent_id, subId, teamId: team,
      articleId, sectionId: section.id, toolId, mailId: mail.id,
    };

    for (const role of ROLES) {
      clients[role] = role === 'anonymous' ? await anonymousClient(t.app, ipOf(role)) : await signedInClient(t.app, identifiants[role]!, ipOf(role));
    }
    for (let i = 0; i < CASES.length; i++) deactivatedSpare.push(await signedInClient(t.app, deactivated.identifiant, ipOf('deactivated', i + 1)));
    await t.db('users').where({ id: deactivated.id }).update({ active: false });
    for (const role of ROLES) tokens[role] = await tokenOf(clients[role]);
  });
  after(async () => { await t.close(); });

  /** A session of its own for a request that ends it. */
  async function freshClient(role: Role): Promise<Agent> {
    const ip = `10.200.${ROLES.indexOf(role)}.${++freshCount}`;
    if (role === 'anonymous') return anonymousClient(t.app, ip);
    if (role === 'deactivated') {
      const spare = deactivatedSpare.shift();
      assert.ok(spare, 'a spare session of the deactivated user');
      return spare;
    }
    return signedInClient(t.app, identifiants[role]!, ip);
  }

  /** What must not appear in a response to this role: everything of a ticket it may not see, the private journal unless agent. */
  function forbiddenFor(role: Role, requestPath: string): string[] {
    const out: string[] = [];
    for (const vcase of CASES) {
      const tk = f.tickets[vcase];
      if (!SEES[role].tickets.includes(vcase)) {
        out.push(tk.subject, tk.detail, `capture-${vcase}.png`);
        if (!requestPath.includes(tk.ref)) out.push(tk.ref); // a 404 or a redirect may repeat the URL it was given
      }
      if (!SEES[role].privateJournal) out.push(tk.privateNote);
    }
    return out;
  }

  function check(res: Response, cell: string, label: string): string | null {
    const [status, location] = cell.split('>');
    if (String(res.status) !== status) return `${label}: expected ${cell}, got ${res.status}${res.headers.location ? ' → ' + res.headers.location : ''}`;
    if (location !== undefined && !String(res.headers.location ?? '').startsWith(location)) {
      return `${label}: expected a redirect to ${location}…, got ${res.headers.location}`;
    }
    return null;
  }

  it('when the app has a route without an entry in the expected table, should fail (and the table has no stale entry)', () => {
    const keys = listRoutes(t.app).map((r) => r.key);
    assert.ok(keys.length > 50, 'the router stack was read');
    const missing = keys.filter((k) => !(k in EXPECTED));
    const stale = Object.keys(EXPECTED).filter((k) => !keys.includes(k));
    assert.deepEqual(missing, [], `routes without an expected line: decide who may use them\n${missing.join('\n')}`);
    assert.deepEqual(stale, [], `expected lines for routes that no longer exist\n${stale.join('\n')}`);
    for (const key of keys) {
      const params = [...key.matchAll(/:(\w+)/g)].map((m) => m[1]).filter((p) => !['ref', 'level', 'token', 'kind'].includes(p));
      assert.ok(params.length === 0 || PLANS[key]?.params, `${key}: no real value for :${params.join(', :')} in PLANS`);
    }
  });

  for (const [key, row] of Object.entries(EXPECTED)) {
    const [method, routePath] = key.split(' ');
    it(`when every role asks ${key} about each kind of ticket, should get the expected status and nothing it may not see`, async () => {
      const plan = PLANS[key] ?? {};
      const problems: string[] = [];
      for (const role of ROLES) {
        for (const vcase of CASES) {
          const cellSpec = row[role];
          const cell = typeof cellSpec === 'string' ? cellSpec : cellSpec[vcase];
          const ctx: Ctx = { role, vcase, ticket: f.tickets[vcase], f, t };
          const params = { ...DEFAULT_PARAMS(ctx), ...(plan.params ? await plan.params(ctx) : {}) };
          const client = plan.freshSession ? await freshClient(role) : clients[role];
          const token = plan.freshSession ? await tokenOf(client) : tokens[role];
          const queries = typeof plan.queries === 'function' ? plan.queries(ctx) : (plan.queries ?? ['']);
          for (const query of queries) {
            const url = fillPath(routePath, params) + query;
            const res = method === 'GET'
              ? await client.get(url)
              : await client.post(url).type('form').send({ _csrf: token, ...(plan.body ? plan.body(ctx) : {}) });
            const label = `${role} / ${vcase} / ${method} ${url}`;
            const wrong = check(res, cell, label);
            if (wrong) problems.push(wrong);
            if (!plan.showsMailsTo?.includes(role)) {
              const text = bodyText(res);
              for (const secret of forbiddenFor(role, url)) if (text.includes(secret)) problems.push(`${label}: the response shows "${secret}"`);
            }
            if (plan.survives) {
              const deleted = !(await plan.survives(params, ctx));
              const mayDelete = cell.startsWith('303>') && cell !== TO_LOGIN_AFTER_POST;
              if (deleted !== mayDelete) problems.push(`${label}: the resource ${deleted ? 'was deleted by a refused request' : 'survived its deletion'}`);
            }
          }
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  it('when the whole matrix has run, should find both tickets as they were filed (no refused request changed them)', async () => {
    for (const vcase of CASES) {
      const row = await t.db('tickets').where({ id: f.tickets[vcase].id }).first();
      assert.equal(row.status, 'affectee');
      assert.equal(row.version, 1);
      assert.equal(row.agent_id, null);
      assert.equal(row.visibility, vcase);
      const entries = await t.db('journal_entries').where({ ticket_id: row.id }).count({ n: '*' });
      assert.equal(Number(entries[0].n), 1, 'only the private note of the setup');
    }
  });
});
