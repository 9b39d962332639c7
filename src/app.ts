import path from 'node:path';
import express, { type Express } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import compression from 'compression';
import ejs from 'ejs';
import cookieParser from 'cookie-parser';
import type { PassportStatic } from 'passport';
import type { Logger } from 'pino';
import { ROOT, type Config } from './config.js';
import type { Database } from './db/database.js';
import { csrfProtection } from './http/csrf.js';
import { flashCookie } from './http/flash.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { multipartGate } from './http/upload.js';
import { requestLog } from './http/request-log.js';
import { SessionStore } from './features/auth/session-store.js';
import { viewLocals } from './http/locals.js';
import { viewOptions } from './http/view-options.js';
import { configurePassport } from './features/auth/passport.js';
import { gatewaySignIn } from './features/auth/gateway.js';
import { buildServices, type Services } from './services.js';
import { authRoutes } from './features/auth/auth.routes.js';
import { portalRoutes } from './features/portal/portal.routes.js';
import { catalogueRoutes } from './features/catalogue/catalogue.routes.js';
import { ticketsRoutes } from './features/tickets/tickets.routes.js';
import { attachmentsRoutes } from './features/attachments/attachments.routes.js';
import { knowledgeRoutes } from './features/knowledge/knowledge.routes.js';
import { agentRoutes } from './features/agent/agent.routes.js';
import { notificationsRoutes } from './features/notifications/notifications.routes.js';
import { adminRoutes } from './features/admin/admin.routes.js';
import { slaRoutes } from './features/sla/sla.routes.js';
import { statisticsRoutes } from './features/statistics/statistics.routes.js';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  now?: () => Date;
}

/** The Express app, without listening: tests load it as it is. */
export function createApp(deps: AppDeps): { app: Express; services: Services } {
  const services = buildServices({ config: deps.config, db: deps.db, now: deps.now ?? (() => new Date()) });
  const app = express();
  const passport = useCommonMiddleware(app, deps, services);

  app.use(authRoutes(services, passport, deps.config));
  app.use(portalRoutes(services));
  app.use(catalogueRoutes(services));
  app.use(ticketsRoutes(services));
  app.use(attachmentsRoutes(services));
  app.use(knowledgeRoutes(services));
  app.use(agentRoutes(services));
  app.use(notificationsRoutes(services));
  app.use(adminRoutes(services));
  app.use(slaRoutes(services));
  app.use(statisticsRoutes(services));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return { app, services };
}

/**
 * What every request goes through before a feature's routes: settings, logs, security headers,
 * static files, session, signed-in user, body, CSRF check, the layout's locals. The benchmark's
 * floor server (test/bench/floor-server.ts) runs exactly this in front of a page from memory.
 */
export function useCommonMiddleware(app: Express, deps: AppDeps, services: Services): PassportStatic {
  const { config, db, logger } = deps;

  const views = path.join(ROOT, 'views');
  const viewCache = config.env !== 'development';
  app.set('views', views);
  app.set('view engine', 'ejs');
  app.set('view cache', viewCache);
  // Views include each other by absolute names ('/partials/head'), resolved under `root`: EJS
  // then finds a partial without asking the disk, as it must for a relative name on every include.
  const options = viewOptions(views, viewCache);
  app.engine('ejs', (file: string, data: object, done: (err: Error | null, html?: string) => void) => {
    ejs.renderFile(file, data, options, done);
  });
  // TRUST_PROXY=1 means one proxy (a number), not the address 0.0.0.1 (a string).
  app.set('trust proxy', /^\d+$/.test(config.trustProxy ?? '') ? Number(config.trustProxy) : (config.trustProxy ?? false));
  app.disable('x-powered-by');
  // No ETag on pages: each carries its own CSRF token (and signed-in pages are no-store), so a
  // hash of every body would never match. Static files keep theirs (express.static's own).
  app.set('etag', false);
  app.use(requestLog(logger));

  const behindHttps = !!config.trustProxy;
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(behindHttps ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: behindHttps,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  // Static assets: compressed, cached a month. Pages are not compressed: on an intranet the
  // CPU it costs on every page is worth more than the bandwidth it saves.
  const staticOptions = { maxAge: config.isProduction ? '30d' : 0, immutable: config.isProduction, index: false };
  app.use('/static', compression(), express.static(path.join(ROOT, 'public'), staticOptions));
  app.use('/dsfr', compression(), express.static(path.join(ROOT, 'node_modules', '@gouvfr', 'dsfr', 'dist'), staticOptions));
  // On PostgreSQL several processes may serve: what another one changed is seen on the next request.
  if (db.engine === 'postgres') {
    app.use(async (_req, _res, next) => {
      await services.freshCaches();
      next();
    });
  }

  const sessionStore = new SessionStore(services.sessions, db.dialect, config.env === 'test' ? 0 : 3600_000);
  app.use(
    session({
      name: 'guichet.sid',
      secret: config.sessionSecret,
      store: sessionStore,
      resave: false,
      saveUninitialized: false,
      // Not rolling: a session row is written when the session changes, not on every page.
      rolling: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: behindHttps ? 'auto' : false, maxAge: 8 * 3600_000 },
    }),
  );
  const passport = configurePassport(services.users, services.signIn);
  app.use(passport.initialize());
  app.use(passport.session());
  if (config.auth.methods.includes('header')) {
    app.use(gatewaySignIn({ proxies: config.auth.headerProxies, directoryAccounts: services.directoryAccounts, logger }));
  }
  // Pages of a signed-in user stay out of caches: staff-room computers are shared.
  app.use((req, res, next) => {
    if (req.user) res.set('Cache-Control', 'no-store');
    next();
  });

  app.use(express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 200 }));
  const uploadDefaults = { maxBytes: config.uploadMaxBytes, maxFiles: config.uploadMaxFiles };
  app.use(multipartGate(config, () => services.settings.uploadLimits(uploadDefaults)));
  app.use(cookieParser());
  app.use(flashCookie(config.sessionSecret, (req) => behindHttps && req.secure));
  const csrf = csrfProtection(config.sessionSecret, behindHttps);
  app.use(csrf.protect);
  app.use(viewLocals(services, csrf.token));
  return passport;
}
