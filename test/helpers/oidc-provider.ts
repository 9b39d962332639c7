import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './ports.js';

export interface OidcPerson {
  given_name: string;
  family_name: string;
  email: string;
  uid: string;
  rne?: string;
  title?: string;
  FrEduRne?: string[];
  FrEduRneResp?: string[];
  FrEduFonctAdm?: string;
}

export interface OidcServer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

/**
 * A real OpenID provider (the `oidc-provider` package) on a free loopback port: one client
 * (Guichet, code flow with PKCE), the people given, signed in through its own development
 * login form (any password), the academy's attributes as claims of the "profile" scope.
 */
export async function startOidcProvider(people: Record<string, OidcPerson>, redirectUri: string): Promise<OidcServer> {
  const clientId = 'guichet';
  const clientSecret = 'guichet-client-secret-for-the-tests';
  // The issuer names its own port: take a free one first, then give the provider its address.
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], response_types: ['code'], grant_types: ['authorization_code'] }],
    claims: {
      openid: ['sub'],
      email: ['email'],
      profile: ['given_name', 'family_name', 'uid', 'title', 'rne', 'FrEduRne', 'FrEduRneResp', 'FrEduFonctAdm'],
    },
    findAccount: (_ctx, sub) => (people[sub] ? { accountId: sub, claims: () => ({ sub, ...people[sub] }) } : undefined),
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['oidc-provider-cookie-key-for-the-tests'] },
  });
  const server: Server = provider.listen(port, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  return {
    issuer,
    clientId,
    clientSecret,
    stop: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
