import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { buildEstablishment, buildUser, subcategoryId } from '../../helpers/factories.js';
import { postTicket, ticketForm } from '../../helpers/forms.js';
import { HTML_AS_PNG, PNG_1PX, SVG_WITH_SCRIPT } from '../../helpers/files.js';

/** The error message shown under a field, if any. */
function fieldError(html: string, name: string): string | null {
  const m = html.match(new RegExp(`<p id="f-${name}-error" class="fr-error-text">([\\s\\S]*?)</p>`));
  return m ? visibleText(m[1]).trim() : null;
}

describe('ticket form: bad input never costs the user their work', () => {
  let t: TestApp;
  let sophie: Agent;
  let sub: number;
  let school: number;
  const ticketCount = async () => Number((await t.db('tickets').count({ n: '*' }))[0].n);
  before(async () => {
    t = await startTestApp({ uploadMaxBytes: 200 * 1024 });
    sophie = await loginAs(t.app, 'SSEGUR');
    sub = await subcategoryId(t.db, 'Imprimante et copieur', 'Panne matérielle');
    school = (await t.db('establishments').where({ rne: '0310001A' }).first()).id;
  });
  after(async () => { await t.close(); });

  it('when the object is empty, should come back with 422, the message beside the field and the detail kept', async () => {
    const before = await ticketCount();
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: '   ', detail: 'Ma description précieuse' }));
    assert.equal(res.status, 422);
    assert.equal(fieldError(res.text, 'subject'), 'Renseignez le champ « Objet de la demande ».');
    assert.ok(res.text.includes('Ma description précieuse</textarea>'), 'the detail typed is still there');
    assert.match(res.text, /aria-describedby="f-subject-hint f-subject-error"/);
    assert.ok(visibleText(res.text).includes('Le formulaire contient une erreur'));
    assert.equal(await ticketCount(), before);
  });

  it('when the object is too long, should say the limit', async () => {
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'x'.repeat(201) }));
    assert.equal(res.status, 422);
    assert.equal(fieldError(res.text, 'subject'), 'Objet de la demande : 200 caractères au maximum.');
  });

  it('when the detail is 100 kB, should refuse it with a message, not a 500', async () => {
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, detail: 'é'.repeat(100 * 1024) }));
    assert.equal(res.status, 422);
    assert.equal(fieldError(res.text, 'detail'), 'Détail de la demande : 20000 caractères au maximum.');
  });

  it('when the sub-category is unknown, should say so at the top and keep the text', async () => {
    const res = await postTicket(sophie, ticketForm({ subcategory_id: 999999, establishment_id: school, subject: 'Mon objet' }));
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes("n’existe pas ou n’est plus proposée") || visibleText(res.text).includes("n'existe pas ou n'est plus proposée"));
    assert.ok(res.text.includes('value="Mon objet"'));
  });

  it('when the sub-category is one the school may not see (EPLE), should refuse it', async () => {
    const eple = await subcategoryId(t.db, 'Pronote', "Accès à l'application", 'college');
    const before = await ticketCount();
    const res = await postTicket(sophie, ticketForm({ subcategory_id: eple, establishment_id: school }));
    assert.equal(res.status, 422);
    assert.equal(await ticketCount(), before);
  });

  it('when a hidden field is tampered (kind, impact), should come back with a message', async () => {
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, kind: 'hack', impact: 'tout' }));
    assert.equal(res.status, 422);
    assert.ok(fieldError(res.text, 'impact'));
  });

  it('when the establishment is not one of mine, should refuse it beside the field', async () => {
    const other = await buildEstablishment(t.db);
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: other.id }));
    assert.equal(res.status, 422);
    assert.equal(fieldError(res.text, 'establishment_id'), "Choisissez l'un de vos établissements.");
  });

  it('when the beneficiary works elsewhere, should refuse it beside the field', async () => {
    const other = await buildEstablishment(t.db);
    const stranger = await buildUser(t.db, { establishmentId: other.id });
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, beneficiary_id: stranger.id }));
    assert.equal(res.status, 422);
    assert.equal(fieldError(res.text, 'beneficiary_id'), 'Le bénéficiaire doit être un collègue de l’établissement concerné.');
  });

  it('when a file is an HTML page or an SVG named .png, should refuse it and keep the text', async () => {
    for (const content of [HTML_AS_PNG, SVG_WITH_SCRIPT]) {
      const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Avec pièce' }), [{ name: 'capture.png', content }]);
      assert.equal(res.status, 422);
      assert.match(String(fieldError(res.text, 'attachments')), /n'est pas d'un type accepté/);
      assert.ok(res.text.includes('value="Avec pièce"'));
      assert.ok(visibleText(res.text).includes('les pièces jointes doivent être sélectionnées à nouveau'));
    }
  });

  it('when a file is larger than the limit, should say the limit and keep the text', async () => {
    const big = Buffer.concat([PNG_1PX, Buffer.alloc(300 * 1024)]);
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Gros fichier' }), [{ name: 'gros.png', content: big }]);
    assert.equal(res.status, 422);
    assert.equal(fieldError(res.text, 'attachments'), 'Chaque pièce jointe doit faire au plus 200 Ko.');
    assert.ok(res.text.includes('value="Gros fichier"'));
  });

  it('when the multipart form has no CSRF token, should refuse it with 403 and create nothing', async () => {
    const before = await ticketCount();
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school }), [], { csrf: null });
    assert.equal(res.status, 403);
    assert.equal(await ticketCount(), before);
  });

  it('when everything is right with a screenshot, should create the ticket with its attachment', async () => {
    const res = await postTicket(sophie, ticketForm({ subcategory_id: sub, establishment_id: school, subject: 'Avec capture' }), [{ name: 'capture écran.png', content: PNG_1PX }]);
    assert.equal(res.status, 303);
    const ticket = await t.db('tickets').where({ subject: 'Avec capture' }).first();
    const files = await t.db('attachments').where({ ticket_id: ticket.id });
    assert.equal(files.length, 1);
    assert.equal(files[0].mime, 'image/png');
    assert.equal(files[0].original_name, 'capture écran.png');
    assert.match(files[0].stored_name, /^[0-9a-f]{32}$/);
  });
});
