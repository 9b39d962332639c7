import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { forwardOnly } from '../src/db/forward-only.js';
import { CATALOGUE_TABLES } from './20261126100000_create_catalogue_version.js';

/** What each process keeps in memory, and the tables whose changes make it stale. */
const CACHED: Record<string, string[]> = {
  catalogue: CATALOGUE_TABLES,
  settings: ['settings'],
  portal: ['portal_sections', 'portal_tools'],
};

export async function up(knex: Knex): Promise<void> {
  // One number per kept thing, moved by triggers whoever writes: a process (there may be
  // several on PostgreSQL) reads its copy again when the number is not the one it kept.
  await knex.schema.createTable('cache_versions', (t) => {
    t.string('name', 20).primary();
    t.integer('version').notNullable();
  });
  const [{ version }] = await knex('catalogue_version').where({ id: 1 }).select('version');
  await knex('cache_versions').insert(Object.keys(CACHED).map((name) => ({ name, version: name === 'catalogue' ? version : 1 })));
  const d = dialectOf(knex);
  for (const table of CATALOGUE_TABLES) {
    for (const event of ['insert', 'update', 'delete']) await d.dropRowTrigger(knex, { name: `${table}_version_${event}`, table });
  }
  await knex.schema.dropTable('catalogue_version');
  for (const [name, tables] of Object.entries(CACHED)) {
    for (const table of tables) {
      for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
        await d.createRowTrigger(knex, {
          name: `${table}_cache_${event.toLowerCase()}`, table, event, statements: [`UPDATE cache_versions SET version = version + 1 WHERE name = '${name}'`],
        });
      }
    }
  }
}

export const down = forwardOnly;
