import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { UsersRepo } from './features/auth/users.repo.js';
import { SessionsRepo } from './features/auth/sessions.repo.js';
import { LoginLockoutsRepo } from './features/auth/login-lockouts.repo.js';
import { PasswordResetsRepo } from './features/auth/password-resets.repo.js';
import { AccountsService } from './features/auth/accounts.service.js';
import { LoginLockoutService } from './features/auth/login-lockout.service.js';
import { PasswordResetService } from './features/auth/password-reset.service.js';
import { DirectoryAccountsRepo } from './features/auth/directory-accounts.repo.js';
import { DirectoryAccountsService } from './features/auth/directory-accounts.service.js';
import { DirectorySyncService } from './features/auth/directory-sync.service.js';
import { LdapDirectory } from './features/auth/ldap-directory.js';
import { OidcSignIn } from './features/auth/oidc.js';
import { SignInService } from './features/auth/sign-in.service.js';
import { SettingsRepo } from './features/admin/settings.repo.js';
import { AuditRepo } from './features/admin/audit.repo.js';
import { SatisfactionRepo } from './features/admin/satisfaction.repo.js';
import { CatalogueAdminRepo } from './features/admin/catalogue-admin.repo.js';
import { CacheVersionsRepo, freshnessCheck } from './db/cache-versions.repo.js';
import { DirectoryRepo } from './features/admin/directory.repo.js';
import { ImportBatchesRepo } from './features/admin/import-batches.repo.js';
import { CatalogueAdminService } from './features/admin/catalogue-admin.service.js';
import { DirectoryAdminService } from './features/admin/directory-admin.service.js';
import { PortalAdminService } from './features/admin/portal-admin.service.js';
import { ImportExportService } from './features/admin/import-export.service.js';
import { CatalogueRepo } from './features/catalogue/catalogue.repo.js';
import { CatalogueService } from './features/catalogue/catalogue.service.js';
import { AttachmentsRepo } from './features/attachments/attachments.repo.js';
import { AttachmentsService } from './features/attachments/attachments.service.js';
import { TicketsRepo } from './features/tickets/tickets.repo.js';
import { TicketsService } from './features/tickets/tickets.service.js';
import { TicketEventBus } from './features/tickets/events.js';
import { ResolutionService } from './features/tickets/resolution.service.js';
import { PortalRepo } from './features/portal/portal.repo.js';
import { PortalService } from './features/portal/portal.service.js';
import { AgentService } from './features/agent/agent.service.js';
import { OutboxRepo } from './features/notifications/outbox.repo.js';
import { NotificationsRepo } from './features/notifications/notifications.repo.js';
import { MailRenderer } from './features/notifications/mail-renderer.js';
import { NotificationsService } from './features/notifications/notifications.service.js';
import { PreferencesService } from './features/notifications/preferences.service.js';
import { KnowledgeRepo } from './features/knowledge/knowledge.repo.js';
import { KnowledgeService } from './features/knowledge/knowledge.service.js';
import { InboundMailsRepo } from './features/mail-in/inbound-mails.repo.js';
import { MailInService } from './features/mail-in/mail-in.service.js';
import { SlaRepo } from './features/sla/sla.repo.js';
import { SlaService } from './features/sla/sla.service.js';
import { StatisticsRepo } from './features/statistics/statistics.repo.js';
import { StatisticsService } from './features/statistics/statistics.service.js';

