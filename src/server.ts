import http from 'node:http';
import { loadConfig } from './config.js';
import { createKnex, migrateAndSeed } from './db/knex.js';
import { createLogger } from './logger.js';
import { createApp } from './app.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = createKnex(config.dbFile, { demo: config.demoData });
await migrateAndSeed(db);
const { app } = createApp({ config, db, logger });
const server = http.createServer(app);
server.listen(config.port, config.host, () => {
  logger.info({ port: config.port, data: config.dataDir, demo: config.demoData }, 'Guichet is listening');
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  server.close();
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 5000).unref();
  await new Promise((r) => server.once('close', r));
  await db.destroy();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
