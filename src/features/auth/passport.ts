import passport, { type PassportStatic } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Request } from 'express';
import type { UsersRepo } from './users.repo.js';
import type { SignInService } from './sign-in.service.js';
import { preloadedUser } from './session-store.js';

/** Passport with the identifiant/password strategy (local or LDAP); the session keeps only the user id. */
export function configurePassport(users: UsersRepo, signIn: SignInService): PassportStatic {
  const instance = new passport.Passport() as unknown as PassportStatic;
  instance.use(
    new LocalStrategy({ usernameField: 'identifiant', passwordField: 'password' }, (identifiant, password, done) => {
      signIn
        .withPassword(String(identifiant).slice(0, 64), String(password).slice(0, 1024))
        .then((r) => ('user' in r ? done(null, r.user) : done(null, false, { message: r.refused })))
        .catch(done);
    }),
  );
  instance.serializeUser((user, done) => done(null, (user as Express.User).id));
  instance.deserializeUser((req: Request, id: number, done: (err: unknown, user?: Express.User | false) => void) => {
    // Usually the session's own statement brought the user (SessionStore).
    const preloaded = preloadedUser(req, Number(id));
    if (preloaded !== undefined) return done(null, preloaded ?? false);
    users
      .loadCurrentUser(Number(id))
      .then((u) => done(null, u ?? false))
      .catch(done);
  });
  return instance;
}
