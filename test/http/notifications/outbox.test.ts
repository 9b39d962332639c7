import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { SmtpSink } from '../../helpers/smtp-sink.js';
import { buildTicket, demoUser, subcategoryId } from '../../helpers/factories.js';
import { outboxWorker, smtpTransport } from '../../../src/jobs.js';
import { createLogger } from '../../../src/logger.js';
import { MAX_ATTEMPTS } from '../../../src/features/notifications/outbox.worker.js';

describe('outbox worker: real SMTP, down and back', () => {
  let t: TestApp;
  const sink = new SmtpSink();
  before(async () => { t = await startTestApp(); });
  after(async () => { await sink.stop(); await t.close(); });

  it('when the SMTP server is down during 20 ticket creations, should lose nothing and block nothing; when it is back, should send each mail once', async () => {
    // a port with nothing listening, which the sink takes later
    await sink.start();
    const port = sink.port;
    await sink.stop();
    const worker = outboxWorker(t.services, smtpTransport(`smtp://127.0.0.1:${port}`), createLogger('silent'));
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    const started = Date.now();
    const refs: string[] = [];
    for (let i = 0; i < 20; i++) {
      refs.push(await buildTicket(t.services, s.id, { subcategory_id: sub, subject: `Pendant la panne ${i}` }));
      assert.equal(await worker.runOnce(), 0, 'the server is down');
    }
    const ref = refs[0];
    assert.ok(Date.now() - started < 10_000, 'filing tickets does not wait for SMTP');
    const queued = await t.db('outbox').count({ n: '*' });
    assert.equal(Number(queued[0].n), 40, 'a confirmation to the requester and a notice to the team, per ticket');

    const first = await t.db('outbox').orderBy('id').first();
    assert.equal(first.status, 'pending');
    assert.ok(first.attempts >= 1);
    assert.ok(first.last_error);
    assert.ok(new Date(first.next_attempt_at) > t.clock.now, 'retried later, with backoff');
    assert.equal(await worker.runOnce(), 0, 'not retried before its time');

    await sink.start(port);
    t.clock.now = new Date(t.clock.now.getTime() + 2 * 3600_000);
    let sent = 0;
    for (let i = 0; i < 5; i++) sent += await worker.runOnce();
    assert.equal(sent, Number(queued[0].n));
    assert.equal(await worker.runOnce(), 0, 'nothing sent twice');
    assert.equal(sink.received.length, Number(queued[0].n));
    for (const r of refs) {
      assert.equal(sink.received.filter((m) => m.subject.startsWith(`[${r}]`) && m.to.includes('sophie.segur@ac-demo.fr')).length, 1, `one confirmation for ${r}`);
    }
    const toSophie = sink.received.find((m) => m.subject.startsWith(`[${ref}]`) && m.to.includes('sophie'))!;
    assert.ok(toSophie.text.includes('Pendant la panne 0'));
    assert.ok(toSophie.text.includes(`${t.config.publicUrl}/assistance/tickets/${ref}`));
    // The ticket in the Message-ID (a reply's In-Reply-To finds it), and no robot's answer wanted.
    assert.match(toSophie.messageId, new RegExp(`^<${ref}\\.outbox-\\d+@`));
    assert.equal(toSophie.autoSubmitted, 'auto-generated');
    assert.equal(toSophie.autoResponseSuppress, 'All');
    assert.equal(toSophie.replyTo, '', 'no Reply-To while no mailbox is read');
    const rows = await t.db('outbox').where({ status: 'sent' }).count({ n: '*' });
    assert.equal(Number(rows[0].n), Number(queued[0].n));
  });

  it('when two workers run at once (two processes), should still send each mail once', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    for (let i = 0; i < 10; i++) await buildTicket(t.services, s.id, { subcategory_id: sub });
    const pending = Number((await t.db('outbox').where({ status: 'pending' }).count({ n: '*' }))[0].n);
    const before = sink.received.length;
    const w1 = outboxWorker(t.services, smtpTransport(sink.url), createLogger('silent'));
    const w2 = outboxWorker(t.services, smtpTransport(sink.url), createLogger('silent'));
    let total = 0;
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([w1.runOnce(5), w2.runOnce(5)]);
      total += a + b;
    }
    assert.equal(total, pending);
    assert.equal(sink.received.length - before, pending);
    const ids = sink.received.slice(before).map((m) => m.messageId);
    assert.equal(new Set(ids).size, ids.length, 'no mail twice');
  });

  it('when a mail keeps failing, should give up after the last attempt and say so', async () => {
    await t.db('outbox').update({ status: 'sent' });
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    await buildTicket(t.services, s.id, { subcategory_id: sub });
    const worker = outboxWorker(t.services, { sendMail: async () => { throw new Error('550 mailbox unavailable'); } }, createLogger('silent'));
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
      t.clock.now = new Date(t.clock.now.getTime() + 2 * 3600_000);
      await worker.runOnce();
    }
    const failed = await t.db('outbox').where({ status: 'failed' });
    assert.ok(failed.length >= 1);
    assert.equal(failed[0].attempts, MAX_ATTEMPTS);
    assert.match(failed[0].last_error, /550/);
  });
});
