// The floor of a signed-in page: the app's own middleware (headers, session read with its user,
// passport, CSRF, the layout's locals: useCommonMiddleware) in front of a page sent from memory.
// What a page costs above this is its own work (its statements, its rendering); what this costs
// above the bare reference is the price of the stack's layers every page pays.
import fs from 'node:fs';
import express from 'express';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { useCommonMiddleware } from '../../src/app.js';
import { buildServices } from '../../src/services.js';

const page = fs.readFileSync(process.env.FLOOR_PAGE ?? '', 'utf8');
const config = loadConfig();
const db = openDatabase(config.database, { poolSize: config.databasePool });
const deps = { config, db, logger: createLogger(config.logLevel) };
const app = express();
useCommonMiddleware(app, deps, buildServices({ ...deps, now: () => new Date() }));
app.get('/floor', (req, res) => {
  // As a page: only for a signed-in user, and its forms carry a CSRF token.
  if (!req.user) return void res.status(401).send('not signed in');
  (res.locals.csrfToken as () => string)();
  res.type('html').send(page);
});
const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address();
  console.log(JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 }));
});
process.on('SIGTERM', () => server.close(() => void db.close().then(() => process.exit(0))));