/** The bare address of "Name <address>" or of an address. */
const addressOf = (from: string) => (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();

/** The composition root: every repo receives the database, every service its repos, here and only here. */
export function buildServices(deps: { config: Config; db: Database; now: () => Date }) {
  const { config, db, now } = deps;

  const users = new UsersRepo(db);
  const sessions = new SessionsRepo(db);
  const settings = new SettingsRepo(db);
  const audit = new AuditRepo(db);
  const catalogueRepo = new CatalogueRepo(db);
  const ticketsRepo = new TicketsRepo(db);
  const outbox = new OutboxRepo(db);
  const portalRepo = new PortalRepo(db);

  const catalogue = new CatalogueService(catalogueRepo);
  const attachments = new AttachmentsService(config.uploadDir, new AttachmentsRepo(db));
  const events = new TicketEventBus();
  const notifications = new NotificationsService({
    tickets: ticketsRepo, recipients: new NotificationsRepo(db), outbox, renderer: new MailRenderer(), settings, publicUrl: config.publicUrl, now,
  });
  events.subscribe(notifications);
  const catalogueAdminRepo = new CatalogueAdminRepo(db);
  const catalogueAdmin = new CatalogueAdminService({ db, catalogue: catalogueAdminRepo, audit, now });
  const sla = new SlaService({ db, repo: new SlaRepo(db), settings, notifications, audit, catalogue: catalogueAdmin, now });
  const statistics = new StatisticsService({ db, repo: new StatisticsRepo(db), settings, now });
  const tickets = new TicketsService({ db, tickets: ticketsRepo, catalogue: catalogueRepo, settings, attachments, events, sla, now });
  const agent = new AgentService({ db, tickets: ticketsRepo, settings, attachments, events, sla, now });
  const resolution = new ResolutionService({ db, tickets: ticketsRepo, settings, events, notifications, sla, now });
  const portal = new PortalService(portalRepo, settings);
  const accounts = new AccountsService({ db, users, now });
  const passwordReset = new PasswordResetService({ db, users, resets: new PasswordResetsRepo(db), sessions, notifications, now });
  const directoryAccountsRepo = new DirectoryAccountsRepo(db);
  const directoryAccounts = new DirectoryAccountsService({ db, users, accounts: directoryAccountsRepo, sessions, now, groupRoles: config.auth.groupRoles });
  const ldap = config.ldap ? new LdapDirectory(config.ldap) : null;
  const oidc = config.oidc ? new OidcSignIn(config.oidc, `${config.publicUrl}/login/oidc/retour`) : null;
  const signIn = new SignInService({ users, directoryAccounts, ldap, methods: config.auth.methods });
  const directorySync = new DirectorySyncService({ db, accounts: directoryAccountsRepo, directoryAccounts, now });
  const loginLockout = new LoginLockoutService({ db, lockouts: new LoginLockoutsRepo(db), audit, now });
  const preferences = new PreferencesService({ db, recipients: new NotificationsRepo(db) });
  const satisfaction = new SatisfactionRepo(db);
  const directory = new DirectoryRepo(db);
  const directoryAdmin = new DirectoryAdminService({ db, directory, users, sessions, settings, audit, now });
  const portalAdmin = new PortalAdminService({ db, portalRepo, settings, portal, audit, now });
  const importExport = new ImportExportService({
    db, catalogue: catalogueAdminRepo, directory, users, sessions, batches: new ImportBatchesRepo(db), audit, now,
  });
  const knowledge = new KnowledgeService({ db, knowledge: new KnowledgeRepo(db), audit, now });
  const mailIn = new MailInService({
    db, inbound: new InboundMailsRepo(db), users, ticketsRepo, tickets, agentConsole: agent, agentReplies: config.mailAgentReplies, attachments, notifications, now,
    ownAddresses: [addressOf(config.mailFrom), ...(config.mailReplyTo ? [config.mailReplyTo] : [])],
    domain: mailDomain(config), uploadTmpDir: config.uploadTmpDir, maxPerHour: config.mailInMaxPerHour, maxFiles: config.uploadMaxFiles, maxBytes: config.uploadMaxBytes,
  });
  // The catalogue checks its own version at each use; settings and the portal are checked per request.
  const freshCaches = freshnessCheck(new CacheVersionsRepo(db), { settings: () => settings.forget(), portal: () => portal.forget() });
  return {
    freshCaches,
    config, db, now, users, sessions, settings, audit, catalogue, attachments, ticketsRepo, tickets, events, portal, agent, outbox, notifications,
    mailIn, resolution, sla, statistics, accounts, passwordReset, loginLockout, directoryAccounts, ldap, oidc, signIn, directorySync, preferences, satisfaction, catalogueAdmin, directoryAdmin, portalAdmin, importExport, knowledge,
  };
}

export type Services = ReturnType<typeof buildServices>;

/** The domain of Guichet's Message-IDs: its public host's. */
export function mailDomain(config: Config): string {
  return new URL(config.publicUrl).hostname || 'guichet';
}
