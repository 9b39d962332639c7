import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText } from '../../helpers/agent.js';
import { consoleAction } from '../../helpers/console.js';
import { buildTicket, demoUser, subcategoryId, withNewTeam } from '../../helpers/factories.js';
import { emailOf, mailsTo } from '../../helpers/outbox.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { queriesDuring } from '../../helpers/queries.js';
import { SmtpSink } from '../../helpers/smtp-sink.js';
import { outboxWorker, smtpTransport } from '../../../src/jobs.js';
import { createLogger } from '../../../src/logger.js';

describe('notifications: the mails of SPEC "Notifications", through the outbox', () => {
  let t: TestApp;
  let sophieMail: string, aleroyMail: string;
  before(async () => {
    t = await startTestApp();
    sophieMail = await emailOf(t.db, 'SSEGUR');
    aleroyMail = await emailOf(t.db, 'ALEROY');
  });
  after(async () => { await t.close(); });

  it('when a ticket lives its whole life, should queue each mail to the right person, with the reference in the subject and no private note for the requester', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'Webmail bloqué' });
    let mine = await mailsTo(t.db, sophieMail);
    assert.deepEqual(mine.map((m) => m.kind), ['ticket_created']);
    assert.equal(mine[0].subject, `[${ref}] Votre demande a été créée : Webmail bloqué`);
    assert.ok(mine[0].text_body.includes(`/assistance/tickets/${ref}`));
    const team = await mailsTo(t.db, aleroyMail);
    assert.deepEqual(team.map((m) => m.kind), ['team_new_ticket'], 'the team hears of it');

    // ALEROY takes it (no mail to himself), writes privately, asks the requester
    const agent = await loginAs(t.app, 'ALEROY');
    assert.equal((await consoleAction(agent, ref, { action: 'take', private_entry: 'PRIVE-1 mot de passe expiré' })).status, 303);
    assert.equal((await consoleAction(agent, ref, { action: 'request_info', public_entry: 'Quel navigateur utilisez-vous ?', private_entry: 'PRIVE-2' })).status, 303);
    // the requester answers: the agent in charge is told
    const sophie = await loginAs(t.app, 'SSEGUR');
    const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
    assert.equal((await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', token).field('message', 'Firefox 128.')).status, 303);
    // a public message, then the resolution
    assert.equal((await consoleAction(agent, ref, { action: 'save', public_entry: 'Nous réinitialisons votre accès.' })).status, 303);
    assert.equal((await consoleAction(agent, ref, { action: 'resolve', solution: 'Accès rétabli, videz le cache.', private_entry: 'PRIVE-3' })).status, 303);

    mine = await mailsTo(t.db, sophieMail);
    assert.deepEqual(mine.map((m) => m.kind), ['ticket_created', 'info_requested', 'public_entry', 'resolved']);
    for (const m of mine) {
      assert.ok(m.subject.startsWith(`[${ref}] `), m.subject);
      assert.ok(!/PRIVE-|mot de passe expiré/.test(m.text_body + m.html_body + m.subject), `no private note in ${m.kind}`);
    }
    assert.ok(mine[1].text_body.includes('Quel navigateur utilisez-vous ?'));
    const resolved = mine[3];
    assert.ok(resolved.text_body.includes('Accès rétabli, videz le cache.'));
    assert.ok(resolved.text_body.includes(`Acceptez ou refusez en cliquant ici : ${t.config.publicUrl}/assistance/tickets/${ref}/resolution`));
    assert.ok(resolved.html_body.includes(`href="${t.config.publicUrl}/assistance/tickets/${ref}/resolution"`));
    const toAgent = await mailsTo(t.db, aleroyMail);
    assert.deepEqual(toAgent.map((m) => m.kind), ['team_new_ticket', 'requester_answered']);
    assert.ok(toAgent[1].text_body.includes('Firefox 128.'));

    // and through a real SMTP server: recipient, subject, link, nothing private
    const sink = new SmtpSink();
    await sink.start();
    try {
      const worker = outboxWorker(t.services, smtpTransport(sink.url), createLogger('silent'));
      while ((await worker.runOnce()) > 0);
      const got = sink.received.filter((m) => m.subject.startsWith(`[${ref}]`));
      assert.deepEqual(got.map((m) => [m.to, m.subject.replace(/ :.*$/, '')]), [
        [sophieMail, `[${ref}] Votre demande a été créée`],
        [aleroyMail, `[${ref}] Nouveau ticket pour votre équipe`],
        [sophieMail, `[${ref}] Complément d'information demandé`],
        [aleroyMail, `[${ref}] Le demandeur a répondu`],
        [sophieMail, `[${ref}] Nouveau message sur votre demande`],
        [sophieMail, `[${ref}] Votre demande est résolue`],
      ]);
      const resolvedMail = got.at(-1)!;
      assert.ok(resolvedMail.text.includes(`${t.config.publicUrl}/assistance/tickets/${ref}/resolution`));
      assert.ok(resolvedMail.html.includes(`href="${t.config.publicUrl}/assistance/tickets/${ref}/resolution"`));
      for (const m of got.filter((x) => x.to === sophieMail)) assert.ok(!/PRIVE-/.test(m.text + m.html + m.subject));
    } finally {
      await sink.stop();
    }
  });

  it('when a team of several agents hears of a new ticket, should greet each one by their own name, escaped in the HTML mail', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    const names = [['Zoé', '<b>Durand</b>'], ['Jean-$&', "O'Brien $1"], ['Léa', 'Martin']];
    await withNewTeam(t.db, sub, names.map(([firstName, lastName]) => ({ firstName, lastName })), async (agents) => {
      const ref = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'Accès perdu' });
      const mails = await t.db('outbox').where({ kind: 'team_new_ticket' }).whereLike('subject', `[${ref}]%`).orderBy('to_user_id');
      assert.deepEqual(mails.map((m) => m.to_user_id), agents.map((a) => a.id));
      mails.forEach((m, i) => {
        const [first, last] = names[i];
        assert.ok(m.text_body.startsWith(`Bonjour ${first} ${last},\n`), m.text_body.slice(0, 60));
        const escaped = `${first} ${last}`.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll("'", '&#39;');
        assert.ok(m.html_body.includes(`<p>Bonjour ${escaped},</p>`), `HTML greeting of ${first}`);
        assert.ok(!m.html_body.includes('<b>Durand'));
        // the rest of the mail is the same for each of them
        assert.equal(m.text_body.replace(`${first} ${last}`, 'X'), mails[0].text_body.replace(`${names[0][0]} ${names[0][1]}`, 'X'));
      });
      const mine = (await mailsTo(t.db, sophieMail)).find((m) => m.subject.startsWith(`[${ref}]`))!;
      assert.ok(mine.text_body.startsWith(`Bonjour ${s.first_name} ${s.last_name},\n`));
    });
  });

  it('when the requester adds to a ticket nobody has taken, should tell its team; once an agent has it, that agent only', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    await withNewTeam(t.db, sub, [{}, {}], async ([a, b]) => {
      const ref = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: 'Toujours bloqué' });
      const sophie = await loginAs(t.app, 'SSEGUR');
      const add = async (message: string) => {
        const token = await csrfOf(sophie, `/assistance/tickets/${ref}`);
        assert.equal((await sophie.post(`/assistance/tickets/${ref}/mise-a-jour`).field('_csrf', token).field('message', message)).status, 303);
      };
      const updates = async () => (await t.db('outbox').where({ kind: 'requester_updated' }).whereLike('subject', `[${ref}]%`).orderBy('id')).map((m) => [m.to_user_id, m.text_body.includes('Capture jointe') ? 1 : 2]);
      await add('Capture jointe.');
      assert.deepEqual(await updates(), [[a.id, 1], [b.id, 1]], 'both agents of the team, while nobody has it');
      assert.equal((await consoleAction(await loginAs(t.app, a.identifiant), ref, { action: 'take' })).status, 303);
      await add('Redémarrage fait.');
      assert.deepEqual(await updates(), [[a.id, 1], [b.id, 1], [a.id, 2]], 'then the agent who took it, alone');
    });
  });

  it('when a ticket is created, should write the ticket, its history and its mails, rendered from the real ticket, in one transaction', async () => {
    const sophie = await loginAs(t.app, 'SSEGUR');
    const token = await csrfOf(sophie, '/assistance');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    const { queries, result: res } = await queriesDuring([t.db], () => postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Écran noir au démarrage' }), [], { csrf: token }));
    assert.equal(res.status, 303);
    const begin = queries.findIndex((q) => /^\s*BEGIN/i.test(q.sql));
    const commit = queries.findIndex((q) => /^\s*COMMIT/i.test(q.sql));
    assert.ok(begin >= 0 && commit > begin, queries.map((q) => q.sql.slice(0, 40)).join(' | '));
    const words = (q: { sql: string }) => q.sql.trim().split(/[\s(]+/).slice(0, 3).join(' ');
    const inside = queries.slice(begin + 1, commit).map(words);
    for (const write of ['INSERT INTO tickets', 'INSERT INTO ticket_history', 'INSERT INTO outbox']) assert.ok(inside.includes(write), `${write} inside the transaction`);
    assert.ok(inside.indexOf('INSERT INTO tickets') < inside.indexOf('INSERT INTO outbox'), 'the mails come after the ticket they tell of');
    const writesOutside = [...queries.slice(0, begin), ...queries.slice(commit + 1)].map(words).filter((w) => /^(INSERT|UPDATE|DELETE)/.test(w));
    assert.deepEqual(writesOutside, [], 'nothing of the creation is written outside it, nor patched after');

    const ref = (await t.db('tickets').where({ subject: 'Écran noir au démarrage' }).first('ref')).ref as string;
    const mails = await t.db('outbox').whereLike('subject', `[${ref}]%`).orderBy('id');
    assert.deepEqual(mails.map((m) => m.kind), ['ticket_created', 'team_new_ticket']);
    const ticketId = (await t.db('tickets').where({ ref }).first('id')).id;
    for (const m of mails) {
      assert.equal(m.ticket_id, ticketId);
      assert.ok(m.text_body.includes(ref) && m.html_body.includes(`<td>${ref}</td>`), `${m.kind}: the reference in the body`);
    }
    assert.ok(mails[0].html_body.includes(`href="${t.config.publicUrl}/assistance/tickets/${ref}"`));
    assert.ok(mails[1].text_body.includes(`${t.config.publicUrl}/agent/tickets/${ref}`));
  });

  it('when an agent files a ticket that goes to their own team, should tell the rest of the team, not them', async () => {
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    await withNewTeam(t.db, sub, [{}, {}], async ([filer, colleague]) => {
      const ref = await buildTicket(t.services, filer.id, { subcategory_id: sub, subject: 'Mon propre poste' });
      const mails = await t.db('outbox').whereLike('subject', `[${ref}]%`).orderBy('id');
      assert.deepEqual(mails.map((m) => [m.kind, m.to_user_id]), [['ticket_created', filer.id], ['team_new_ticket', colleague.id]]);
    });
  });

  it('when user text holds HTML, should escape it in the HTML mail', async () => {
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub, subject: '<img src=x onerror=alert(1)>' });
    const mail = (await mailsTo(t.db, sophieMail)).find((m) => m.subject.startsWith(`[${ref}]`))!;
    assert.ok(!mail.html_body.includes('<img src=x'));
    assert.ok(mail.html_body.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  it('when a user turns off optional mails, should stop those and keep those that ask them to act', async () => {
    const sophie = await loginAs(t.app, 'SSEGUR');
    let res = await sophie.get('/assistance/plus/notifications');
    assert.equal(res.status, 200);
    assert.match(res.text, /id="kind-info_requested" name="kinds" value="info_requested" checked disabled/);
    const token = await csrfOf(sophie, '/assistance/plus/notifications');
    res = await sophie.post('/assistance/plus/notifications').type('form').send({ _csrf: token });
    assert.equal(res.status, 303);
    const before = (await mailsTo(t.db, sophieMail)).length;
    const s = await demoUser(t.db, 'SSEGUR');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    const ref = await buildTicket(t.services, s.id, { subcategory_id: sub });
    const agent = await loginAs(t.app, 'ALEROY');
    await consoleAction(agent, ref, { action: 'take' });
    await consoleAction(agent, ref, { action: 'save', public_entry: 'Pour information.' });
    await consoleAction(agent, ref, { action: 'request_info', public_entry: 'Une question.' });
    const kinds = (await mailsTo(t.db, sophieMail)).slice(before).map((m) => m.kind);
    assert.deepEqual(kinds, ['info_requested'], 'created and public entry are off; the question still comes');
    // and back on
    const token2 = await csrfOf(sophie, '/assistance/plus/notifications');
    await sophie.post('/assistance/plus/notifications').type('form').send({ _csrf: token2, kinds: ['ticket_created', 'public_entry', 'closed'] });
    assert.equal(Number((await t.db('notification_opt_outs').where({ user_id: s.id }).count({ n: '*' }))[0].n), 0);
  });

  it('when SMTP is not configured, should show the admin what would have been sent under "Courriels"', async () => {
    const admin = await loginAs(t.app, 'ADMIN');
    const res = await admin.get('/admin/courriels');
    assert.equal(res.status, 200);
    const text = visibleText(res.text);
    assert.ok(text.includes("Aucun serveur d'envoi n'est configuré"));
    assert.ok(text.includes(sophieMail));
    assert.ok(text.includes('Votre demande a été créée'));
    const id = (await t.db('outbox').orderBy('id').first('id')).id;
    const one = await admin.get(`/admin/courriels/${id}`);
    assert.equal(one.status, 200);
    assert.equal((await (await loginAs(t.app, 'SSEGUR')).get('/admin/courriels')).status, 404, 'admins only');
  });
});
