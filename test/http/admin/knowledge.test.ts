import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { loginAs, visibleText, type Agent } from '../../helpers/agent.js';
import { adminPost } from '../../helpers/admin.js';
import { renderMarkdown } from '../../../src/features/knowledge/markdown.js';

describe('admin: FAQ and knowledge articles', () => {
  let t: TestApp;
  let admin: Agent, teacher: Agent;
  before(async () => {
    t = await startTestApp();
    admin = await loginAs(t.app, 'ADMIN');
    teacher = await loginAs(t.app, 'SSEGUR');
  });
  after(async () => { await t.close(); });

  it('when Markdown holds a script, an onerror attribute or a javascript: link, should render them inert', () => {
    const html = renderMarkdown('Bonjour <script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[clic](javascript:alert(3)) **gras**\n\n<a href="https://ok.fr" onclick="x()">ok</a>');
    assert.ok(!/<script/i.test(html));
    assert.ok(!/<img/i.test(html));
    assert.ok(!/onerror=|onclick=/i.test(html.replace(/&lt;[^&]*&gt;/g, '')), html);
    assert.ok(!/href="javascript:/i.test(html));
    assert.ok(html.includes('<strong>gras</strong>'));
    assert.ok(html.includes('&lt;script&gt;'), 'shown as text');
  });

  it('when the admin publishes a FAQ entry linked to OTP, should list it in the FAQ and offer it above the search results', async () => {
    const otp = await t.db('cat_services').where({ name: 'OTP / OTP-ODA' }).first();
    let res = await adminPost(admin, '/admin/articles', {
      kind: 'faq', title: 'Je ne reçois pas mon code OTP', body: 'Vérifiez votre **numéro de mobile** dans ARENA.\n\n<script>alert(1)</script>', keywords: 'otp code sms', service_id: otp.id, published: 'on',
    });
    assert.equal(res.status, 303);
    res = await teacher.get('/assistance/faq');
    assert.ok(res.text.includes('Vérifiez votre <strong>numéro de mobile</strong> dans ARENA.'));
    assert.ok(!res.text.includes('<script>alert(1)</script>'));
    res = await teacher.get('/assistance/recherche?q=otp');
    const text = visibleText(res.text);
    assert.ok(text.indexOf('Je ne reçois pas mon code OTP') < text.indexOf('Domaine de service'), 'above the catalogue rows');
    assert.ok(text.includes('OTP / OTP-ODA'));
  });

  it('when an article is a draft, should hide it from users and the search', async () => {
    const res = await adminPost(admin, '/admin/articles', { kind: 'fiche', title: 'Brouillon secret webmail', body: 'En cours', keywords: 'webmail' });
    assert.equal(res.status, 303);
    const draft = await t.db('knowledge_articles').where({ title: 'Brouillon secret webmail' }).first();
    assert.equal((await teacher.get(`/assistance/fiches/${draft.id}`)).status, 404);
    assert.ok(!visibleText((await teacher.get('/assistance/recherche?q=webmail')).text).includes('Brouillon secret'));
    assert.ok(!visibleText((await teacher.get('/assistance/fiches')).text).includes('Brouillon secret'));
  });

  it('when an article lacks a title, should come back with the message and the text kept', async () => {
    const res = await adminPost(admin, '/admin/articles', { kind: 'fiche', title: '', body: 'Mon long texte' });
    assert.equal(res.status, 422);
    assert.ok(visibleText(res.text).includes('Renseignez le champ « Titre ».'));
    assert.ok(res.text.includes('Mon long texte</textarea>'));
  });
});
