// npm run create-admin -- --identifiant CBERNARD --prenom Camille --nom Bernard --email camille.bernard@ac-exemple.fr [--password …]
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { AccountsService } from '../features/auth/accounts.service.js';
import { UsersRepo } from '../features/auth/users.repo.js';

const { values } = parseArgs({
  options: {
    identifiant: { type: 'string' },
    prenom: { type: 'string' },
    nom: { type: 'string' },
    email: { type: 'string', default: '' },
    password: { type: 'string' },
  },
});
if (!values.identifiant || !values.prenom || !values.nom) {
  console.error('Usage: npm run create-admin -- --identifiant ID --prenom Prénom --nom Nom [--email e-mail] [--password mot-de-passe]');
  process.exit(2);
}
const config = loadConfig();
const db = openDatabase(config.database, { demo: config.demoData });
try {
  await db.migrateAndSeed();
  const accounts = new AccountsService({ db, users: new UsersRepo(db), now: () => new Date() });
  const result = await accounts.createAdmin({
    identifiant: values.identifiant,
    firstName: values.prenom,
    lastName: values.nom,
    email: values.email ?? '',
    password: values.password,
  });
  console.log(`${result.created ? 'Created' : 'Updated'} administrator ${values.identifiant.toUpperCase()}.`);
  if (result.password) console.log(`Password (shown once, change it after the first login): ${result.password}`);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await db.close();
}
