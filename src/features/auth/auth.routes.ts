import { Router, type Request, type Response, type NextFunction } from 'express';
import { sign, unsign } from 'cookie-signature';
import type { PassportStatic } from 'passport';
import { rateLimit } from 'express-rate-limit';
import type { Services } from '../../services.js';
import type { Config } from '../../config.js';
import { safeNext } from '../../http/auth-guards.js';
import { messages } from '../../http/messages.js';
import { setFlash } from '../../http/flash.js';
import { timeOfDay } from '../../http/format.js';
import { parseForm } from '../../http/validation.js';
import { NewPasswordSchema } from './auth.schemas.js';
import { IdentityProviderUnavailableError, type OidcSignIn, type PendingSignIn } from './oidc.js';

const OIDC_COOKIE = 'guichet.oidc';

/**
 * GET /login/oidc sends the user to the identity provider; GET /login/oidc/retour is where it
 * sends them back. What the return must match (state, nonce, PKCE verifier) waits in a signed
 * cookie of ten minutes, not in a session row.
 */
function mountOidc(
  router: Router, services: Services, config: Config, oidc: OidcSignIn,
  renderLogin: (res: Response, status: number, identifiant: string, next: string | null, error?: string) => void,
) {
  const cookie = (req: Request) => ({ httpOnly: true, sameSite: 'lax' as const, secure: !!config.trustProxy && req.secure, path: '/login/oidc' });
  router.get('/login/oidc', async (req, res) => {
    const next = safeNext(req.query.next);
    try {
      const { url, pending } = await oidc.start(next);
      res.cookie(OIDC_COOKIE, sign(JSON.stringify(pending), config.sessionSecret), { ...cookie(req), maxAge: 600_000 });
      res.redirect(302, url);
    } catch (err) {
      if (!(err instanceof IdentityProviderUnavailableError)) throw err;
      res.locals.err = err;
      renderLogin(res, 503, '', next, messages.identityProviderUnavailable);
    }
  });
  router.get('/login/oidc/retour', async (req, res, next) => {
    const raw = (req.cookies as Record<string, string> | undefined)?.[OIDC_COOKIE];
    res.clearCookie(OIDC_COOKIE, cookie(req));
    const value = raw === undefined ? false : unsign(raw, config.sessionSecret);
    let pending: PendingSignIn;
    try {
      if (value === false) throw new Error('no sign-in in progress');
      pending = JSON.parse(value) as PendingSignIn;
    } catch {
      return renderLogin(res, 400, '', null, messages.oidcExpired);
    }
    let person;
    try {
      person = await oidc.finish(new URL(req.originalUrl, config.publicUrl), pending);
    } catch (err) {
      res.locals.err = err;
      const unreachable = err instanceof IdentityProviderUnavailableError;
      return renderLogin(res, unreachable ? 503 : 400, '', pending.next, unreachable ? messages.identityProviderUnavailable : messages.oidcRefused);
    }
    if (!person) return renderLogin(res, 400, '', pending.next, messages.oidcRefused);
    const user = await services.directoryAccounts.signIn(person, { directoryAsked: false });
    if (!user) return renderLogin(res, 403, '', pending.next, messages.accountDisabled);
    req.logIn(user, (err) => (err ? next(err) : res.redirect(303, pending.next ?? '/portail')));
  });
}

