import { z } from 'zod';
import { id, optionalText, text } from '../../http/validation.js';
import { IMPACTS, KINDS, URGENCIES, VISIBILITIES } from './vocabulary.js';

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
