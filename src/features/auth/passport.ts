import passport, { type PassportStatic } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Request } from 'express';
import type { UsersRepo } from './users.repo.js';
import { preloadedUser } from './session-store.js';
import { decoyHash, NO_PASSWORD, verifyPassword } from './password.js';

/** Passport with the identifiant/password strategy; the session keeps only the user id. */
export function configurePassport(users: UsersRepo): PassportStatic {
  const instance = new passport.Passport() as unknown as PassportStatic;
  instance.use(
    new LocalStrategy({ usernameField: 'identifiant', passwordField: 'password' }, (identifiant, password, done) => {
      (async () => {
        const row = await users.findByIdentifiant(String(identifiant).slice(0, 64));
        // Unknown identifiant, or an account without a password yet: verify against a decoy so
        // that every failure takes the same time.
        const usable = row && row.password_hash !== NO_PASSWORD;
        const ok = await verifyPassword(usable ? row.password_hash : await decoyHash(), String(password).slice(0, 1024));
        if (!row || !usable || !ok || !row.active) return done(null, false);
        const user = await users.loadCurrentUser(row.id);
        return done(null, user ?? false);
      })().catch(done);
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
