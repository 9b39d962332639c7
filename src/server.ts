import http from 'node:http';
import { loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { createLogger } from './logger.js';
import { createApp } from './app.js';
import { buildScheduler } from './jobs.js';
import { populateDemo } from './features/demo/living-demo.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = openDatabase(config.database, { demo: config.demoData, poolSize: config.databasePool });
await db.migrateAndSeed();
const { app, services } = createApp({ config, db, logger });
const scheduler = buildScheduler(services, logger);
let stopping = false;
// The living demo (a new base, outside production) is played while the server starts to listen;
// the jobs start after it, so that none of them acts on a ticket the demo is still playing.
const demo = (config.demoData ? populateDemo({ config, db, stopped: () => stopping }) : Promise.resolve(0))
  .then((made) => {
    if (made > 0) logger.info({ tickets: made }, 'living demo: tickets of the last six months played');
  })
  .catch((err: unknown) => logger.error({ err }, 'living demo failed'))
  .finally(() => {
    if (!stopping) scheduler.start();
  });
const server = http.createServer(app);
// Requests being handled, whether or not their client is still connected: the database stays
// open until the last one is done.
let inFlight = 0;
server.on('request', (_req, res) => {
  inFlight++;
  res.once('close', () => inFlight--);
});
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, data: config.dataDir, engine: db.engine, demo: config.demoData }, 'Guichet is listening');
  // Whoever started the server waits for this line: not for the next second's batch.
  logger.flush();
});

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Stop taking connections, let requests in flight finish (5 s at most), stop the jobs, then the database.
  const closed = new Promise((r) => server.close(r));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 5000).unref();
  await Promise.all([closed, demo.then(() => scheduler.stop())]);
  const deadline = Date.now() + 5000;
  // A client may hang up while its request still runs: wait for the pool to be idle too.
  while ((inFlight > 0 || db.busy()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await db.close().catch((err: unknown) => logger.warn({ err }, 'database closed with queries pending'));
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
