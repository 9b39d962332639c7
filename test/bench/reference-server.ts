// The ceiling of this stack on this machine: bare Express 5 + EJS rendering a 20-row table from memory.
import express from 'express';
import ejs from 'ejs';

const rows = Array.from({ length: 20 }, (_, i) => ({
  ref: `R-${String(i + 1).padStart(6, '0')}`, subject: `Objet de la demande ${i + 1}`, created: '2026-11-23 10:00:00', status: 'Affectée',
  service: 'Webmail', sub: "Accès à l'application", priority: 'Normale', requester: 'Sophie Ségur', rne: '0310001A',
}));
const template = ejs.compile(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Référence</title></head><body><main>
<table><thead><tr><th>Nom complet</th><th>Objet de la demande</th><th>Date de début</th><th>Statut</th><th>Service</th><th>Sous catégorie de service</th><th>Priorité</th><th>Demandeur</th><th>RNE établissement</th></tr></thead>
<tbody><% for (const r of rows) { %><tr><td><a href="/t/<%= r.ref %>"><%= r.ref %></a></td><td><%= r.subject %></td><td><%= r.created %></td><td><%= r.status %></td><td><%= r.service %></td><td><%= r.sub %></td><td><%= r.priority %></td><td><%= r.requester %></td><td><%= r.rne %></td></tr><% } %></tbody></table>
</main></body></html>`);

const app = express();
app.get('/', (_req, res) => {
  res.type('html').send(template({ rows }));
});
const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address();
  console.log(JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
