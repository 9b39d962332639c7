import * as oidc from 'openid-client';
import type { OidcConfig } from '../../config.js';
import { personFrom, type DirectoryPerson } from './directory-person.js';

/** The identity provider could not be asked (down, unreachable, its discovery document unreadable). */
export class IdentityProviderUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the OpenID provider cannot be reached', { cause });
    this.name = 'IdentityProviderUnavailableError';
  }
}

/** What a sign-in in progress must find again when the provider sends the user back. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  next: string | null;
}

/** Plain http only for a provider on this machine (the tests'); any other must be https. */
function onLoopback(url: URL): boolean {
  return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

/**
 * OpenID Connect against the ministry's identity provider (openid-client): authorization code
 * with PKCE, state and nonce checked; the claims go through the same mapping as the gateway's
 * headers and the directory's entries.
 */
export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly settings: OidcConfig,
    /** Where the provider sends the user back: PUBLIC_URL + /login/oidc/retour. */
    readonly redirectUri: string,
  ) {}

  /** The provider's address to send the user to, and what to keep until they come back. */
  async start(next: string | null): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.config();
    const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), next };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /**
   * The person the provider vouches for, from the address it sent the user back to; throws
   * when the answer is not the one this sign-in expects (state, nonce, code, signature).
   */
  async finish(callback: URL, pending: PendingSignIn): Promise<DirectoryPerson | null> {
    const config = await this.config();
    // The provider out of reach in the middle (fetch's own failure) is not a wrong answer.
    const reaching = <T>(p: Promise<T>) =>
      p.catch((err: unknown) => {
        throw err instanceof TypeError && /fetch failed/.test(err.message) ? new IdentityProviderUnavailableError(err) : err;
      });
    const tokens = await reaching(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce }));
    const idClaims = tokens.claims();
    if (!idClaims) return null;
    const info = await reaching(oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub));
    const claims: Record<string, unknown> = { ...idClaims, ...info };
    const text = (v: unknown): string | string[] | undefined =>
      typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
    // The academic uid, else the provider's own stable subject; never preferred_username, which a
    // provider may let its users choose. A mail the provider has not verified is not taken.
    return personFrom({
      uid: text(claims.uid) ?? text(claims.sub),
      givenName: text(claims.given_name), sn: text(claims.family_name), cn: text(claims.name),
      mail: claims.email_verified === false ? undefined : text(claims.email), telephoneNumber: text(claims.phone_number), title: text(claims.title),
      rne: text(claims.rne), FrEduRne: text(claims.FrEduRne), FrEduRneResp: text(claims.FrEduRneResp),
      FrEduFonctAdm: text(claims.FrEduFonctAdm), groups: text(claims.groups),
    });
  }

  /** The provider's configuration, read once from its discovery document (again after a failure). */
  private config(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer);
    this.configuration ??= oidc
      .discovery(issuer, this.settings.clientId, this.settings.clientSecret, undefined, {
        timeout: Math.ceil(this.settings.timeoutMs / 1000),
        ...(onLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        this.configuration = null;
        throw new IdentityProviderUnavailableError(err);
      });
    return this.configuration;
  }
}
