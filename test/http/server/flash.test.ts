import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginAs, visibleText } from '../../helpers/agent.js';
import { subcategoryId } from '../../helpers/factories.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { queriesDuring } from '../../helpers/queries.js';

describe('the message shown once after an action (post/redirect/get)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it('when a ticket is created, should show "a été créée" on the next page only, without writing the session for it', async () => {
    const sophie = await loginAs(t.app, 'SSEGUR');
    const token = await csrfOf(sophie, '/assistance');
    const sub = await subcategoryId(t.db, 'Webmail', "Accès à l'application");
    const school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
    const { queries, result: res } = await queriesDuring([t.db, t.readDb], () => postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Message unique' }), [], { csrf: token }));
    assert.equal(res.status, 303);
    assert.deepEqual(queries.filter((q) => /sessions/.test(q.sql) && !/^\s*SELECT/i.test(q.sql)).map((q) => q.sql), [], 'no session row written');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('guichet.flash='));
    assert.ok(cookie, 'the message rides in its own cookie');
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);

    const { queries: shown, result: next } = await queriesDuring([t.db, t.readDb], () => sophie.get(res.headers.location));
    const ref = (await t.db('tickets').where({ subject: 'Message unique' }).first('ref')).ref;
    assert.ok(visibleText(next.text).includes(`Votre demande ${ref} a été créée`), visibleText(next.text).slice(0, 300));
    assert.deepEqual(shown.filter((q) => /sessions/.test(q.sql) && !/^\s*SELECT/i.test(q.sql)).map((q) => q.sql), [], 'taking it writes no session row either');
    const again = await sophie.get(res.headers.location);
    assert.ok(!visibleText(again.text).includes('a été créée'), 'shown once');
  });

  it('when the message cookie is forged or tampered with, should show nothing', async () => {
    const sophie = await loginAs(t.app, 'SSEGUR');
    const forged = Buffer.from(JSON.stringify({ type: 'error', message: 'Votre compte est bloqué : appelez le 08 99 00 00 00' })).toString('base64url');
    for (const value of [forged, `${forged}.c2lnbmF0dXJl`, 'pas du tout du base64 !']) {
      const res = await sophie.get('/assistance').set('Cookie', `guichet.flash=${encodeURIComponent(value)}`);
      assert.equal(res.status, 200);
      assert.ok(!res.text.includes('appelez le 08'), 'a message nobody signed is not shown');
    }
  });
});
