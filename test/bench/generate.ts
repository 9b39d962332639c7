import type { Knex } from 'knex';
import { DEFAULT_SLA } from '../../src/features/sla/clock.js';
import { QUEUE_COUNTS_REBUILD } from '../../migrations/20261124100200_create_ticket_queue_counts.js';
import { SHARED_COUNTS_REBUILD } from '../../migrations/20261125100000_create_ticket_shared_counts.js';
import { hashPassword } from '../../src/features/auth/password.js';

// A large academy's history, generated set-wise in SQL (recursive CTEs) so that a million
// tickets take seconds, not minutes. Deterministic: the same size gives the same data.

export interface BenchData {
  tickets: number;
  /** Accounts the scenarios log in as (password "bench"). */
  heavyRequester: string;
  largeEstablishmentManager: string;
  largeTeamAgent: string;
  admin: string;
  /** A ticket with 20 public journal entries, seen by the heavy requester. */
  richTicketRef: string;
  /** A sub-category the heavy requester may file under. */
  subcategoryId: number;
  establishmentId: number;
}

const DAY = 86_400;

export async function generate(db: Knex, opts: { tickets: number; users?: number; establishments?: number; log?: (s: string) => void }): Promise<BenchData> {
  const N = opts.tickets;
  const USERS = opts.users ?? 30_000;
  const ESTS = opts.establishments ?? 2_000;
  const TEAMS = 40;
  const AGENTS = 200;
  const log = opts.log ?? (() => undefined);
  const hash = await hashPassword('bench');
  const now = Math.floor(Date.now() / 1000);
  // The few expressions the two engines write differently.
  const pg = db.client.config.client === 'pg';
  const iso = (expr: string) => (pg ? `to_timestamp(${expr})` : `strftime('%Y-%m-%dT%H:%M:%fZ', ${expr}, 'unixepoch')`);
  const hoursAfter = (at: string, hours: string) => (pg ? `${at} + (${hours}) * interval '1 hour'` : `strftime('%Y-%m-%dT%H:%M:%fZ', ${at}, '+' || (${hours}) || ' hours')`);
  const padded = (prefix: string, expr: string, width: number, suffix = '') =>
    pg ? `'${prefix}' || lpad((${expr})::text, ${width}, '0') || '${suffix}'` : `printf('${prefix}%0${width}d${suffix}', ${expr})`;
  // bigint on PostgreSQL: n * 7919 passes 2^31 in a large base.
  const seq = (n: number) => (pg ? `WITH seq(n) AS (SELECT generate_series(1::bigint, ${n}))` : `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${n})`);
  const run = async (label: string, sql: string) => {
    const t0 = Date.now();
    await db.raw(sql);
    log(`  ${label}: ${Date.now() - t0} ms`);
  };

  if (!pg) await db.raw('PRAGMA synchronous = OFF');
  await db.transaction(async (trx) => {
    const q = async (label: string, sql: string) => {
      const t0 = Date.now();
      await trx.raw(sql);
      log(`  ${label}: ${Date.now() - t0} ms`);
    };
    // Establishments: 60 % écoles, 20 % collèges, 15 % lycées, 5 % services; establishment 1 is the large one.
    await q('establishments', `${seq(ESTS)} INSERT INTO establishments (rne, name, type, city)
      SELECT ${padded('09', 'n', 5, 'B')}, 'Établissement ' || n,
        CASE WHEN n % 20 < 12 THEN 'ecole' WHEN n % 20 < 16 THEN 'college' WHEN n % 20 < 19 THEN 'lycee' ELSE 'service' END,
        'Ville ' || (n % 300) FROM seq`);
    // Users: 30,000 staff; the first 2,000 are the responsables (one per establishment), then 200 agents.
    await q('users', `${seq(USERS)} INSERT INTO users (identifiant, first_name, last_name, email, phone, title, password_hash, active, created_at)
      SELECT ${padded('BENCH', 'n', 5)}, 'Prénom' || n, 'Nom' || n, ${padded('bench', 'n', 5, '@ac-bench.fr')}, '05 00 00 00 00', 'Enseignant', '${hash}', TRUE, ${iso(`${now} - 3 * 365 * ${DAY}`)} FROM seq`);
    const firstUser = (await trx('users').where({ identifiant: 'BENCH00001' }).first('id')).id as number;
    const firstEst = (await trx('establishments').where({ rne: '0900001B' }).first('id')).id as number;
    await q('user establishments', `INSERT INTO user_establishments (user_id, establishment_id, position, responsible)
      SELECT id, ${firstEst} + ((id - ${firstUser}) % ${ESTS}), 0, id < ${firstUser + ESTS} FROM users WHERE id >= ${firstUser}`);
    await q('responsables', `INSERT INTO user_roles (user_id, role) SELECT id, 'responsable' FROM users WHERE id >= ${firstUser} AND id < ${firstUser + ESTS}`);
    // Teams: the seed's support teams plus generated ones up to 40; 200 agents, 5 per team.
    const existing = Number((await trx('teams').where({ business: false }).count({ n: '*' }))[0].n);
    for (let i = existing; i < TEAMS; i++) await trx('teams').insert({ name: `Équipe de support ${i + 1}` });
    const teamIds: number[] = await trx('teams').where({ business: false }).orderBy('id').limit(TEAMS).pluck('id');
    const agentFrom = firstUser + ESTS;
    await q('agents', `INSERT INTO user_roles (user_id, role) SELECT id, 'agent' FROM users WHERE id >= ${agentFrom} AND id < ${agentFrom + AGENTS}`);
    // The last user is the admin (statistics of everything).
    await trx('user_roles').insert({ user_id: firstUser + USERS - 1, role: 'admin' });
    await trx('team_members').insert(Array.from({ length: AGENTS }, (_, i) => ({ team_id: teamIds[i % TEAMS], user_id: agentFrom + i })));
    // Route every sub-category to a team, round robin.
    const subs: number[] = await trx('cat_subcategories').orderBy('id').pluck('id');
    for (const [i, id] of subs.entries()) await trx('cat_subcategories').where({ id }).update({ team_id: teamIds[i % TEAMS] });
  });

  // Tickets, in one statement. Who and where:
  //  - every estEvery-th: the large establishment, requesters among its staff;
  //  - every heavyEvery-th: the heavy requester (500 tickets);
  //  - every teamEvery-th: the large team, else the sub-category's team.
  //  Statuses as in a real base: most closed, some resolved, open, waiting.
  const firstUser = (await db('users').where({ identifiant: 'BENCH00001' }).first('id')).id as number;
  const firstEst = (await db('establishments').where({ rne: '0900001B' }).first('id')).id as number;
  const teamIds: number[] = await db('teams').where({ business: false }).orderBy('id').limit(TEAMS).pluck('id');
  const largeTeam = teamIds[0];
  const agentFrom = firstUser + ESTS;
  const heavy = firstUser + ESTS + AGENTS + 7; // an ordinary teacher
  const subRows: Array<{ id: number; team_id: number }> = await db('cat_subcategories').orderBy('id').select('id', 'team_id');
  const subCount = subRows.length;
  const largeEstStaff = Math.floor(USERS / ESTS); // users are spread round robin: user k works at establishment k % ESTS
  // The big ones keep their size whatever the base's: 500, 20,000 and 50,000 tickets (fewer in a small base).
  const heavyEvery = Math.max(3, Math.floor(N / 500));
  // Service-level clocks as the default targets would give them (seconds; about one ticket in five
  // late), deadlines from the creation without the calendar, every alert already sent: the bench
  // measures pages, not a first sweep of a base that never had one.
  const targetOf = (clock: 'tto' | 'ttr') => `CASE 1 + (t.n % 4) ${[1, 2, 3, 4].map((p) => `WHEN ${p} THEN ${DEFAULT_SLA.default[p][clock] * 60}`).join(' ')} END`;
  const SLA = {
    tto: targetOf('tto'), ttr: targetOf('ttr'),
    ttoUsed: `(((t.n * 37) % 100) * ${targetOf('tto')} / 80)`, ttrUsed: `(((t.n * 53) % 100) * ${targetOf('ttr')} / 85)`,
  };
  const estEvery = Math.max(10, Math.floor(N / 20_000));
  const teamEvery = Math.max(4, Math.floor(N / 50_000));
  // Bulk loads go faster without the indexes and triggers; they are rebuilt, the same, right
  // after (on PostgreSQL the triggers are switched off and on), and the counts they keep are recounted.
  const bulkTables = ['tickets', 'journal_entries', 'ticket_history'];
  const indexes: Array<{ type: string; name: string; sql: string }> = pg ? [] : await db.raw(
    `SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN (${bulkTables.map((t) => `'${t}'`).join(', ')})`,
  );
  for (const ix of indexes) await db.raw(`DROP ${ix.type.toUpperCase()} "${ix.name}"`);
  await db.transaction(async (trx) => {
    const t0 = Date.now();
    if (pg) for (const table of bulkTables) await trx.raw(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    await trx.raw('CREATE TEMP TABLE bench_subs (k INTEGER PRIMARY KEY, id INTEGER, team_id INTEGER, domain TEXT, grp TEXT, family TEXT, service TEXT, name TEXT)');
    await trx.raw(`INSERT INTO bench_subs SELECT ROW_NUMBER() OVER (ORDER BY s.id) - 1, s.id, s.team_id, d.name, g.name, f.name, v.name, s.name
      FROM cat_subcategories s JOIN cat_services v ON v.id = s.parent_id JOIN cat_families f ON f.id = v.parent_id JOIN cat_groups g ON g.id = f.parent_id JOIN cat_domains d ON d.id = g.parent_id`);
    await trx.raw(`${seq(N)}, t AS (
        SELECT n,
          CASE WHEN n % ${heavyEvery} = 1 THEN ${heavy}
               WHEN n % ${estEvery} = 0 THEN ${firstUser} + ${ESTS} * ((n / ${estEvery}) % ${largeEstStaff})
               ELSE ${firstUser} + ((n * 7919) % ${USERS}) END AS requester,
          (n * 31) % ${subCount} AS sk,
          ${now} - 3 * 365 * ${DAY} + (n * (3 * 365 * ${DAY} / ${N})) AS created,
          CASE WHEN n > ${N} - ${Math.max(50, Math.floor(N * 0.002))} THEN 'affectee'
               WHEN (n * 13) % 100 < 80 THEN 'fermee' WHEN (n * 13) % 100 < 85 THEN 'resolue' WHEN (n * 13) % 100 < 92 THEN 'assignee'
               WHEN (n * 13) % 100 < 95 THEN 'affectee' WHEN (n * 13) % 100 < 97 THEN 'en_attente' WHEN (n * 13) % 100 < 98 THEN 'a_completer' ELSE 'reaffectee' END AS status
        FROM seq)
      INSERT INTO tickets (id, ref, kind, requester_id, beneficiary_id, establishment_id, visibility, subcategory_id, domain_name, group_name, family_name, service_name, subcategory_name,
        business_team_id, team_id, agent_id, subject, detail, phone, availability, impact, urgency, priority, status, version, created_at, updated_at, resolved_at, closed_at, closed_by,
        sla_tto_target_s, sla_ttr_target_s, sla_tto_s, sla_ttr_s, sla_tto_met, sla_ttr_met, sla_since, sla_tto_due_at, sla_ttr_due_at, sla_due_at, sla_alerts)
      SELECT t.n, ${padded('R-', 't.n', 6)}, CASE WHEN t.n % 3 = 0 THEN 'request' ELSE 'incident' END, t.requester, t.requester,
        ${firstEst} + ((t.requester - ${firstUser}) % ${ESTS}), CASE WHEN t.n % 2 = 0 THEN 'managers' ELSE 'self' END, s.id, s.domain, s.grp, s.family, s.service, s.name,
        NULL, CASE WHEN t.n % ${teamEvery} = 2 THEN ${largeTeam} ELSE s.team_id END,
        CASE WHEN t.status IN ('affectee', 'reaffectee') THEN NULL ELSE ${agentFrom} + ((t.n * 17) % ${AGENTS}) END,
        'Objet de la demande ' || t.n || CASE t.n % 5 WHEN 0 THEN ' : webmail inaccessible' WHEN 1 THEN ' : code OTP non reçu' WHEN 2 THEN ' : imprimante en panne' WHEN 3 THEN ' : accès ONDE' ELSE ' : poste lent' END,
        'Bonjour, ' || 'le problème ' || t.n || ' est apparu ce matin sur le poste de la salle ' || (t.n % 30) || '. Merci de votre aide.', '', '',
        CASE t.n % 3 WHEN 0 THEN 'personne' WHEN 1 THEN 'plusieurs' ELSE 'etablissement' END, CASE t.n % 4 WHEN 0 THEN 'basse' WHEN 1 THEN 'moyenne' WHEN 2 THEN 'haute' ELSE 'critique' END,
        1 + (t.n % 4), t.status, 1, ${iso('t.created')}, ${iso('t.created + 3600')},
        CASE WHEN t.status IN ('resolue', 'fermee') THEN ${iso(`CASE WHEN t.status = 'resolue' THEN ${now} - (t.n % 10) * ${DAY} ELSE t.created + 2 * ${DAY} END`)} END,
        CASE WHEN t.status = 'fermee' THEN ${iso(`t.created + 4 * ${DAY}`)} END,
        CASE WHEN t.status = 'fermee' THEN 'requester' END,
        ${SLA.tto}, ${SLA.ttr}, ${SLA.ttoUsed}, ${SLA.ttrUsed},
        CASE WHEN t.status NOT IN ('affectee', 'reaffectee') THEN ${SLA.ttoUsed} <= ${SLA.tto} END,
        CASE WHEN t.status IN ('resolue', 'fermee') THEN ${SLA.ttrUsed} <= ${SLA.ttr} END,
        CASE WHEN t.status IN ('affectee', 'reaffectee', 'assignee') THEN ${iso('t.created')} END,
        CASE WHEN t.status IN ('affectee', 'reaffectee') THEN ${iso(`t.created + ${SLA.tto}`)} END,
        CASE WHEN t.status IN ('affectee', 'reaffectee', 'assignee') THEN ${iso(`t.created + ${SLA.ttr}`)} END,
        CASE WHEN t.status IN ('affectee', 'reaffectee') THEN ${iso(`t.created + ${SLA.tto}`)} WHEN t.status = 'assignee' THEN ${iso(`t.created + ${SLA.ttr}`)} END,
        15
      FROM t JOIN bench_subs s ON s.k = t.sk`);
    log(`  tickets: ${Date.now() - t0} ms`);
    // Journal: 0 to 6 entries per ticket (3 on average), alternately public and private.
    await trx.raw(`WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 5)
      INSERT INTO journal_entries (ticket_id, author_id, visibility, body, created_at)
      SELECT t.id, CASE WHEN k.i % 2 = 0 THEN t.requester_id ELSE ${agentFrom} + ((t.id * 17) % ${AGENTS}) END,
        CASE WHEN k.i % 3 = 2 THEN 'private' ELSE 'public' END, 'Message ' || k.i || ' du ticket ' || t.id, ${hoursAfter('t.created_at', 'k.i + 1')}
      FROM tickets t JOIN k ON k.i < (t.id * 13) % 7`);
    log(`  journal: ${Date.now() - t0} ms`);
    await trx.raw(`INSERT INTO ticket_history (ticket_id, actor_id, event, from_status, to_status, details, created_at)
      SELECT id, requester_id, 'created', NULL, 'affectee', '{}', created_at FROM tickets`);
    log(`  history: ${Date.now() - t0} ms`);
    for (const ix of indexes) await trx.raw(ix.sql);
    if (pg) {
      for (const table of bulkTables) await trx.raw(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
      // The ids were given: the sequences go on after them.
      for (const table of bulkTables) await trx.raw(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
    }
    await trx.raw('DROP TABLE bench_subs');
    for (const statement of [...QUEUE_COUNTS_REBUILD, ...SHARED_COUNTS_REBUILD]) await trx.raw(statement);
    log(`  indexes, triggers and kept counts: ${Date.now() - t0} ms`);
  });
  if (!pg) await db.raw('PRAGMA synchronous = NORMAL');
  await run('analyze', 'ANALYZE');

  // A ticket of the heavy requester with 20 public entries.
  const rich = await db('tickets').where({ requester_id: heavy }).orderBy('id', 'desc').first('id', 'ref');
  await db('journal_entries').where({ ticket_id: rich.id }).delete();
  const rows = Array.from({ length: 20 }, (_, i) => ({ ticket_id: rich.id, author_id: i % 2 ? agentFrom : heavy, visibility: 'public', body: `Échange ${i + 1} : précisions sur le poste.`, created_at: new Date(Date.now() - (20 - i) * 3600_000).toISOString() }));
  await db('journal_entries').insert(rows);
  const heavyUser = await db('users').where({ id: heavy }).first('identifiant');
  const manager = await db('users').where({ id: firstUser }).first('identifiant');
  const admin = await db('users').where({ id: firstUser + USERS - 1 }).first('identifiant');
  const agent = await db('users as u').join('team_members as m', 'm.user_id', 'u.id').where('m.team_id', largeTeam).where('u.identifiant', 'like', 'BENCH%').first('u.identifiant');
  const heavyEst = firstEst + ((heavy - firstUser) % ESTS);
  const est = await db('establishments').where({ id: heavyEst }).first('type');
  const sub = await db('cat_subcategories').whereRaw("(',' || establishment_types || ',') LIKE ?", [`%,${est.type},%`]).first('id');
  void subRows;
  return {
    tickets: N,
    heavyRequester: heavyUser.identifiant,
    largeEstablishmentManager: manager.identifiant,
    largeTeamAgent: agent.identifiant,
    admin: admin.identifiant,
    richTicketRef: rich.ref,
    subcategoryId: sub.id,
    establishmentId: heavyEst,
  };
}
