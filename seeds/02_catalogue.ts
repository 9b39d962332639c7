import type { Knex } from 'knex';
import { dialectOf } from '../src/db/dialect.js';
import { rowsOf } from '../src/db/sql.js';
import { CATALOGUE_DOCUMENTS } from '../src/features/catalogue/catalogue.repo.js';

// The service catalogue a real academy would recognise, built around the tutorials:
// Webmail and its five sub-categories, OTP / OTP-ODA, ONDE, PUBLINET…

const APP = [
  "Accès à l'application",
  'Anomalie, bug et données manquantes',
  "Aide à l'usage, conseil et paramétrage",
  'Question réglementaire / Règle de gestion',
  "Demande d'évolution de l'application",
];
const HARDWARE = ['Panne matérielle', 'Installation, déplacement ou retrait', 'Demande de matériel', "Aide à l'usage, conseil et paramétrage"];
const NETWORK = ["Panne d'accès", 'Lenteurs ou coupures', 'Demande de configuration', "Aide à l'usage, conseil et paramétrage"];

const TEAMS: Array<[name: string, business: boolean]> = [
  ['DSI Plateforme Assistance', false],
  ['Assistance premier degré', false],
  ['Assistance applications EPLE', false],
  ['Assistance messagerie et collaboration', false],
  ['Assistance infrastructure et réseau', false],
  ['Assistance proximité', false],
  ['Assistance applications RH', false],
  ['DPE - Division des personnels enseignants', true],
  ['DOS - Division de l\'organisation scolaire', true],
  ['DEC - Division des examens et concours', true],
];

type Service = [name: string, subs: string[], team: string, keywords: string];
type Family = [name: string, services: Service[]];
type Group = [name: string, families: Family[]];
type Domain = [name: string, types: string, groups: Group[]];

const MAIL = 'Assistance messagerie et collaboration';
const INFRA = 'Assistance infrastructure et réseau';
const PROX = 'Assistance proximité';

const CATALOGUE: Domain[] = [
  ['Offre de services pour les écoles', 'ecole', [
    ['Applications métier du premier degré', [
      ['Gestion des élèves', [
        ['ONDE', APP, 'Assistance premier degré', 'onde base élèves inscription radiation directeur école'],
        ['Affelnet 6e', APP, 'Assistance premier degré', 'affectation sixième collège entrée en 6e'],
        ['LSU - Livret scolaire unique', APP, 'Assistance premier degré', 'livret bilan périodique évaluations'],
        ['Évaluations nationales', APP, 'Assistance premier degré', 'repères CP CE1 évaluations saisie'],
      ]],
      ['Authentification et accès', [
        ['OTP / OTP-ODA', APP, 'Assistance premier degré', 'otp oda code clé authentification sms connexion directeur onde mot de passe à usage unique'],
        ['Portail ARENA', APP, 'Assistance premier degré', 'arena portail identifiant connexion'],
      ]],
    ]],
    ['Équipement et réseau de l\'école', [
      ['Postes de travail et périphériques', [
        ['Poste de direction', HARDWARE, PROX, 'ordinateur pc direction école'],
        ['Imprimante et copieur', HARDWARE, PROX, 'impression scanner photocopieur'],
        ['Tablettes et classe mobile', HARDWARE, PROX, 'ipad tablette eni classe mobile'],
        ['Tableau et écran numérique interactif', HARDWARE, PROX, 'tni vpi tbi écran interactif vidéoprojecteur'],
      ]],
      ['Réseau et internet', [
        ['Accès internet de l\'école', NETWORK, INFRA, 'internet box connexion réseau filtrage'],
        ['Wi-Fi de l\'école', NETWORK, INFRA, 'wifi sans fil borne'],
      ]],
    ]],
    ['Communication, partage et collaboration', [
      ['Messagerie et liste de diffusion', [
        ['Webmail', APP, MAIL, 'messagerie mail courriel boîte aux lettres convergence'],
        ['Listes de diffusion', APP, MAIL, 'liste diffusion sympa abonnement'],
      ]],
      ['Espaces numériques', [
        ['ENT du premier degré', APP, MAIL, 'ent one espace numérique de travail école'],
        ['Site web d\'école', APP, MAIL, 'site internet publication blog'],
      ]],
    ]],
  ]],
  ['Offre de services pour les EPLE', 'college,lycee', [
    ['Vie scolaire et pédagogie', [
      ['Scolarité', [
        ['SIECLE', APP, 'Assistance applications EPLE', 'siecle bee base élèves établissement sts'],
        ['Pronote', APP, 'Assistance applications EPLE', 'pronote notes emploi du temps vie scolaire'],
        ['Affelnet Lycée', APP, 'Assistance applications EPLE', 'affectation seconde lycée vœux'],
        ['Parcoursup', APP, 'Assistance applications EPLE', 'parcoursup orientation post-bac fiche avenir'],
        ['Cyclades', APP, 'Assistance applications EPLE', 'cyclades examens inscriptions brevet baccalauréat'],
      ]],
    ]],
    ['Gestion financière et matérielle', [
      ['Finances et comptabilité', [
        ['Op@le', APP, 'Assistance applications EPLE', 'opale comptabilité budget gestion financière'],
        ['Services de restauration', APP, 'Assistance applications EPLE', 'cantine demi-pension restauration'],
      ]],
    ]],
    ['Infrastructure de l\'établissement', [
      ['Réseau et serveurs', [
        ['Réseau pédagogique', NETWORK, INFRA, 'réseau pédagogique serveur scribe amon'],
        ['Wi-Fi de l\'établissement', NETWORK, INFRA, 'wifi sans fil borne'],
      ]],
      ['Postes de travail et périphériques', [
        ['Postes de travail', HARDWARE, PROX, 'ordinateur pc poste salle informatique'],
        ['Vidéoprojecteur et TNI', HARDWARE, PROX, 'vpi tbi vidéoprojecteur tableau'],
      ]],
    ]],
    ['Communication, partage et collaboration', [
      ['Messagerie et liste de diffusion', [
        ['Webmail', APP, MAIL, 'messagerie mail courriel boîte aux lettres convergence'],
        ['Listes de diffusion', APP, MAIL, 'liste diffusion sympa abonnement'],
      ]],
      ['Espaces numériques', [
        ['ENT du second degré', APP, MAIL, 'ent espace numérique de travail établissement'],
      ]],
    ]],
  ]],
  ['Offre de services pour les services académiques', 'service', [
    ['Communication, partage et collaboration', [
      ['Messagerie et liste de diffusion', [
        ['Webmail', APP, MAIL, 'messagerie mail courriel boîte aux lettres convergence'],
        ['Listes de diffusion', APP, MAIL, 'liste diffusion sympa abonnement'],
        ['Agenda partagé', APP, MAIL, 'agenda calendrier réunion'],
      ]],
      ['Travail collaboratif', [
        ['Apps Éducation - Nextcloud', APP, MAIL, 'nuage cloud partage fichiers nextcloud apps education'],
        ['Visioconférence', APP, MAIL, 'visio classe virtuelle réunion bbb'],
      ]],
    ]],
    ['Ressources humaines', [
      ['Gestion des personnels', [
        ['I-Prof', APP, 'Assistance applications RH', 'iprof carrière dossier avancement'],
        ['SIAM - Mouvement', APP, 'Assistance applications RH', 'mouvement mutation siam vœux'],
        ['GAIA - Formation continue', APP, 'Assistance applications RH', 'gaia formation inscription plan académique'],
        ['Colibris', APP, 'Assistance applications RH', 'colibris congés absences gestion'],
      ]],
    ]],
    ['Publication et information', [
      ['Publication', [
        ['PUBLINET', APP, MAIL, 'publinet publication circulaires documents diffusion'],
        ['Intranet académique', APP, MAIL, 'intranet actualités pages'],
      ]],
    ]],
    ['Postes de travail et téléphonie', [
      ['Matériel', [
        ['Poste de travail', HARDWARE, PROX, 'ordinateur pc portable poste'],
        ['Imprimante', HARDWARE, PROX, 'impression copieur scanner'],
        ['Téléphonie fixe', HARDWARE, INFRA, 'téléphone ligne poste fixe'],
        ['Téléphonie mobile', HARDWARE, INFRA, 'smartphone mobile forfait'],
      ]],
    ]],
    ['Authentification et sécurité', [
      ['Accès et identité', [
        ['OTP / OTP-ODA', APP, 'DSI Plateforme Assistance', 'otp oda code clé authentification sms connexion mot de passe à usage unique'],
        ['Portail ARENA', APP, 'DSI Plateforme Assistance', 'arena portail identifiant connexion'],
        ['Compte et mot de passe académique', APP, 'DSI Plateforme Assistance', 'compte identifiant mot de passe perdu réinitialisation'],
      ]],
    ]],
  ]],
];

