import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { visibleText, type Agent } from '../../helpers/agent.js';
import { startOidcProvider, type OidcServer } from '../../helpers/oidc-provider.js';

const GUICHET = 'http://guichet.test';
const RETURN = `${GUICHET}/login/oidc/retour`;

const PEOPLE = {
  'sub-lgarnier': {
    uid: 'LGARNIER', given_name: 'Lucie', family_name: 'Garnier', email: 'lucie.garnier@ac-test.fr', title: "Directrice d'école", rne: '0310001A',
    FrEduRne: ['0310001A$UAJ$PU$DIR$0310001A$ECOL$151$EP'], FrEduFonctAdm: 'DIR',
  },
  'sub-rpetit': { uid: 'RPETIT', given_name: 'Rémi', family_name: 'Petit', email: 'remi.petit@ac-test.fr', rne: '0310003C', FrEduRne: ['0310003C$UAJ$PU$ENS$0310003C$CLG$340$CLG'] },
};

/**
 * The provider's pages as a browser goes through them: its redirects, its login form (the
 * identifiant typed, any password), its consent form; until it sends the browser back to Guichet.
 */
async function throughProvider(start: string, sub: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = start;
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(GUICHET)) return new URL(url);
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET', body, redirect: 'manual',
      headers: { cookie: [...jar.values()].join('; '), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0];
      jar.set(pair.slice(0, pair.indexOf('=')), pair);
    }
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      body = undefined;
      continue;
    }
    const html = await res.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    if (!action) throw new Error(`no form at ${url} (${res.status}): ${html.slice(0, 300)}`);
    body = new URLSearchParams();
    for (const input of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) body.set(input[1], input[0].match(/value="([^"]*)"/)?.[1] ?? '');
    if (body.has('login')) {
      body.set('login', sub);
      body.set('password', 'mot de passe académique');
    }
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
  }
  throw new Error('the provider never sent the browser back');
}

describe('academy identity: OpenID Connect against a real provider (oidc-provider)', function () {
  this.timeout(30_000);
  let provider: OidcServer;
  let t: TestApp;

  before(async () => {
    provider = await startOidcProvider(PEOPLE, RETURN);
    t = await startTestApp({
      publicUrl: GUICHET,
      auth: { methods: ['oidc', 'local'], headerProxies: [], logoutUrl: undefined, groupRoles: {} },
      oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, scopes: 'openid profile email', timeoutMs: 3000 },
    });
  });
  after(async () => {
    await t?.close();
    await provider?.stop();
  });

  /** Start at Guichet's login button, go through the provider, come back: Guichet's answer to the return. */
  async function signInThroughProvider(agent: Agent, sub: string, next?: string) {
    const startRes = await agent.get(`/login/oidc${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    assert.equal(startRes.status, 302);
    const back = await throughProvider(startRes.headers.location, sub);
    return { back, res: await agent.get(back.pathname + back.search) };
  }

  it('when a director signs in with the ministry\'s provider, should come back signed in, on an account made from the claims', async () => {
    const login = await request(t.app).get('/login');
    assert.ok(visibleText(login.text).includes('Se connecter avec mes identifiants académiques'));
    const agent = request.agent(t.app);
    const startRes = await agent.get('/login/oidc');
    const to = new URL(startRes.headers.location);
    assert.equal(to.origin, provider.issuer);
    assert.equal(to.searchParams.get('code_challenge_method'), 'S256', 'PKCE');
    assert.ok(to.searchParams.get('state') && to.searchParams.get('nonce'));
    const back = await throughProvider(startRes.headers.location, 'sub-lgarnier');
    const res = await agent.get(back.pathname + back.search);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/portail');
    assert.ok((await agent.get('/assistance')).text.includes('Se déconnecter (Lucie Garnier)'));
    const row = await t.db('users').where({ identifiant: 'LGARNIER' }).first();
    assert.equal(row.source, 'directory');
    assert.equal(row.email, 'lucie.garnier@ac-test.fr');
    const links = await t.db('user_establishments as ue').join('establishments as e', 'e.id', 'ue.establishment_id').where('ue.user_id', row.id).select('e.rne', 'ue.responsible');
    assert.deepEqual(links.map((l) => [l.rne, !!l.responsible]), [['0310001A', true]], 'DIR of her school: its responsable');
  });

  it('when the user was going somewhere, should bring them there after the provider', async () => {
    const { res } = await signInThroughProvider(request.agent(t.app), 'sub-rpetit', '/assistance/tickets/en-cours');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/assistance/tickets/en-cours');
  });

  it('when the return does not match the sign-in it answers (state changed, or another browser), should sign nobody in', async () => {
    const agent = request.agent(t.app);
    const startRes = await agent.get('/login/oidc');
    const back = await throughProvider(startRes.headers.location, 'sub-rpetit');
    back.searchParams.set('state', 'un-autre-etat');
    const forged = await agent.get(back.pathname + back.search);
    assert.equal(forged.status, 400);
    assert.ok(visibleText(forged.text).includes("n'a pas confirmé votre identité"));
    assert.ok(!(await agent.get('/assistance')).text.includes('Se déconnecter'), 'not signed in');

    // A return carried to a browser that never started this sign-in: its cookie is missing.
    const starter = request.agent(t.app);
    const other = await throughProvider((await starter.get('/login/oidc')).headers.location, 'sub-rpetit');
    const elsewhere = await request(t.app).get(other.pathname + other.search);
    assert.equal(elsewhere.status, 400);
    assert.ok(visibleText(elsewhere.text).includes('La connexion a expiré'));
  });

  it('when an account is deactivated, should refuse it after the provider too', async () => {
    await t.db('users').where({ identifiant: 'RPETIT' }).update({ active: false, deactivated_by: 'admin' });
    const { res } = await signInThroughProvider(request.agent(t.app), 'sub-rpetit');
    assert.equal(res.status, 403);
    assert.ok(visibleText(res.text).includes('Votre compte Guichet est désactivé'));
  });

  it('when the provider cannot be reached, should say so on the login page; a local account still signs in', async () => {
    const down = await startTestApp({
      publicUrl: GUICHET,
      auth: { methods: ['oidc', 'local'], headerProxies: [], logoutUrl: undefined, groupRoles: {} },
      oidc: { issuer: 'http://127.0.0.1:9', clientId: 'guichet', clientSecret: 'x', scopes: 'openid', timeoutMs: 1000 },
    });
    try {
      const res = await request(down.app).get('/login/oidc');
      assert.equal(res.status, 503);
      assert.ok(visibleText(res.text).includes("Le service d'identification académique ne répond pas"));
      const local = request.agent(down.app);
      const page = await local.get('/login');
      const token = page.text.match(/name="_csrf" value="([^"]+)"/)![1];
      assert.equal((await local.post('/login').type('form').send({ _csrf: token, identifiant: 'ADMIN', password: 'demo' })).status, 303);
    } finally {
      await down.close();
    }
  });
});
