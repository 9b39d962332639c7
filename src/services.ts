import type { Knex } from 'knex';
import type { Config } from './config.js';
import { UsersRepo } from './features/auth/users.repo.js';
import { SettingsService } from './features/admin/settings.service.js';
import { CatalogueRepo } from './features/catalogue/catalogue.repo.js';
import { CatalogueService } from './features/catalogue/catalogue.service.js';
import { AttachmentsService } from './features/attachments/attachments.service.js';
import { TicketsRepo } from './features/tickets/tickets.repo.js';
import { TicketsService } from './features/tickets/tickets.service.js';
import { TicketEventBus } from './features/tickets/events.js';
import { WriteBatch } from './db/write-batch.js';
import { PortalService } from './features/portal/portal.service.js';
import { AgentService } from './features/agent/agent.service.js';
import { OutboxRepo } from './features/notifications/outbox.repo.js';
import { MailRenderer } from './features/notifications/mail-renderer.js';
import { NotificationsService } from './features/notifications/notifications.service.js';
import { ResolutionService } from './features/tickets/resolution.service.js';
import { LoginLockoutService } from './features/auth/login-lockout.service.js';
import { PasswordResetService } from './features/auth/password-reset.service.js';
import { PreferencesService } from './features/notifications/preferences.service.js';
import { SatisfactionRepo } from './features/admin/satisfaction.repo.js';
import { CatalogueAdminService } from './features/admin/catalogue-admin.service.js';
import { DirectoryAdminService } from './features/admin/directory-admin.service.js';
import { PortalAdminService } from './features/admin/portal-admin.service.js';
import { ImportExportService } from './features/admin/import-export.service.js';
import { AuditRepo } from './features/admin/audit.js';
import { KnowledgeService } from './features/knowledge/knowledge.service.js';

/** The composition root: every service receives its collaborators here, and only here. */
export function buildServices(deps: { config: Config; db: Knex; readDb?: Knex; now: () => Date }) {
  const { config, db, now } = deps;
  // Repositories whose reads outside transactions go to the read pool; their writes take the
  // caller's transaction, always on `db`.
  const readDb = deps.readDb ?? db;
  const users = new UsersRepo(readDb);
  const settings = new SettingsService(db);
  const catalogueRepo = new CatalogueRepo(readDb);
  const catalogue = new CatalogueService(catalogueRepo);
  const attachments = new AttachmentsService(config.uploadDir);
  const ticketsRepo = new TicketsRepo(readDb);
  const events = new TicketEventBus();
  const tickets = new TicketsService({ db, creations: new WriteBatch(db), tickets: ticketsRepo, catalogue: catalogueRepo, settings, attachments, events, now });
  const portal = new PortalService(db, settings);
  const agent = new AgentService({ db, tickets: ticketsRepo, settings, attachments, events, now });
  const outbox = new OutboxRepo(db);
  const notifications = new NotificationsService({ tickets: ticketsRepo, outbox, renderer: new MailRenderer(), settings, readDb, publicUrl: config.publicUrl, now });
  events.subscribe(notifications);
  const resolution = new ResolutionService({ db, tickets: ticketsRepo, settings, events, notifications, now });
  const passwordReset = new PasswordResetService({ db, users, notifications, now });
  const loginLockout = new LoginLockoutService({ db, now });
  const preferences = new PreferencesService(db);
  const satisfaction = new SatisfactionRepo(db);
  const catalogueAdmin = new CatalogueAdminService({ db, now });
  const directoryAdmin = new DirectoryAdminService({ db, settings, now });
  const portalAdmin = new PortalAdminService({ db, settings, portal, now });
  const importExport = new ImportExportService({ db, now });
  const auditRepo = new AuditRepo(db);
  const knowledge = new KnowledgeService({ db, readDb, now });
  return { config, db, now, users, settings, catalogueRepo, catalogue, attachments, ticketsRepo, tickets, events, portal, agent, outbox, notifications, resolution, passwordReset, loginLockout, preferences, satisfaction,
    catalogueAdmin, directoryAdmin, portalAdmin, importExport, auditRepo, knowledge };
}

export type Services = ReturnType<typeof buildServices>;
