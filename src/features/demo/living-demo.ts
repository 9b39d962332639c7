import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.js';
import type { Database } from '../../db/database.js';
import { buildServices } from '../../services.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { ConsoleActionInput } from '../agent/agent.schemas.js';
import type { CreateTicketInput } from '../tickets/tickets.schemas.js';
import type { Impact, Urgency } from '../tickets/vocabulary.js';
import { demoEmail } from './demo-accounts.js';

// The living demo: about 150 tickets over the last six months, played through the app's own
// services on a clock moved back in time, so that each has the history, journals, files, mails,
// service-level clocks and satisfaction a real one would have. Only for the demo data (never in
// production), only on a base without tickets.

const DAY = 86_400_000;
const TICKETS = 150;
const RECENT = 30;
/** The newest tickets' fates, by how many come before (newest first): to take, dispatched, in progress, asked, on hold, resolved. */
const FATES = [5, 8, 14, 19, 23, 30, RECENT + 1, RECENT + 2];

/** Requesters of the other demo establishments (no password: they only file the demo's tickets). */
const EXTRA_REQUESTERS = [
  { identifiant: 'EBRUN', first_name: 'Émilie', last_name: 'Brun', title: 'Directrice d’école maternelle', rne: '0310002B' },
  { identifiant: 'CROUX', first_name: 'Claire', last_name: 'Roux', title: 'Professeure de mathématiques', rne: '0310003C' },
  { identifiant: 'NVERT', first_name: 'Nicolas', last_name: 'Vert', title: 'Secrétaire de direction', rne: '0310004D' },
];
const WORDS = ['webmail', 'mot de passe', 'imprimante', 'ONDE', 'OTP', 'LSU', 'poste de travail', 'wifi', 'messagerie', 'ENT'];
const SUBJECTS = [
  'Impossible de me connecter', 'Message d’erreur à l’ouverture', 'Lenteurs depuis ce matin', 'Demande d’accès pour une nouvelle collègue',
  'Le code ne s’affiche pas', 'Panne après la mise à jour', 'Données manquantes', 'Question sur l’utilisation',
];
const RATING_COMMENTS = ['', 'Merci pour la rapidité.', 'Problème réglé, merci.', 'Un peu long, mais résolu.'];