/** Seed the teams and the catalogue once; an admin's later edits are never overwritten. */
export async function seed(knex: Knex): Promise<void> {
  const [{ n }] = await knex('cat_domains').count({ n: '*' });
  if (Number(n) > 0) return;
  await knex.transaction(async (trx) => {
    const teamIds = new Map<string, number>();
    for (const [name, business] of TEAMS) {
      const existing = await trx('teams').where({ name }).first('id');
      const id = existing ? existing.id : (await trx('teams').insert({ name, business }).returning('id'))[0].id;
      teamIds.set(name, id);
    }
    await trx('settings')
      .insert({ key: 'platform_team_id', value: JSON.stringify(teamIds.get('DSI Plateforme Assistance')) })
      .onConflict('key')
      .merge();

    const insert = async (table: string, row: Record<string, unknown>): Promise<number> =>
      (await trx(table).insert(row).returning('id'))[0].id;
    let d = 0;
    for (const [domainName, types, groups] of CATALOGUE) {
      const domainId = await insert('cat_domains', { name: domainName, position: d++ });
      let g = 0;
      for (const [groupName, families] of groups) {
        const groupId = await insert('cat_groups', { parent_id: domainId, name: groupName, position: g++ });
        let f = 0;
        for (const [familyName, services] of families) {
          const familyId = await insert('cat_families', { parent_id: groupId, name: familyName, position: f++ });
          let s = 0;
          for (const [serviceName, subs, team, keywords] of services) {
            const serviceId = await insert('cat_services', { parent_id: familyId, name: serviceName, position: s++ });
            let p = 0;
            for (const sub of subs) {
              await insert('cat_subcategories', {
                parent_id: serviceId,
                name: sub,
                keywords,
                team_id: teamIds.get(team),
                establishment_types: types,
                position: p++,
              });
            }
          }
        }
      }
    }
    for (const q of dialectOf(knex).reindexAll('catalogue', CATALOGUE_DOCUMENTS)) await rowsOf(trx, q);
  });
}
