import type { Knex } from 'knex';
import type { Services } from '../../src/services.js';
import type { CreateTicketInput } from '../../src/features/tickets/tickets.schemas.js';

let counter = 0;
const next = () => ++counter;

/** The demo password's hash, computed once: factories must be fast. */
async function demoHash(db: Knex): Promise<string> {
  const row = await db('users').where({ identifiant: 'SSEGUR' }).first('password_hash');
  return row.password_hash;
}

export async function buildEstablishment(db: Knex, fields: Partial<{ rne: string; name: string; type: string; city: string }> = {}) {
  const n = next();
  const row = { rne: fields.rne ?? `09${String(n).padStart(5, '0')}X`, name: fields.name ?? `École test ${n}`, type: fields.type ?? 'ecole', city: fields.city ?? 'Albi' };
  const [{ id }] = await db('establishments').insert(row).returning('id');
  return { id, ...row };
}

/** A user (password "demo") of one establishment, with roles and teams. */
export async function buildUser(
  db: Knex,
  opts: { establishmentId: number; roles?: string[]; teamIds?: number[]; identifiant?: string; active?: boolean; firstName?: string; lastName?: string },
) {
  const n = next();
  const identifiant = opts.identifiant ?? `TUSER${n}`;
  const [{ id }] = await db('users')
    .insert({
      identifiant,
      first_name: opts.firstName ?? 'Test',
      last_name: opts.lastName ?? `Utilisateur${n}`,
      email: `test${n}@ac-demo.fr`,
      phone: '05 00 00 00 00',
      password_hash: await demoHash(db),
      active: opts.active ?? true,
      created_at: new Date().toISOString(),
    })
    .returning('id');
  await db('user_establishments').insert({ user_id: id, establishment_id: opts.establishmentId, position: 0, responsible: (opts.roles ?? []).includes('responsable') });
  for (const role of opts.roles ?? []) await db('user_roles').insert({ user_id: id, role });
  for (const teamId of opts.teamIds ?? []) await db('team_members').insert({ team_id: teamId, user_id: id });
  return { id, identifiant };
}

export async function demoUser(db: Knex, identifiant: string) {
  return db('users').where({ identifiant }).first();
}

/** The id of a sub-category found by service and sub-category names, for a given establishment type. */
export async function subcategoryId(db: Knex, service: string, sub: string, type = 'ecole'): Promise<number> {
  const row = await db('cat_subcategories as s')
    .join('cat_services as v', 'v.id', 's.parent_id')
    .where({ 'v.name': service, 's.name': sub })
    .whereRaw("(',' || s.establishment_types || ',') LIKE ?", [`%,${type},%`])
    .first('s.id');
  if (!row) throw new Error(`no sub-category ${service} / ${sub} for ${type}`);
  return row.id;
}

/** A ticket filed through the service, as the form would. */
export async function buildTicket(
  services: Services,
  userId: number,
  input: Partial<CreateTicketInput> & { subcategory_id: number },
): Promise<string> {
  const user = await services.users.loadCurrentUser(userId);
  if (!user) throw new Error('no such user');
  const { ref } = await services.tickets.create(
    user,
    {
      kind: 'incident',
      establishment_id: user.establishments[0].id,
      visibility: 'self',
      subject: `Objet ${next()}`,
      detail: 'Détail de test',
      phone: '',
      availability: '',
      impact: 'personne',
      urgency: 'moyenne',
      ...input,
    } as CreateTicketInput,
    [],
  );
  return ref;
}

export async function buildTeam(db: Knex, name?: string): Promise<number> {
  const [{ id }] = await db('teams').insert({ name: name ?? `Équipe test ${next()}` }).returning('id');
  return id;
}

/** Route a sub-category to a team (as the admin would). */
export async function routeTo(db: Knex, subcategoryId: number, teamId: number | null): Promise<void> {
  await db('cat_subcategories').where({ id: subcategoryId }).update({ team_id: teamId });
}

/**
 * A new team of agents (one per entry, with these names if given), the sub-category routed to it
 * while `fn` runs, and back to its former team after.
 */
export async function withNewTeam<T>(
  db: Knex,
  subcategoryId: number,
  agents: Array<{ firstName?: string; lastName?: string }>,
  fn: (agents: Array<{ id: number; identifiant: string }>) => Promise<T>,
): Promise<T> {
  const before = (await db('cat_subcategories').where({ id: subcategoryId }).first('team_id')).team_id;
  const team = await buildTeam(db);
  const { id: establishmentId } = await buildEstablishment(db);
  const built = [];
  for (const names of agents) built.push(await buildUser(db, { establishmentId, roles: ['agent'], teamIds: [team], ...names }));
  await routeTo(db, subcategoryId, team);
  try {
    return await fn(built);
  } finally {
    await routeTo(db, subcategoryId, before);
  }
}
