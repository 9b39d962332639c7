import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { csrfFrom, visibleText } from '../../helpers/agent.js';

/** The cells of the first data row of a ticket table. */
function firstRow(html: string): string[] {
  const body = html.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  const tr = body.match(/<tr>([\s\S]*?)<\/tr>/)?.[1] ?? '';
  return [...tr.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => visibleText(c[1]).trim());
}

function linkTo(html: string, text: string): string {
  const m = [...html.matchAll(/<a [^>]*href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/g)].find((x) => visibleText(x[2]).trim() === text);
  assert.ok(m, `a link "${text}"`);
  return m[1].replace(/&amp;/g, '&');
}

/** The value of a select's selected option, or an input's value. */
function fieldValue(html: string, name: string): string {
  const select = html.match(new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`));
  if (select) return select[1].match(/<option value="([^"]*)" selected>/)?.[1] ?? '';
  return html.match(new RegExp(`<input[^>]*name="${name}" value="([^"]*)"`))?.[1] ?? '';
}

describe('requester journeys of the tutorials', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it('seed 000: from the login page, "OTP", "J\'ai un problème", Valider → the ticket in "Tickets en cours"', async () => {
    const agent = request.agent(t.app);
    // 1. Se connecter au portail ARENA
    let res = await agent.get('/login');
    res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(res.text), identifiant: 'SSEGUR', password: 'demo' });
    res = await agent.get(res.headers.location);
    // 2. « Support et Assistance »
    res = await agent.get(linkTo(res.text, 'Support et Assistance'));
    // 3. l'outil « ASAP² »
    res = await agent.get(linkTo(res.text, 'ASAP²'));
    assert.equal(res.status, 302);
    res = await agent.get(res.headers.location);
    assert.ok(visibleText(res.text).includes("Créer un ticket à partir d'un mot clé"));
    // 4. écrivez « OTP » et cliquez sur « Rechercher »
    assert.ok(res.text.includes('>Rechercher</button>'));
    res = await agent.get('/assistance/recherche?q=OTP');
    // 5. « J'ai un problème »
    const problem = res.text.match(/href="(\/assistance\/tickets\/nouveau\?sous_categorie=\d+&amp;type=incident)"/);
    assert.ok(problem);
    res = await agent.get(problem[1].replace(/&amp;/g, '&'));
    assert.equal(res.status, 200);
    // 6. fields filled in automatically (school, phone)
    const est = await t.db('establishments').where({ rne: '0310001A' }).first();
    assert.equal(fieldValue(res.text, 'establishment_id'), String(est.id));
    assert.equal(fieldValue(res.text, 'phone'), '05 61 00 00 01');
    const text = visibleText(res.text);
    for (const label of ['Qualification', 'Domaine', 'Groupe de famille', 'Famille de service', 'Service', 'Sous catégorie de service', 'Contexte de la demande',
      'Établissement concerné *', 'Visible par *', 'Bénéficiaire', 'Equipe métier concernée', 'Description', 'Objet de la demande *', 'Détail de la demande *',
      'Contact', 'Téléphone de rappel', 'Préciser vos disponibilités', 'Priorité', 'Impact *', 'Urgence *', 'Pièces jointes', 'Annuler', 'Valider']) {
      assert.ok(text.includes(label), label);
    }
    assert.ok(text.includes('OTP / OTP-ODA'));
    // 6-8. Visible par Responsables, Plusieurs personnes, Critique; the two fields; Valider
    const form = {
      _csrf: csrfFrom(res.text),
      subcategory_id: fieldValue(res.text, 'subcategory_id'),
      kind: 'incident',
      establishment_id: String(est.id),
      visibility: 'managers',
      beneficiary_id: '',
      business_team_id: '',
      subject: 'Réception code OTP-ODA',
      detail: "Je ne reçois pas tout le temps ou trop tard (après 15 minutes) le code OTP-ODA, m'empêchant de me connecter à ONDE.",
      phone: '05 61 00 00 01',
      availability: '',
      impact: 'plusieurs',
      urgency: 'critique',
    };
    res = await agent.post('/assistance/tickets').type('form').send(form);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/assistance/tickets/en-cours');
    res = await agent.get(res.headers.location);
    const row = firstRow(res.text);
    assert.match(row[0], /^R-\d{6}$/);
    assert.equal(row[1], 'Réception code OTP-ODA');
    assert.equal(row[3], 'Affectée');
    assert.equal(row[4], 'OTP / OTP-ODA');
    assert.equal(row[6], 'Critique');
    assert.equal(row[7], 'Sophie Ségur');
    assert.equal(row[8], '0310001A');
    assert.ok(visibleText(res.text).includes(`Votre demande ${row[0]} a été créée`));
    const ticket = await t.db('tickets').where({ ref: row[0] }).first();
    const team = await t.db('teams').where({ id: ticket.team_id }).first();
    assert.equal(team.name, 'Assistance premier degré', 'routed by the sub-category');
    const history = await t.db('ticket_history').where({ ticket_id: ticket.id });
    assert.deepEqual(history.map((h: { event: string; to_status: string }) => [h.event, h.to_status]), [['created', 'affectee']]);
  });

  it('seed 003: "Nouveau ticket" → Webmail → "Accès à l\'application", Une personne / Moyenne → Normale, tabs Ouverts 1 and Partagés 1', async () => {
    const agent = request.agent(t.app);
    let res = await agent.get('/login');
    await agent.post('/login').type('form').send({ _csrf: csrfFrom(res.text), identifiant: 'PMARTIN', password: 'demo' });
    res = await agent.get('/assistance');
    res = await agent.get(linkTo(res.text, 'Nouveau ticket'));
    for (const name of ['Offre de services pour les écoles', 'Communication, partage et collaboration', 'Messagerie et liste de diffusion', 'Webmail']) {
      res = await agent.get(linkTo(res.text, name));
      assert.equal(res.status, 200, name);
    }
    const sub = res.text.match(/Accès à l&#39;application<\/p>[\s\S]*?href="(\/assistance\/tickets\/nouveau\?sous_categorie=\d+&amp;type=incident)"/);
    assert.ok(sub);
    res = await agent.get(sub[1].replace(/&amp;/g, '&'));
    assert.equal(fieldValue(res.text, 'impact'), 'personne');
    assert.equal(fieldValue(res.text, 'urgency'), 'moyenne');
    res = await agent.post('/assistance/tickets').type('form').send({
      _csrf: csrfFrom(res.text),
      subcategory_id: fieldValue(res.text, 'subcategory_id'),
      kind: 'incident',
      establishment_id: fieldValue(res.text, 'establishment_id'),
      visibility: 'managers',
      subject: "Webmail - Problème d'accès",
      detail: "Bonjour,\nDepuis ce matin, je n'arrive plus à me connecter à ma messagerie académique depuis mon poste dans l'établissement.",
      phone: fieldValue(res.text, 'phone'),
      impact: 'personne',
      urgency: 'moyenne',
    });
    assert.equal(res.status, 303);
    res = await agent.get('/assistance/tickets/en-cours');
    const text = visibleText(res.text);
    assert.match(text, /Tickets en cours \(1\)/);
    assert.match(text, /Ouverts 1 /);
    assert.match(text, /En attente 0 /);
    assert.match(text, /Bénéficiaire 0 /);
    assert.match(text, /Partagés 1 /);
    const row = firstRow(res.text);
    assert.deepEqual(row.slice(1), ["Webmail - Problème d'accès", row[2], 'Affectée', 'Webmail', "Accès à l'application", 'Normale', 'Paul Martin', '0310001A']);
    // the ticket's page, from its reference
    res = await agent.get(linkTo(res.text, row[0]));
    assert.equal(res.status, 200);
    assert.ok(visibleText(res.text).includes("Depuis ce matin, je n'arrive plus"));
  });
});
