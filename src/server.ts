import http from 'node:http';
import { loadConfig } from './config.js';
import { createKnex, migrateAndSeed } from './db/knex.js';
import { createLogger } from './logger.js';
import { createApp } from './app.js';
import { buildScheduler } from './jobs.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = createKnex(config.dbFile, { demo: config.demoData });
await migrateAndSeed(db);
const { app, services } = createApp({ config, db, logger });
const scheduler = buildScheduler(services, logger);
scheduler.start();
const server = http.createServer(app);
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, data: config.dataDir, demo: config.demoData }, 'Guichet is listening');
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Stop taking connections, let requests in flight finish (5 s at most), stop the jobs, then the database.
  const closed = new Promise((r) => server.close(r));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 5000).unref();
  await Promise.all([closed, scheduler.stop()]);
  await db.destroy();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
