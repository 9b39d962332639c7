import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { outboxWorker, smtpTransport } from '../../../src/jobs.js';
import { DONE_FOLDER, ERROR_FOLDER, ImapWorker } from '../../../src/features/mail-in/imap.worker.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { consoleAction } from '../../helpers/console.js';
import { buildTicket, demoUser, subcategoryId } from '../../helpers/factories.js';
import { dovecotInstalled, startImapServer, type ImapServer } from '../../helpers/imap-server.js';
import { SmtpSink } from '../../helpers/smtp-sink.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'mail');
const REPLY_TO = 'assistance@ac-demo.fr';

describe('mail to the helpdesk: replies land in their ticket, robots and strangers write nothing (real Dovecot)', function () {
  this.timeout(60_000);
  let imap: ImapServer;
  let t: TestApp;
  let agent: Agent;
  let worker: ImapWorker;
  let sub: number;

  before(async function () {
    if (!dovecotInstalled()) {
      console.log('      (skipped: Dovecot (Debian dovecot-imapd) is not installed; .ci/run installs it)');
      return this.skip();
    }
    imap = await startImapServer();
    t = await startTestApp({ imapUrl: imap.url, mailReplyTo: REPLY_TO });
    agent = await loginAs(t.app, 'ALEROY');
    sub = await subcategoryId(t.db, 'ONDE', "Accès à l'application");
    worker = new ImapWorker({ url: imap.url, mailIn: t.services.mailIn, logger: createLogger('silent') });
  });
  after(async () => {
    await t?.close();
    await imap?.stop();
  });

  /** A ticket of Sophie's that ALEROY took and asked her about ("À compléter"); its reference and the Message-ID of the question's mail. */
  async function askedTicket(): Promise<{ ref: string; id: number; messageId: string }> {
    const sophie = await demoUser(t.db, 'SSEGUR');
    const ref = await buildTicket(t.services, sophie.id, { subcategory_id: sub, subject: 'Poste bloqué' });
    assert.equal((await consoleAction(agent, ref, { action: 'take' })).status, 303);
    assert.equal((await consoleAction(agent, ref, { action: 'request_info', public_entry: 'De quel poste s’agit-il ?' })).status, 303);
    const { id } = await t.db('tickets').where({ ref }).first('id');
    const question = await t.db('outbox').where({ ticket_id: id, kind: 'info_requested' }).first();
    return { ref, id, messageId: `<${ref}.outbox-${question.id}@localhost>` };
  }
  const fixture = (name: string, values: Record<string, string>) =>
    Object.entries(values).reduce((s, [k, v]) => s.replaceAll(`{{${k}}}`, v), fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
  const publicEntries = (id: number) => t.db('journal_entries').where({ ticket_id: id, visibility: 'public' }).orderBy('id');

  it('when Guichet mails, should name the ticket in the Message-ID, ask robots not to answer, and give the helpdesk\'s address to reply to', async () => {
    const { ref } = await askedTicket();
    const sink = new SmtpSink();
    await sink.start();
    try {
      const out = outboxWorker(t.services, smtpTransport(sink.url), createLogger('silent'));
      while ((await out.runOnce()) > 0);
      const question = sink.received.find((m) => m.subject.startsWith(`[${ref}] Complément`))!;
      assert.match(question.messageId, new RegExp(`^<${ref}\\.outbox-\\d+@localhost>$`));
      assert.equal(question.replyTo, REPLY_TO);
      assert.equal(question.autoSubmitted, 'auto-generated');
      assert.equal(question.autoResponseSuppress, 'All');
    } finally {
      await sink.stop();
    }
  });

  it('when the requester answers "À compléter" with Thunderbird\'s Reply, should add her answer without the quote, send the ticket back to its agent and tell him', async () => {
    const { ref, id, messageId } = await askedTicket();
    await imap.deliver(fixture('thunderbird-reply.eml', { REF: ref, MESSAGE_ID: messageId }));
    assert.equal(await worker.runOnce(), 1);
    const ticket = await t.db('tickets').where({ id }).first();
    assert.equal(ticket.status, 'assignee', 'back to the agent in charge');
    const entries = await publicEntries(id);
    const answer = entries.at(-1)!;
    assert.equal(answer.author_id, (await demoUser(t.db, 'SSEGUR')).id);
    assert.ok(answer.body.includes("Il s'agit du poste de la salle 12"));
    assert.ok(!answer.body.includes('a écrit') && !answer.body.includes('Pouvez-vous préciser'), 'the quoted history is cut');
    const files = await t.db('attachments').where({ ticket_id: id }).pluck('original_name');
    assert.deepEqual(files, ['message-complet.txt'], 'the whole message kept, as something was cut');
    const toAgent = await t.db('outbox').where({ ticket_id: id, kind: 'requester_answered' });
    assert.equal(toAgent.length, 1, 'the agent is told, as for an answer on the page');
    assert.deepEqual(await imap.counts('INBOX', DONE_FOLDER), { INBOX: 0, [DONE_FOLDER]: 1 });
    const page = visibleText((await agent.get(`/agent/tickets/${ref}`)).text);
    assert.ok(page.includes("Il s'agit du poste de la salle 12"));
  });

  it('when the same message comes again (a crash before it was moved), should not write it twice', async () => {
    const { ref, id, messageId } = await askedTicket();
    const raw = fixture('thunderbird-reply.eml', { REF: ref, MESSAGE_ID: messageId }).replace('a1b2c3d4-thunderbird', `twice-${id}`);
    await imap.deliver(raw);
    await imap.deliver(raw);
    assert.equal(await worker.runOnce(), 2);
    assert.equal((await publicEntries(id)).filter((e) => e.body.includes('salle 12')).length, 1);
    assert.equal(Number((await t.db('inbound_mails').where({ message_id: `<twice-${id}@ac-demo.fr>` }).count({ n: '*' }))[0].n), 1);
  });

  it('when Outlook answers in French (subject only, HTML with a script), or Gmail with References and an image, should keep the answer, cut the history, take the image', async () => {
    const { ref, id, messageId } = await askedTicket();
    await imap.deliver(fixture('outlook-reply-fr.eml', { REF: ref }));
    await imap.deliver(fixture('gmail-reply-image.eml', { REF: ref, MESSAGE_ID: messageId }));
    assert.equal(await worker.runOnce(), 2);
    const bodies = (await publicEntries(id)).map((e) => e.body);
    const outlook = bodies.find((b) => b.includes("Le redémarrage n'a rien changé."))!;
    assert.ok(outlook, bodies.join(' | '));
    assert.ok(!outlook.includes('Envoyé') && !outlook.includes('Essayez de redémarrer'), outlook);
    assert.ok(!bodies.some((b) => b.includes('<script') || b.includes('alert(1)')));
    const gmail = bodies.find((b) => b.includes('Voici une capture'))!;
    assert.ok(!gmail.includes('wrote'), gmail);
    const files = await t.db('attachments').where({ ticket_id: id }).select('original_name', 'mime');
    assert.ok(files.some((f) => f.original_name === 'ecran.png' && f.mime === 'image/png'), JSON.stringify(files));
  });

  it('when an out-of-office or a bounce arrives, should write nothing and answer nothing', async () => {
    const { ref, id, messageId } = await askedTicket();
    const outboxBefore = Number((await t.db('outbox').count({ n: '*' }))[0].n);
    const entriesBefore = (await publicEntries(id)).length;
    await imap.deliver(fixture('out-of-office.eml', { REF: ref, MESSAGE_ID: messageId }));
    await imap.deliver(fixture('bounce.eml', { REF: ref }));
    assert.equal(await worker.runOnce(), 2);
    assert.equal((await publicEntries(id)).length, entriesBefore);
    assert.equal((await t.db('tickets').where({ id }).first()).status, 'a_completer');
    assert.equal(Number((await t.db('outbox').count({ n: '*' }))[0].n), outboxBefore, 'no answer to a robot');
    const outcomes = await t.db('inbound_mails').whereIn('message_id', ['<ooo-0001@ac-demo.fr>', '<bounce-0001@mx.ac-demo.fr>']).pluck('outcome');
    assert.deepEqual(outcomes, ['ignored', 'ignored']);
  });

  it('when a stranger replies to a ticket\'s mail, should write nothing and answer once politely, not twice in the hour', async () => {
    const { ref, id, messageId } = await askedTicket();
    await imap.deliver(fixture('forged-sender.eml', { REF: ref, MESSAGE_ID: messageId, N: '1' }));
    await imap.deliver(fixture('forged-sender.eml', { REF: ref, MESSAGE_ID: messageId, N: '2' }));
    assert.equal(await worker.runOnce(), 2);
    assert.ok(!(await publicEntries(id)).some((e) => e.body.includes('Fermez ce ticket')));
    const answers = await t.db('outbox').where({ to_address: 'intrus@exemple.com', kind: 'mail_refused' });
    assert.equal(answers.length, 1, 'one answer per sender per hour');
    assert.ok(answers[0].text_body.includes("votre adresse ne correspond à aucun compte"));
    assert.ok(!answers[0].text_body.includes('De quel poste'), 'nothing of the ticket goes to a stranger');
    assert.deepEqual(await t.db('inbound_mails').where({ from_address: 'intrus@exemple.com' }).orderBy('id').pluck('outcome'), ['refused', 'refused']);
  });

  it('when the requester replies to a resolved ticket, should show it to the agent and leave the resolution to her decision', async () => {
    const { ref, id, messageId } = await askedTicket();
    await t.db('tickets').where({ id }).update({ status: 'assignee' });
    assert.equal((await consoleAction(agent, ref, { action: 'resolve', solution: 'Écran remplacé.' })).status, 303);
    await imap.deliver(fixture('thunderbird-reply.eml', { REF: ref, MESSAGE_ID: messageId }).replace('a1b2c3d4-thunderbird', `resolved-${id}`));
    assert.equal(await worker.runOnce(), 1);
    assert.equal((await t.db('tickets').where({ id }).first()).status, 'resolue', 'neither accepted nor refused by a mail');
    assert.ok((await publicEntries(id)).some((e) => e.body.includes('salle 12')));
    assert.equal((await t.db('outbox').where({ ticket_id: id, kind: 'requester_updated' })).length, 1, 'the agent is told');
  });

  it('when a sender writes in a loop, should set the next mails aside unanswered; the admin sees them and has one read again', async () => {
    const looping = await startTestApp({ imapUrl: imap.url, mailReplyTo: REPLY_TO, mailInMaxPerHour: 2 });
    try {
      const reader = new ImapWorker({ url: imap.url, mailIn: looping.services.mailIn, logger: createLogger('silent') });
      const sophie = await demoUser(looping.db, 'SSEGUR');
      const ref = await buildTicket(looping.services, sophie.id, { subcategory_id: sub, subject: 'En boucle' });
      for (let i = 1; i <= 3; i++) await imap.deliver(fixture('thunderbird-reply.eml', { REF: ref, MESSAGE_ID: '<autre@ailleurs.fr>' }).replace('a1b2c3d4-thunderbird', `loop-${i}`));
      assert.equal(await reader.runOnce(), 3);
      const rows = await looping.db('inbound_mails').orderBy('id').select('id', 'outcome');
      assert.deepEqual(rows.map((r) => r.outcome), ['entry', 'entry', 'set_aside']);
      assert.equal((await looping.db('outbox').where({ kind: 'mail_refused' })).length, 0, 'unanswered');
      const admin = await loginAs(looping.app, 'ADMIN');
      const page = await admin.get('/admin/courriels-entrants');
      const text = visibleText(page.text);
      assert.ok(text.includes('Mis de côté') && text.includes('plus de 2 courriels de cet expéditeur en une heure'));
      assert.ok(text.includes(`Ajouté au ticket : ${ref}`));
      const token = page.text.match(/name="_csrf" value="([^"]+)"/)![1];
      const retried = await admin.post(`/admin/courriels-entrants/${rows[2].id}/reprendre`).type('form').send({ _csrf: token });
      assert.equal(retried.status, 303);
      await reader.runOnce();
      assert.deepEqual((await looping.db('inbound_mails').orderBy('id').pluck('outcome')), ['entry', 'entry', 'entry'], 'read again, past the hourly count');
      const { id } = await looping.db('tickets').where({ ref }).first('id');
      assert.equal((await looping.db('journal_entries').where({ ticket_id: id, visibility: 'public' })).length, 3);
    } finally {
      await looping.close();
    }
  });

  it('when a reply is odd (8-bit subject in windows-1252, 200 recipients, HTML only with a script, a file named with a path), should still land, as text', async () => {
    const { ref, id, messageId } = await askedTicket();
    const recipients = Array.from({ length: 200 }, (_, i) => `collegue${i}@ac-demo.fr`).join(', ');
    const head = [
      'From: Sophie Segur <sophie.segur@ac-demo.fr>', `To: assistance@ac-demo.fr, ${recipients}`, `Subject: Re: [${ref}] Problème réglé ?`,
      `Message-ID: <odd-${id}@ac-demo.fr>`, `In-Reply-To: ${messageId}`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '',
      '--b', 'Content-Type: text/html; charset=windows-1252', 'Content-Transfer-Encoding: 8bit', '',
    ].join('\r\n');
    const html = '<html><body><p>Toujours bloqué à l\'écran de démarrage.</p><script>document.location="https://pirate.example"</script></body></html>';
    const tail = ['', '--b', 'Content-Type: text/plain; name="passwd.txt"', 'Content-Disposition: attachment; filename="../../etc/passwd.txt"', '', 'root:x:0:0', '--b--', ''].join('\r\n');
    await imap.deliver(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from('\r\n' + html, 'latin1'), Buffer.from(tail, 'latin1')]));
    assert.equal(await worker.runOnce(), 1);
    const record = await t.db('inbound_mails').where({ message_id: `<odd-${id}@ac-demo.fr>` }).first();
    assert.equal(record?.outcome, 'entry', JSON.stringify(record));
    const entry = (await publicEntries(id)).at(-1)!;
    assert.match(entry.body, /Toujours bloqué à l'écran de démarrage\./);
    assert.ok(!/script|pirate/.test(entry.body), entry.body);
    const names: string[] = await t.db('attachments').where({ ticket_id: id }).pluck('original_name');
    assert.ok(names.length === 1 && !names[0].includes('/') && names[0].endsWith('passwd.txt'), names.join(', '));
    assert.equal((await t.db('inbound_mails').where({ message_id: `<odd-${id}@ac-demo.fr>` }).first()).subject, `Re: [${ref}] Problème réglé ?`);
  });

  it('when a known user writes to the helpdesk without naming a ticket, should open one in "Nouvelle" for the platform team, and send her the usual creation mail', async () => {
    const raw = [
      'From: Sophie Segur <sophie.segur@ac-demo.fr>', 'To: assistance@ac-demo.fr', 'Subject: TR: Imprimante du bureau en panne',
      'Message-ID: <new-request-1@ac-demo.fr>', 'Content-Type: text/plain; charset=UTF-8', '', "L'imprimante du bureau affiche une erreur 49.", '',
    ].join('\r\n');
    await imap.deliver(raw);
    assert.equal(await worker.runOnce(), 1);
    const record = await t.db('inbound_mails').where({ message_id: '<new-request-1@ac-demo.fr>' }).first();
    assert.equal(record.outcome, 'ticket');
    const ticket = await t.db('tickets').where({ id: record.ticket_id }).first();
    assert.deepEqual([ticket.status, ticket.subject, ticket.subcategory_name, ticket.team_id], ['nouvelle', 'Imprimante du bureau en panne', 'À qualifier', null]);
    assert.match(ticket.detail, /erreur 49/);
    assert.equal(ticket.requester_id, (await demoUser(t.db, 'SSEGUR')).id);
    assert.equal((await t.db('outbox').where({ ticket_id: ticket.id, kind: 'ticket_created' })).length, 1, 'the usual creation mail, with the reference');
    const queue = visibleText((await agent.get('/agent/tickets/en-cours?onglet=a_prendre')).text);
    assert.ok(queue.includes('Imprimante du bureau en panne'), 'in the platform team\'s queue');
    // The sub-category kept for mail is not one users browse or find.
    const sophie = await loginAs(t.app, 'SSEGUR');
    assert.ok(!visibleText((await sophie.get('/assistance/services')).text).includes('Demandes reçues par courriel'));
    assert.ok(!visibleText((await sophie.get('/assistance/recherche?q=qualifier')).text).includes('À qualifier'));
  });

  it('when the requester replies to a closed ticket, should open a new ticket that names the old one', async () => {
    const { ref, id, messageId } = await askedTicket();
    await t.db('tickets').where({ id }).update({ status: 'fermee', closed_at: new Date().toISOString() });
    await imap.deliver(fixture('thunderbird-reply.eml', { REF: ref, MESSAGE_ID: messageId }).replace('a1b2c3d4-thunderbird', `closed-${id}`));
    assert.equal(await worker.runOnce(), 1);
    const record = await t.db('inbound_mails').where({ message_id: `<closed-${id}@ac-demo.fr>` }).first();
    assert.equal(record.outcome, 'ticket');
    assert.notEqual(record.ticket_id, id);
    const fresh = await t.db('tickets').where({ id: record.ticket_id }).first();
    assert.match(fresh.detail, new RegExp(`Suite du ticket ${ref}, fermé\\.`));
    assert.match(fresh.detail, /salle 12/);
    assert.equal((await t.db('tickets').where({ id }).first()).status, 'fermee', 'the old one stays closed');
  });

  it('when an agent replies by mail, should refuse it and tell him to use the console; with MAIL_AGENT_REPLIES=public, put it in the public journal', async () => {
    const { ref, id, messageId } = await askedTicket();
    const fromAgent = (n: string) => fixture('thunderbird-reply.eml', { REF: ref, MESSAGE_ID: messageId })
      .replace('From: =?UTF-8?Q?Sophie_S=C3=A9gur?= <sophie.segur@ac-demo.fr>', 'From: Antoine Leroy <antoine.leroy@ac-demo.fr>')
      .replace('a1b2c3d4-thunderbird', `agent-${n}-${id}`);
    await imap.deliver(fromAgent('a'));
    assert.equal(await worker.runOnce(), 1);
    assert.ok(!(await publicEntries(id)).some((e) => e.body.includes('salle 12')));
    const told = await t.db('outbox').where({ to_address: 'antoine.leroy@ac-demo.fr', kind: 'mail_refused' }).orderBy('id', 'desc').first();
    assert.ok(told?.text_body.includes('les agents répondent depuis la console'));

    const open = await startTestApp({ imapUrl: imap.url, mailReplyTo: REPLY_TO, mailAgentReplies: 'public' });
    try {
      const sophie = await demoUser(open.db, 'SSEGUR');
      const ref2 = await buildTicket(open.services, sophie.id, { subcategory_id: sub, subject: 'Réponse d’agent' });
      const leroy = await loginAs(open.app, 'ALEROY');
      assert.equal((await consoleAction(leroy, ref2, { action: 'take' })).status, 303);
      const reader = new ImapWorker({ url: imap.url, mailIn: open.services.mailIn, logger: createLogger('silent') });
      await imap.deliver(fixture('thunderbird-reply.eml', { REF: ref2, MESSAGE_ID: '<x@y.fr>' })
        .replace('From: =?UTF-8?Q?Sophie_S=C3=A9gur?= <sophie.segur@ac-demo.fr>', 'From: Antoine Leroy <antoine.leroy@ac-demo.fr>')
        .replace('a1b2c3d4-thunderbird', 'agent-public'));
      assert.equal(await reader.runOnce(), 1);
      const { id: id2 } = await open.db('tickets').where({ ref: ref2 }).first('id');
      const entries = await open.db('journal_entries').where({ ticket_id: id2 }).select('visibility', 'body', 'author_id');
      const leroyId = (await demoUser(open.db, 'ALEROY')).id;
      assert.ok(entries.some((e) => e.visibility === 'public' && e.author_id === leroyId && e.body.includes('salle 12')), JSON.stringify(entries));
      assert.ok(!entries.some((e) => e.visibility === 'private'), 'never the private journal');
    } finally {
      await open.close();
    }
  });

  it('when a reply carries a 30 MB file and a zip (a bomb, or not), or its MIME is broken, should keep what it can, say what it left out, and go on', async () => {
    const { ref, id, messageId } = await askedTicket();
    const big = crypto.randomBytes(30_000_000).toString('base64').replace(/.{76}/g, '$&\r\n');
    const zip = Buffer.concat([Buffer.from('504b0304140000000800', 'hex'), Buffer.alloc(200)]).toString('base64');
    const withFiles = [
      'From: Sophie Segur <sophie.segur@ac-demo.fr>', 'To: assistance@ac-demo.fr', `Subject: Re: [${ref}] Fichiers`, `Message-ID: <files-${id}@ac-demo.fr>`,
      `In-Reply-To: ${messageId}`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="f"', '',
      '--f', 'Content-Type: text/plain; charset=UTF-8', '', 'Voici les journaux du poste.',
      '--f', 'Content-Type: application/octet-stream; name="journaux.bin"', 'Content-Disposition: attachment; filename="journaux.bin"', 'Content-Transfer-Encoding: base64', '', big,
      '--f', 'Content-Type: application/zip; name="42.zip"', 'Content-Disposition: attachment; filename="42.zip"', 'Content-Transfer-Encoding: base64', '', zip,
      '--f--', '',
    ].join('\r\n');
    const broken = [
      'From: Sophie Segur <sophie.segur@ac-demo.fr>', 'To: assistance@ac-demo.fr', `Subject: =?UTF-8?Q?Re=3A_=5B${ref}=5D_Cass=00=C3=A9?=`, `Message-ID: <broken-${id}@ac-demo.fr>`,
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="jamais-ferme"', 'X-En-tete sans deux-points', '',
      '--jamais-ferme', 'Content-Type: text/plain; charset=inconnu-42', 'Content-Transfer-Encoding: quoted-printable', '', 'Le poste =C3=A9teint =ZZ tout seul.',
    ].join('\r\n');
    await imap.deliver(withFiles);
    await imap.deliver(broken);
    assert.equal(await worker.runOnce(), 2);
    const bodies = (await publicEntries(id)).map((e) => e.body);
    const filed = bodies.find((b) => b.includes('Voici les journaux du poste.'))!;
    assert.ok(filed, bodies.join(' | '));
    assert.ok(filed.includes('[Pièce jointe non reprise : journaux.bin, trop volumineuse]'), filed);
    assert.ok(filed.includes('42.zip') && filed.includes("n'est pas d'un type accepté"), filed);
    assert.deepEqual(await t.db('attachments').where({ ticket_id: id }).pluck('original_name'), [], 'neither file kept');
    assert.ok(bodies.some((b) => b.includes('Le poste') && b.includes('teint')), 'the broken one lands too, as well as it reads');
    assert.deepEqual(await imap.counts('INBOX'), { INBOX: 0 });
    // A NUL in a header (which PostgreSQL refuses in text) is dropped, not stored nor fatal.
    assert.equal((await t.db('inbound_mails').where({ message_id: `<broken-${id}@ac-demo.fr>` }).first()).subject, `Re: [${ref}] Cassé`);
  });

  it('when a message fails pass after pass (its files cannot be written), should keep it for the next passes, then set it aside so it blocks nothing', async () => {
    const broken = await startTestApp({ imapUrl: imap.url, mailReplyTo: REPLY_TO });
    try {
      // Where incoming files wait becomes a file: nothing can be written there.
      fs.rmSync(broken.config.uploadTmpDir, { recursive: true, force: true });
      fs.writeFileSync(broken.config.uploadTmpDir, '');
      const reader = new ImapWorker({ url: imap.url, mailIn: broken.services.mailIn, logger: createLogger('silent') });
      const sophie = await demoUser(broken.db, 'SSEGUR');
      const ref = await buildTicket(broken.services, sophie.id, { subcategory_id: sub, subject: 'Disque plein' });
      await imap.deliver(fixture('thunderbird-reply.eml', { REF: ref, MESSAGE_ID: '<x@y.fr>' }).replace('a1b2c3d4-thunderbird', 'fails-thrice'));
      assert.equal(await reader.runOnce(), 0, 'first failure: kept');
      assert.equal(await reader.runOnce(), 0, 'second failure: kept');
      assert.deepEqual(await imap.counts('INBOX'), { INBOX: 1 });
      assert.equal(await reader.runOnce(), 1, 'third failure: set aside');
      assert.deepEqual(await imap.counts('INBOX'), { INBOX: 0 });
      const aside = await broken.db('inbound_mails').where({ outcome: 'error' }).first();
      assert.match(aside.reason, /^traitement impossible : /);
    } finally {
      await broken.close();
    }
  });

  it('when a message cannot be read at all, should set it aside in "Erreur" with the reason and go on with the next', async () => {
    const { ref, id, messageId } = await askedTicket();
    const asideBefore = (await imap.counts(ERROR_FOLDER))[ERROR_FOLDER];
    await imap.deliver(Buffer.alloc(41 * 1024 * 1024, 0x41));
    await imap.deliver(fixture('thunderbird-reply.eml', { REF: ref, MESSAGE_ID: messageId }).replace('a1b2c3d4-thunderbird', `after-${id}`));
    assert.equal(await worker.runOnce(), 2);
    assert.equal((await imap.counts(ERROR_FOLDER))[ERROR_FOLDER], asideBefore + 1);
    assert.ok((await publicEntries(id)).some((e) => e.body.includes('salle 12')), 'the next message was handled');
    const aside = await t.db('inbound_mails').where({ outcome: 'error' }).orderBy('id', 'desc').first();
    assert.match(aside.reason, /au-delà de 40 Mo/);
  });
});
