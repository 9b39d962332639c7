// npm run sync-directory [-- --dry-run] — read the whole LDAP directory (LDAP_URL…) into Guichet's
// accounts: created, brought up to date, deactivated when gone, re-enabled when back.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { buildServices } from '../services.js';

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } });
const config = loadConfig();
if (!config.ldap) {
  console.error('LDAP_URL (and LDAP_BASE_DN, LDAP_BIND_DN, LDAP_BIND_PASSWORD) must be set to read the directory.');
  process.exit(2);
}
const db = openDatabase(config.database, { demo: config.demoData });
try {
  await db.migrateAndSeed();
  const services = buildServices({ config, db, now: () => new Date() });
  const started = Date.now();
  const report = await services.directorySync.run(services.ldap!, {
    dryRun: values['dry-run'],
    progress: (n) => process.stderr.write(`\r${n} entries read…`),
  });
  process.stderr.write('\n');
  if (!report) {
    console.error('Another sync is running; nothing done.');
    process.exitCode = 1;
  } else {
    if (report.dryRun) for (const line of report.changes) console.log(`  would be: ${line}`);
    const verb = report.dryRun ? 'would be' : 'were';
    console.log(
      `${report.entries} entries in ${((Date.now() - started) / 1000).toFixed(1)} s: ${report.created} accounts ${verb} created, ${report.updated} updated, ` +
        `${report.reactivated} re-enabled, ${report.deactivated} deactivated, ${report.unchanged} unchanged; ${report.establishments_created} establishments ${verb} created (to complete).`,
    );
    for (const e of report.errors) console.log(`  error: ${e}`);
  }
} catch (err) {
  console.error((err as Error).message, (err as Error).cause instanceof Error ? `(${((err as Error).cause as Error).message})` : '');
  process.exitCode = 1;
} finally {
  await db.close();
}
