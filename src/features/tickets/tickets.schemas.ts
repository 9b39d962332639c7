import { z } from 'zod';
import { filterText, id, optionalText, text } from '../../http/validation.js';
import { NotFoundError } from '../../http/errors.js';
import { pageLinks, parsePaging } from '../../http/paging.js';
import type { SortKey, TicketListRow } from './tickets.repo.js';
import { IMPACTS, KINDS, REF_PATTERN, URGENCIES, VISIBILITIES } from './vocabulary.js';

export const SUBJECT_MAX = 200;
export const DETAIL_MAX = 20000;
export const MESSAGE_MAX = 20000;

const choice = <T extends readonly [string, ...string[]]>(values: T, message: string) =>
  z.enum(values, { error: message });

/** "Création de Demande Utilisateur": what the requester may send; everything else the server decides. */
export const CreateTicketSchema = z.object({
  subcategory_id: id('Cette sous-catégorie de service est inconnue.'),
  kind: choice(KINDS, 'Le type de demande est inconnu.'),
  establishment_id: id('Choisissez l’établissement concerné.'),
  visibility: choice(VISIBILITIES, 'Choisissez qui peut voir la demande : « Moi-même » ou « Responsables ».'),
  beneficiary_id: z.preprocess((v) => (v === '' || v === undefined ? undefined : v), id('Ce bénéficiaire est inconnu.').optional()),
  business_team_id: z.preprocess((v) => (v === '' || v === undefined ? undefined : v), id('Cette équipe métier est inconnue.').optional()),
  subject: text({ label: 'Objet de la demande', max: SUBJECT_MAX, required: true }),
  detail: text({ label: 'Détail de la demande', max: DETAIL_MAX, required: true }),
  phone: optionalText({ label: 'Téléphone de rappel', max: 40 }).refine((s) => /^[0-9+().\s-]*$/.test(s), {
    message: 'Téléphone de rappel : chiffres, espaces et + ( ) . - uniquement.',
  }),
  availability: optionalText({ label: 'Préciser vos disponibilités', max: 500 }),
  impact: choice(IMPACTS, 'Choisissez l’impact.'),
  urgency: choice(URGENCIES, 'Choisissez l’urgence.'),
});
export type CreateTicketInput = z.infer<typeof CreateTicketSchema>;

/** "Mise à jour": a message and/or files. */
export const UpdateTicketSchema = z.object({
  message: optionalText({ label: 'Message', max: MESSAGE_MAX }),
});
export type UpdateTicketInput = z.infer<typeof UpdateTicketSchema>;

export const NewTicketQuerySchema = z.object({
  sous_categorie: id('Sous-catégorie inconnue.'),
  type: choice(KINDS, 'Type inconnu.'),
});

/** A list's query string: tab, sort, text filter (paging is parsed apart). Odd values fall back to defaults. */
export const ListQuerySchema = z.object({
  onglet: z.string().max(20).catch('').default(''),
  tri: z.enum(['date_desc', 'date_asc', 'priority', 'status', 'deadline']).catch('date_desc').default('date_desc'),
  q: z.string().catch('').default('').transform(filterText),
});

/** A ticket reference from a URL; anything else is a page that does not exist. */
export function parseRef(raw: unknown): string {
  const ref = String(raw ?? '').toUpperCase();
  if (!REF_PATTERN.test(ref)) throw new NotFoundError();
  return ref;
}

export interface ListOptions {
  sort: SortKey;
  q: string;
  limit: number;
  offset: number;
}

/**
 * One tabbed ticket list, requester's or agent's: read the query string, fetch, and build the
 * view-model every board template takes.
 */
export async function loadBoard(
  query: unknown,
  base: string,
  fetch: (tab: string, opts: ListOptions) => Promise<{ tab: string; counts: Record<string, number>; rows: TicketListRow[]; total: number }>,
) {
  const { onglet, tri, q } = ListQuerySchema.parse(query);
  const paging = parsePaging(query);
  const result = await fetch(onglet, { sort: tri as SortKey, q, limit: paging.perPage, offset: paging.offset });
  return {
    base, tab: result.tab, counts: result.counts, rows: result.rows, sort: tri, q,
    pages: pageLinks(paging, result.total, base, { onglet: result.tab, tri, q }),
  };
}

/** "Acceptation" or "Refus", with the ten-second evaluation. */
export const ResolutionSchema = z.object({
  decision: z.enum(['accept', 'refuse'], { error: 'Choisissez « Acceptation » ou « Refus ».' }),
  rating: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    z.coerce.number({ error: 'Choisissez une note de 1 à 5.' }).int().min(1, { error: 'Choisissez une note de 1 à 5.' }).max(5, { error: 'Choisissez une note de 1 à 5.' }).optional(),
  ),
  comment: optionalText({ label: 'Commentaire', max: 2000 }),
  reason: optionalText({ label: 'Motif du refus', max: MESSAGE_MAX }),
});
export type ResolutionInput = z.infer<typeof ResolutionSchema>;
