import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import { FULL_TEXT, type Dialect, type FullTextIndex, type RowTrigger } from './dialect.js';
import { constant, identifier, join, raw, rowsOf, sql, type Sql } from './sql.js';
import { contentsOf } from './contents.js';

const run = promisify(execFile);

/** PostgreSQL's own tools (pg_dump, pg_restore) on a database, the password given in the environment, not on the command line. */
function tool(name: 'pg_dump' | 'pg_restore', url: string, args: string[]) {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return run(name, [...args, `--dbname=${u.toString()}`], { env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) }, maxBuffer: 64 * 1024 * 1024 });
}

/** A document of the index's text columns, accents folded (unaccent) and split into words ('simple': no stemming, as FTS5). */
const documentOf = (values: Sql) => sql`to_tsvector('simple', unaccent(concat_ws(' ', ${values})))`;
const table = (index: FullTextIndex) => raw(FULL_TEXT[index].table);

/** PostgreSQL: json_agg, tsvector with unaccent, plpgsql trigger functions, SKIP LOCKED. */
export const postgresDialect: Dialect = {
  engine: 'postgres',

  jsonArray: (value, from) => sql`(SELECT coalesce(json_agg(${value}), '[]'::json) ${from})`,
  jsonObject: (fields) => sql`json_build_object(${join(Object.entries(fields).map(([k, v]) => sql`${constant(k)}, ${v}`), ', ')})`,
  jsonInteger: (column, path) => sql`(${column} #>> ${raw(`'{${path.map(identifier).join(',')}}'`)})::integer`,
  // The driver parses json columns itself.
  parseJson: <T>(value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as T,
  stringAgg: (value, separator) => sql`string_agg(${value}, ${separator}::text)`,
  typed: (value, type) => sql`CAST(${value} AS ${raw(type)})`,
  utcDate: (column, length) => sql`to_char(${column} AT TIME ZONE 'UTC', ${raw(length === 10 ? "'YYYY-MM-DD'" : "'YYYY-MM'")})`,
  containsText: (value, text) => sql`${value} ILIKE ${`%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`} ESCAPE '\\'`,

  // Words are letters and digits (searchWords); decomposed first, so that unaccent cannot turn
  // one into to_tsquery's syntax ("⑴" would become "(1)").
  fullTextIds: (index, words) => {
    const folded = words.map((w) => w.normalize('NFKD').replace(/[^\p{L}\p{N}]/gu, '')).filter(Boolean);
    if (folded.length === 0) return sql`SELECT id FROM ${table(index)} WHERE false`;
    // Each word quoted as one lexeme after unaccent (which may turn a letter into punctuation: "ː" → ":"), empty ones left out.
    const terms = sql`ARRAY(SELECT '''' || replace(replace(u, '\\', '\\\\'), '''', '''''') || ''':*' FROM unnest(${folded}::text[]) AS w, unaccent(w) AS u WHERE u <> '')`;
    return sql`SELECT id FROM ${table(index)} WHERE doc @@ to_tsquery('simple', array_to_string(${terms}, ' & '))`;
  },
  reindexAll: (index, source) => {
    const columns = FULL_TEXT[index].columns.map((c) => `s.${c}`).join(', ');
    return [
      sql`DELETE FROM ${table(index)}`,
      sql`INSERT INTO ${table(index)} (id, doc) SELECT s.id, ${documentOf(raw(columns))} FROM (${source}) AS s (id, ${raw(FULL_TEXT[index].columns.join(', '))})`,
    ];
  },
  reindexOne: (index, id, values) => [
    postgresDialect.unindex(index, id),
    sql`INSERT INTO ${table(index)} (id, doc) VALUES (${id}, ${documentOf(join(values.map((v) => sql`${v}::text`), ', '))})`,
  ],
  unindex: (index, id) => sql`DELETE FROM ${table(index)} WHERE id = ${id}`,

  skipLocked: sql`FOR UPDATE SKIP LOCKED`,
  // Autovacuum keeps the statistics.
  plannerStatistics: () => [],

  async createFullTextTable(knex: Knex, index: FullTextIndex) {
    await knex.raw('CREATE EXTENSION IF NOT EXISTS unaccent');
    await knex.raw(`CREATE TABLE ${FULL_TEXT[index].table} (id integer PRIMARY KEY, doc tsvector NOT NULL)`);
    await knex.raw(`CREATE INDEX ${FULL_TEXT[index].table}_doc ON ${FULL_TEXT[index].table} USING gin (doc)`);
  },
  async addGeneratedColumn(knex, tableName, column, type, expression) {
    await knex.raw(`ALTER TABLE ${tableName} ADD COLUMN ${column} ${type} GENERATED ALWAYS AS (${expression}) STORED`);
  },
  async createRowTrigger(knex: Knex, t: RowTrigger) {
    await knex.raw(`CREATE FUNCTION ${t.name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN ${t.statements.map((s) => `${s};`).join(' ')} RETURN NULL; END $$`);
    await knex.raw(`CREATE TRIGGER ${t.name} AFTER ${t.event} ON ${t.table} FOR EACH ROW${t.when ? ` WHEN (${t.when})` : ''} EXECUTE FUNCTION ${t.name}_fn()`);
  },
  async dropRowTrigger(knex, t) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${t.name} ON ${t.table}`);
    await knex.raw(`DROP FUNCTION IF EXISTS ${t.name}_fn()`);
  },
  ticketRef: (id) => `'R-' || lpad(${id}::text, greatest(6, length(${id}::text)), '0')`,

  backupFile: 'guichet.dump',
  // pg_dump reads the snapshot this transaction exported: what the manifest counts is what the dump holds.
  async backup(db, file) {
    if (db.engine !== 'postgres') throw new Error('not a PostgreSQL database');
    const url = (db.knex.client.config.connection as { connectionString: string }).connectionString;
    return db.knex.transaction(async (trx) => {
      await trx.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const [{ snapshot }] = await rowsOf<{ snapshot: string }>(trx, sql`SELECT pg_export_snapshot() AS snapshot`);
      const contents = await contentsOf(trx);
      await tool('pg_dump', url, ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${snapshot}`, `--file=${file}`]);
      return contents;
    });
  },
  // The dump's table of contents tells it is whole; its rows are counted once restored.
  async inspectBackup(file) {
    const { stdout } = await run('pg_restore', ['--list', file], { maxBuffer: 64 * 1024 * 1024 });
    if (!/TABLE DATA public tickets /.test(stdout)) throw new Error(`${file} is not a Guichet dump (no tickets in its table of contents).`);
    return null;
  },
  async restore(target, file, aside, { force }) {
    if (target.engine !== 'postgres') throw new Error('not a PostgreSQL database');
    const db = knexFactory({ client: 'pg', connection: target.url, pool: { min: 0, max: 1 } });
    let holds: boolean;
    try {
      const [{ guichets, tickets }] = await rowsOf<{ guichets: number; tickets: string | null }>(db, sql`
        SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'guichet') AS guichets,
          to_regclass('public.tickets')::text AS tickets`);
      if (guichets > 0 && !force) throw new Error(`${guichets} connection(s) of Guichet are open on this database: stop Guichet first, or pass --force.`);
      holds = tickets !== null;
    } finally {
      await db.destroy();
    }
    // What was there is dumped aside first, if there was anything.
    if (holds) {
      await fsp.mkdir(aside, { recursive: true });
      await tool('pg_dump', target.url, ['--format=custom', '--no-owner', '--no-privileges', `--file=${path.join(aside, postgresDialect.backupFile)}`]);
    }
    await tool('pg_restore', target.url, ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', file]);
  },
};
