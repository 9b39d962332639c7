import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { mailDomain, type Services } from './services.js';
import { ImapWorker } from './features/mail-in/imap.worker.js';
import { OutboxWorker, type MailTransport } from './features/notifications/outbox.worker.js';
import { Scheduler, type Job } from './features/notifications/scheduler.js';
import { removeOrphanFiles } from './features/attachments/orphan-files.js';

/** The mail transport from SMTP_URL, with short timeouts so a dead server never holds a worker. */
export function smtpTransport(url: string): MailTransport {
  const u = new URL(url);
  u.searchParams.set('connectionTimeout', '10000');
  u.searchParams.set('greetingTimeout', '10000');
  u.searchParams.set('socketTimeout', '30000');
  return nodemailer.createTransport(u.toString()) as unknown as MailTransport;
}

export function outboxWorker(services: Services, transport: MailTransport, logger: Logger): OutboxWorker {
  const { config } = services;
  // Replies go to the mailbox Guichet reads; without one, to nobody (MAIL_FROM answers no one).
  const replyTo = config.imapUrl ? config.mailReplyTo : undefined;
  return new OutboxWorker({ outbox: services.outbox, transport, from: config.mailFrom, now: services.now, logger, domain: mailDomain(config), replyTo });
}

/** The app's background jobs: the resolution sweep always, the outbox worker when SMTP is configured. */
export function buildScheduler(services: Services, logger: Logger): Scheduler {
  const jobs: Job[] = [
    {
      name: 'resolution-sweep',
      everyMs: 60_000,
      run: async () => {
        await services.resolution.remindDue();
        await services.resolution.autoCloseDue();
      },
    },
    {
      name: 'orphan-files',
      everyMs: 3600_000,
      run: async () => {
        const { config, now } = services;
        const removed = await removeOrphanFiles(services.attachments, { uploadDir: config.uploadDir, tmpDir: config.uploadTmpDir }, now());
        if (removed > 0) logger.info({ removed }, 'orphan files removed');
      },
    },
    {
      name: 'service-levels',
      everyMs: 60_000,
      run: async () => {
        await services.sla.sendDueAlerts();
        const filled = await services.sla.backfill();
        if (filled > 0) {
          logger.info({ filled }, 'service-level clocks replayed from history');
          // Their resolutions counted without their delays until now: the statistics count everything again.
          await services.statistics.countAllAgain();
        }
      },
    },
    {
      name: 'statistics',
      everyMs: 300_000,
      run: async () => {
        const done = await services.statistics.recount();
        if (done && done.days < 0) logger.info('statistics counted from every ticket');
      },
    },
    {
      name: 'forget-login-failures',
      everyMs: 3600_000,
      run: () => services.loginLockout.forgetStale(),
    },
  ];
  if (services.config.directorySyncHours > 0 && services.ldap) {
    const ldap = services.ldap;
    jobs.push({
      name: 'directory-sync',
      everyMs: services.config.directorySyncHours * 3600_000,
      run: async () => {
        const report = await services.directorySync.run(ldap);
        if (report) logger.info({ ...report, changes: undefined }, 'directory synced');
      },
    });
  }
  if (services.config.imapUrl) {
    const reader = new ImapWorker({ url: services.config.imapUrl, mailIn: services.mailIn, logger });
    jobs.push({ name: 'mail-in', everyMs: services.config.imapPollMs, run: () => reader.runOnce() });
  }
  if (services.config.smtpUrl) {
    const worker = outboxWorker(services, smtpTransport(services.config.smtpUrl), logger);
    jobs.push({ name: 'outbox', everyMs: 5_000, run: () => worker.runOnce() });
  }
  return new Scheduler(jobs, logger);
}
