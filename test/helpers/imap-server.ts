import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './ports.js';

export const MAILBOX_USER = 'assistance';
export const MAILBOX_PASSWORD = 'boite-secret';

export function dovecotInstalled(): boolean {
  return fs.existsSync('/usr/sbin/dovecot');
}

export interface ImapServer {
  /** IMAP_URL for Guichet. */
  url: string;
  /** Deliver a message into INBOX (IMAP APPEND), as the mail server would. */
  deliver(raw: string | Buffer): Promise<void>;
  /** Deliver many, in one session. */
  deliverAll(raws: Array<string | Buffer>): Promise<void>;
  /** How many messages each folder holds. */
  counts(...folders: string[]): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/**
 * A real Dovecot IMAP server (Debian dovecot-imapd) on a free loopback port, in a temporary
 * folder: one user, a Maildir, plain login (loopback only, no TLS).
 */
export async function startImapServer(): Promise<ImapServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-imap-'));
  fs.chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'home']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
  const owner = execFileSync('id', ['-u', 'dovecot']).toString().trim();
  const group = execFileSync('id', ['-g', 'dovecot']).toString().trim();
  fs.chownSync(path.join(dir, 'home'), Number(owner), Number(group));
  fs.writeFileSync(path.join(dir, 'passwd'), `${MAILBOX_USER}:{PLAIN}${MAILBOX_PASSWORD}\n`, { mode: 0o644 });
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(
    conf,
    `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${owner} gid=${group} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );
  const child: ChildProcess = spawn('/usr/sbin/dovecot', ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const client = () => new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: MAILBOX_USER, pass: MAILBOX_PASSWORD }, logger: false });
  const session = async <T>(work: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = client();
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.logout().catch(() => undefined);
    }
  };
  for (let i = 0; ; i++) {
    try {
      await session(async () => undefined);
      break;
    } catch (e) {
      const log = fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '';
      if (i > 100 || child.exitCode !== null) throw new Error(`dovecot did not start: ${err}${log}${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `imap://${MAILBOX_USER}:${MAILBOX_PASSWORD}@127.0.0.1:${port}/INBOX`,
    deliver: (raw) => session(async (c) => void (await c.append('INBOX', raw))),
    deliverAll: (raws) =>
      session(async (c) => {
        for (const raw of raws) await c.append('INBOX', raw);
      }),
    counts: (...folders) =>
      session(async (c) => {
        const out: Record<string, number> = {};
        for (const f of folders) out[f] = await c.status(f, { messages: true }).then((s) => (s ? (s.messages ?? 0) : 0), () => 0);
        return out;
      }),
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
