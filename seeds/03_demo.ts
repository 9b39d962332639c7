import type { Knex } from 'knex';
import { hashPassword } from '../src/features/auth/password.js';
import { demoEmail } from '../src/features/demo/demo-accounts.js';

// Demo accounts (password "demo") and establishments; skipped in production.

const ESTABLISHMENTS = [
  { rne: '0310001A', name: 'École élémentaire Jean Jaurès', type: 'ecole', city: 'Toulouse' },
  { rne: '0310002B', name: 'École maternelle Les Tilleuls', type: 'ecole', city: 'Colomiers' },
  { rne: '0310003C', name: 'Collège Pierre de Fermat', type: 'college', city: 'Toulouse' },
  { rne: '0310004D', name: 'Lycée Saint-Sernin', type: 'lycee', city: 'Toulouse' },
  { rne: '0319999Z', name: 'Rectorat - Direction des systèmes d\'information', type: 'service', city: 'Toulouse' },
];

const USERS = [
  { identifiant: 'SSEGUR', first_name: 'Sophie', last_name: 'Ségur', title: 'Professeure des écoles', phone: '05 61 00 00 01', rne: '0310001A', roles: [] },
  { identifiant: 'PMARTIN', first_name: 'Paul', last_name: 'Martin', title: 'Professeur des écoles', phone: '05 61 00 00 02', rne: '0310001A', roles: [] },
  { identifiant: 'MDURAND', first_name: 'Marie', last_name: 'Durand', title: "Directrice d'école", phone: '05 61 00 00 03', rne: '0310001A', roles: ['responsable'] },
  { identifiant: 'ALEROY', first_name: 'Antoine', last_name: 'Leroy', title: 'Technicien de support', phone: '05 61 00 00 10', rne: '0319999Z', roles: ['agent'] },
  { identifiant: 'ADMIN', first_name: 'Camille', last_name: 'Bernard', title: "Administratrice de l'assistance", phone: '05 61 00 00 20', rne: '0319999Z', roles: ['admin'] },
];

export async function seed(knex: Knex): Promise<void> {
  if (!knex.userParams?.demo) return;
  if (await knex('users').where({ identifiant: 'SSEGUR' }).first('id')) return;
  const passwordHash = await hashPassword('demo');
  const now = new Date().toISOString();
  await knex.transaction(async (trx) => {
    for (const e of ESTABLISHMENTS) {
      await trx('establishments').insert(e).onConflict('rne').ignore();
    }
    const teams: Array<{ id: number }> = await trx('teams').select('id');
    for (const u of USERS) {
      const { rne, roles, ...fields } = u;
      const [{ id }] = await trx('users')
        .insert({ ...fields, email: demoEmail(u.first_name, u.last_name), password_hash: passwordHash, created_at: now })
        .returning('id');
      const est = await trx('establishments').where({ rne }).first('id');
      await trx('user_establishments').insert({ user_id: id, establishment_id: est.id, position: 0, responsible: (roles as string[]).includes('responsable') });
      for (const role of roles) await trx('user_roles').insert({ user_id: id, role });
      if ((roles as string[]).includes('agent')) {
        for (const t of teams) await trx('team_members').insert({ team_id: t.id, user_id: id });
      }
    }
  });
}