/** A small PNG (a 1×1 pixel), as a screenshot stands in. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export async function populateDemo(deps: { config: Config; db: Database; now?: () => Date; tickets?: number; stopped?: () => boolean }): Promise<number> {
  const realNow = (deps.now ?? (() => new Date()))();
  let clock = new Date(realNow.getTime() - 183 * DAY);
  const s = buildServices({ config: deps.config, db: deps.db, now: () => new Date(clock) });
  // A base without tickets, once, whichever process (several may start together on PostgreSQL) claims it.
  if (!(await s.ticketsRepo.isEmpty()) || !(await s.settings.claimFlag('living_demo_played'))) return 0;
  let seed = 1234567;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const later = (minutes: number) => { clock = new Date(Math.min(clock.getTime() + minutes * 60_000, realNow.getTime() - 60_000)); };

  const admin = await s.users.findByIdentifiant('ADMIN');
  const agentRow = await s.users.findByIdentifiant('ALEROY');
  if (!admin || !agentRow) return 0;
  const requesterIds = (await Promise.all(['SSEGUR', 'PMARTIN', 'MDURAND'].map((i) => s.users.findByIdentifiant(i)))).filter((u) => !!u).map((u) => u!.id);
  for (const r of EXTRA_REQUESTERS) {
    const est = (await s.directoryAdmin.establishments(r.rne, 1, 0)).rows[0] as { id: number } | undefined;
    if (!est) continue;
    requesterIds.push(await s.directoryAdmin.saveUser(admin.id, null, {
      identifiant: r.identifiant, first_name: r.first_name, last_name: r.last_name, title: r.title, phone: '',
      email: demoEmail(r.first_name, r.last_name),
      active: true, roles: [], establishment_ids: [est.id], main_establishment_id: est.id,
    }));
  }
  const agent = (await s.users.loadCurrentUser(agentRow.id))!;
  const teams = await s.ticketsRepo.teams('support');
  const requesters = (await Promise.all(requesterIds.map((id) => s.users.loadCurrentUser(id)))).filter((u): u is CurrentUser => !!u);
  const offers = new Map<number, Array<{ id: number; kind: 'incident' | 'request' }>>();
  for (const u of requesters) {
    const found = new Map<number, { id: number; kind: 'incident' | 'request' }>();
    for (const w of WORDS) for (const row of (await s.catalogue.search(u, w, 10, 0)).rows) found.set(row.subcategoryId, { id: row.subcategoryId, kind: row.acceptsIncident ? 'incident' : 'request' });
    offers.set(u.id, [...found.values()]);
  }

  const tmp = deps.config.uploadTmpDir;
  await fs.mkdir(tmp, { recursive: true });
  const screenshot = async () => {
    const file = path.join(tmp, `demo-${Date.now()}-${Math.floor(random() * 1e9)}.png`);
    await fs.writeFile(file, PNG);
    return [{ path: file, originalname: 'capture-ecran.png', size: PNG.length }];
  };
  const act = async (ref: string, input: Partial<ConsoleActionInput> & { action: ConsoleActionInput['action'] }) => {
    const t = await s.ticketsRepo.findDetailByRef(ref);
    await s.agent.perform(agent, ref, { version: t!.version, files_public: false, private_entry: '', public_entry: '', solution: '', ...input } as ConsoleActionInput, []);
  };

  let made = 0;
  const count = deps.tickets ?? TICKETS;
  for (let i = 0; i < count && !deps.stopped?.(); i++) {
    // Spread over six months, on working days, between 08:30 and 16:30 (Paris, roughly).
    // The last RECENT tickets over the last two weeks (the ones still being worked), the others before.
    const older = count - RECENT;
    const start = i < older
      ? realNow.getTime() - 182 * DAY + Math.floor((i * 168 * DAY) / older)
      : realNow.getTime() - Math.floor(14 * DAY * ((count - i - 0.5) / RECENT) ** 2); // denser near today
    clock = new Date(start - (start % DAY) + (7.5 + random() * 8) * 3600_000);
    while ([0, 6].includes(clock.getUTCDay())) clock = new Date(clock.getTime() + DAY);
    if (clock.getTime() > realNow.getTime() - 3600_000) clock = new Date(realNow.getTime() - 3600_000);
    const requester = pick(requesters);
    const offer = pick(offers.get(requester.id) ?? []);
    if (!offer) continue;
    const { ref } = await s.tickets.create(requester, {
      kind: offer.kind, subcategory_id: offer.id, establishment_id: requester.establishments[0].id, visibility: random() < 0.5 ? 'managers' : 'self',
      subject: pick(SUBJECTS), detail: 'Bonjour,\n\nDepuis ce matin le problème se produit à chaque essai. Merci de votre aide.\n\nCordialement.',
      phone: '', availability: 'Le matin, de 8 h à 12 h', impact: pick<Impact>(['personne', 'personne', 'plusieurs', 'etablissement']),
      urgency: pick<Urgency>(['basse', 'moyenne', 'moyenne', 'haute', 'critique']),
    } as CreateTicketInput, random() < 0.2 ? await screenshot() : [], undefined, { fromMail: i === count - 2 });
    made++;
    // The last six weeks are still being worked: some of every status; older tickets are done.
    // The newest wait to be taken (one came by mail: "Nouvelle", for the platform team to qualify),
    // then come those in progress, waiting, resolved: every status shows, whatever the draw.
    const fromNewest = count - 1 - i;
    const recent = fromNewest < RECENT;
    const fate = recent ? FATES.findIndex((n) => fromNewest < n) / FATES.length + 0.01 : random();
    if (recent && fate < 0.125) continue; // to take
    later(random() < 0.15 ? 60 * 24 * 2 : 20 + random() * 180); // some taken late: the service levels have something to say
    await act(ref, { action: 'take', private_entry: random() < 0.5 ? 'Vérifié : le compte est bien actif dans l’annuaire.' : '' });
    if (recent && fate < 0.25) {
      const here = (await s.ticketsRepo.findDetailByRef(ref))!.team_id;
      const other = teams.find((t) => t.id !== here);
      if (other) await act(ref, { action: 'dispatch', team_id: other.id, private_entry: 'Relève de l’équipe ' + other.name + '.' });
      continue;
    }
    if (recent && fate < 0.375) continue; // in progress
    if (recent && fate < 0.5) {
      later(30 + random() * 120);
      await act(ref, { action: 'request_info', public_entry: 'Pouvez-vous nous envoyer une capture d’écran du message affiché ?' });
      continue; // waits for the requester
    }
    if (recent && fate < 0.625) {
      await act(ref, { action: 'hold', private_entry: 'En attente du retour de l’éditeur.' });
      continue;
    }
    if (random() < 0.25) {
      later(30 + random() * 120);
      await act(ref, { action: 'request_info', public_entry: 'Pouvez-vous nous envoyer une capture d’écran du message affiché ?' });
      later(60 * (2 + random() * 30));
      await s.tickets.addRequesterUpdate(requester, ref, 'Voici la capture demandée.', await screenshot());
    }
    const waiting = recent && fate < 0.75; // resolved, the requester has yet to answer: within the auto-close delay
    if (waiting) clock = new Date(Math.max(clock.getTime(), realNow.getTime() - (1 + random() * 9) * DAY));
    later(random() < 0.15 ? 60 * 24 * 4 : 30 + random() * 600);
    await act(ref, { action: 'resolve', solution: 'Le mot de passe a été réinitialisé et l’accès rétabli. N’hésitez pas à nous recontacter si le problème revient.' });
    if (waiting) continue;
    const ending = random();
    if (ending < 0.1) {
      later(60 * 24);
      await s.resolution.decide(requester, ref, { decision: 'refuse', reason: 'Le problème est revenu dès le lendemain.', comment: '', rating: undefined });
      later(60 * 3);
      await act(ref, { action: 'resolve', solution: 'Le poste a été réinstallé : le problème ne devrait plus se produire.' });
    }
    if (ending < 0.75) {
      later(60 * (4 + random() * 72));
      await s.resolution.decide(requester, ref, { decision: 'accept', rating: pick([3, 4, 4, 5, 5, 5, 2]), comment: pick(RATING_COMMENTS), reason: '' });
    } else {
      // Never answered: closed by the scheduler, "non évalué".
      clock = new Date((await s.ticketsRepo.findDetailByRef(ref))!.resolved_at!);
      later(60 * 24 * 15);
      await s.resolution.autoCloseDue();
    }
  }
  // The demo's mails were never meant to leave: they are kept as sent.
  await s.outbox.markDemoSent(realNow);
  clock = realNow;
  // Its history is dated in the past: counted whole, whatever another process counted meanwhile.
  await s.statistics.countAllAgain();
  await s.statistics.recount();
  return made;
}