export function authRoutes(services: Services, passport: PassportStatic, config: Config): Router {
  const router = Router();
  const renderLogin = (res: Response, status: number, identifiant: string, next: string | null, error?: string) =>
    res.status(status).render('auth/login', { title: 'Connexion', identifiant, next, error, methods: config.auth.methods });
  const throttled = (req: Request, res: Response) =>
    renderLogin(res, 429, String(req.body?.identifiant ?? '').slice(0, 64), safeNext(req.body?.next), messages.loginThrottled);
  // Per address here (one attacker spraying many identifiants); per identifiant in the
  // database (many addresses hammering one account), which an admin can lift.
  const perIp = rateLimit({ windowMs: 15 * 60_000, limit: config.env === 'test' ? 5000 : config.loginRateLimit, standardHeaders: 'draft-7', legacyHeaders: false, handler: throttled });
  const locked = (res: Response, identifiant: string, target: string | null, until: Date) =>
    renderLogin(res, 429, identifiant, target, messages.loginLocked(timeOfDay(until)));

  /** GET /login — the ARENA login page. */
  router.get('/login', (req, res) => {
    if (req.user) return res.redirect(safeNext(req.query.next) ?? '/portail');
    renderLogin(res, 200, '', safeNext(req.query.next));
  });
  /** POST /login — check the password, new session id, back where the user was going. */
  router.post('/login', perIp, async (req: Request, res: Response, next: NextFunction) => {
    const identifiant = String(req.body?.identifiant ?? '').slice(0, 64);
    const target = safeNext(req.body?.next);
    const { loginLockout } = services;
    // Locked: refused before the password is even checked, the right one included.
    const until = await loginLockout.refuseIfLocked(identifiant);
    if (until) return locked(res, identifiant, target, until);
    passport.authenticate('local', (err: unknown, user: Express.User | false, info?: { message?: string }) => {
      if (err) return next(err);
      // The directory down is no failed attempt of the user's: it locks nobody out.
      if (info?.message === 'directory-unavailable') return renderLogin(res, 503, identifiant, target, messages.directoryUnavailable);
      (async () => {
        const lockedNow = await loginLockout.settle(identifiant, !!user);
        if (lockedNow) return locked(res, identifiant, target, lockedNow);
        if (!user) return renderLogin(res, 401, identifiant, target, messages.loginFailed);
        // passport regenerates the session at login: a new id, no fixation.
        req.logIn(user, (loginErr) => {
          if (loginErr) return next(loginErr);
          res.redirect(303, target ?? '/portail');
        });
      })().catch(next);
    })(req, res, next);
  });
  if (config.auth.methods.includes('oidc') && services.oidc) mountOidc(router, services, config, services.oidc, renderLogin);

  /** POST /logout — end the session. */
  router.post('/logout', (req, res, next) => {
    // Behind the gateway, its own session must end too, or the next page signs the user in again.
    const gateway = req.user?.source === 'directory' && config.auth.methods.includes('header') ? config.auth.logoutUrl : undefined;
    req.logout((err) => {
      if (err) return next(err);
      req.session.regenerate((e) => {
        if (e) return next(e);
        if (gateway) return res.redirect(303, gateway);
        setFlash(req, 'info', messages.loggedOut);
        res.redirect(303, '/login');
      });
    });
  });
  const resetLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: config.env === 'test' ? 20 : 5,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res) =>
      res.status(429).render('auth/lost-password', { title: "J'ai perdu mon mot de passe", identifiant: String(req.body?.identifiant ?? '').slice(0, 64), error: messages.resetThrottled }),
  });

  /** GET /mot-de-passe-perdu — ask for a reset link. */
  router.get('/mot-de-passe-perdu', (_req, res) => res.render('auth/lost-password', { title: "J'ai perdu mon mot de passe", identifiant: '' }));
  /** POST /mot-de-passe-perdu — the same answer whether or not the identifiant exists. */
  router.post('/mot-de-passe-perdu', resetLimiter, async (req, res) => {
    const identifiant = String(req.body?.identifiant ?? '').trim().slice(0, 64);
    if (!identifiant) {
      return res.status(422).render('auth/lost-password', { title: "J'ai perdu mon mot de passe", identifiant, fieldError: 'Renseignez votre identifiant.' });
    }
    await services.passwordReset.request(identifiant);
    res.render('auth/lost-password-sent', { title: "J'ai perdu mon mot de passe" });
  });
  /** GET /mot-de-passe/:token — choose a new password, if the link is still good. */
  router.get('/mot-de-passe/:token', async (req, res) => {
    const ok = (await services.passwordReset.check(String(req.params.token))) !== null;
    res.status(ok ? 200 : 410).render('auth/reset-password', { title: 'Nouveau mot de passe', token: String(req.params.token), valid: ok, errors: {} });
  });
  /** POST /mot-de-passe/:token — set it, spend the link, end every session of the account. */
  router.post('/mot-de-passe/:token', resetLimiter, async (req, res) => {
    const token = String(req.params.token);
    const parsed = parseForm(NewPasswordSchema, req.body);
    if (!parsed.ok) return res.status(422).render('auth/reset-password', { title: 'Nouveau mot de passe', token, valid: true, errors: parsed.errors });
    const done = await services.passwordReset.reset(token, parsed.data.password);
    if (!done) return res.status(410).render('auth/reset-password', { title: 'Nouveau mot de passe', token, valid: false, errors: {} });
    req.logout(() => {
      setFlash(req, 'success', messages.passwordChanged);
      res.redirect(303, '/login');
    });
  });
  return router;
}
