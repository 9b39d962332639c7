import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ejs from 'ejs';
import { ROOT } from '../../../src/config.js';
import { viewOptions } from '../../../src/http/view-options.js';
import { undeclaredNames, viewFiles } from '../../helpers/view-names.js';

// Views compile in strict mode without `with (locals)`: a name a view reads without declaring it
// would throw on the branch that reads it, maybe a branch no other test takes.
describe('views (strict, each declares its locals)', function () {
  this.timeout(60_000);
  const views = path.join(ROOT, 'views');

  it('when every page and mail template is checked, should find none reading a name it has not declared', () => {
    const files = viewFiles(views);
    assert.ok(files.length > 80, `only ${files.length} views found`);
    const offenders = [...undeclaredNames(files)].filter(([, names]) => names.length > 0).map(([f, names]) => `${path.relative(views, f)}: ${names.join(', ')}`);
    assert.deepEqual(offenders, []);
  });

  it('when a view reads names it has not declared, alone or as a shorthand property, should report each of them once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-views-'));
    try {
      const file = path.join(dir, 'page.ejs');
      fs.writeFileSync(file, `<% const { title } = locals; -%>
<h1><%= title %></h1><p><%= missing %> <%= missing %></p><%- include('/partials/tabs', { tabs }) %>
<% for (const row of rows) { %><%= row.ref %> <%= Math.max(1, locals.page) %><% } %>`);
      assert.deepEqual(undeclaredNames([file]).get(file), ['missing', 'tabs', 'rows']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a view is rendered with the app\'s options, should read its declared locals and leave the others to `locals`', async () => {
    const html = await ejs.renderFile(path.join(views, 'partials', 'tabs.ejs'), {
      label: 'Onglets', current: 'b', tabs: [{ key: 'a', label: 'A', count: 1, href: '/x?onglet=a' }, { key: 'b', label: 'B <i>', count: 2, href: '/x?onglet=b' }],
    }, viewOptions(views, false));
    assert.match(html, /aria-label="Onglets"/);
    assert.match(html, /href="\/x\?onglet=b" aria-current="page">B &lt;i&gt;/);
    // No `with`: a local the view has not declared is not found, even when it is given.
    assert.throws(() => ejs.render('<%= title %>', { title: 'Titre' }, viewOptions(views, false)), /title is not defined/);
    assert.equal(ejs.render('<% const { title } = locals; -%>\n<%= title %>', { title: 'Titre' }, viewOptions(views, false)), 'Titre');
  });
});
