import { z } from 'zod';
import { optionalText, text } from '../../http/validation.js';
import { ESTABLISHMENT_TYPES, IMPACTS, ROLES, URGENCIES } from '../tickets/vocabulary.js';

/** An HTML checkbox: present ("on") or absent. */
export const checkbox = z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === true, z.boolean());
/** Repeated form keys arrive as an array, a single one as a string, none as undefined. */
const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));
const optionalId = (message: string) =>
  z.preprocess((v) => (v === '' || v === undefined || v === null ? null : v), z.coerce.number({ error: message }).int({ error: message }).positive({ error: message }).nullable());
const position = z.preprocess((v) => (v === '' || v === undefined ? 0 : v), z.coerce.number({ error: 'Ordre : un nombre entier.' }).int({ error: 'Ordre : un nombre entier.' }).min(0).max(9999));

export const NodeSchema = z.object({
  name: text({ label: 'Nom', max: 150, required: true }),
  position,
  active: checkbox,
  parent_id: optionalId('Choisissez un parent.'),
});

export const SubcategorySchema = NodeSchema.extend({
  keywords: optionalText({ label: 'Mots-clés', max: 1000 }),
  team_id: optionalId('Équipe inconnue.'),
  accepts_incident: checkbox,
  accepts_request: checkbox,
  establishment_types: list(z.enum(ESTABLISHMENT_TYPES, { error: "Type d'établissement inconnu." })),
})
  .refine((v) => v.accepts_incident || v.accepts_request, { path: ['accepts_incident'], message: 'Acceptez au moins un type de demande (incident ou demande).' })
  .refine((v) => v.establishment_types.length > 0, { path: ['establishment_types'], message: "Choisissez au moins un type d'établissement." });

export const RNE_PATTERN = /^\d{7}[A-Z]$/;
export const EstablishmentSchema = z.object({
  rne: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .refine((s) => RNE_PATTERN.test(s), { message: 'Code RNE/UAI invalide : 7 chiffres suivis d’une lettre (ex. 0310001A).' }),
  name: text({ label: 'Nom', max: 200, required: true }),
  type: z.enum(ESTABLISHMENT_TYPES, { error: "Choisissez le type d'établissement." }),
  city: optionalText({ label: 'Ville', max: 100 }),
});

export const TeamSchema = z.object({
  name: text({ label: 'Nom', max: 150, required: true }),
  email: optionalText({ label: 'Courriel', max: 200 }).refine((s) => s === '' || z.email().safeParse(s).success, { message: 'Adresse électronique invalide.' }),
  business: checkbox,
  active: checkbox,
});

export const UserSchema = z.object({
  identifiant: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .refine((s) => /^[A-Z0-9._-]{2,64}$/.test(s), { message: 'Identifiant : lettres, chiffres, point, tiret ou souligné, sans espace (ex. SSEGUR).' }),
  first_name: text({ label: 'Prénom', max: 100, required: true }),
  last_name: text({ label: 'Nom', max: 100, required: true }),
  email: optionalText({ label: 'Courriel', max: 200 }).refine((s) => s === '' || z.email().safeParse(s).success, { message: 'Adresse électronique invalide.' }),
  phone: optionalText({ label: 'Téléphone', max: 40 }),
  title: optionalText({ label: 'Fonction', max: 100 }),
  active: checkbox,
  roles: list(z.enum(ROLES, { error: 'Rôle inconnu.' })),
  establishment_ids: list(z.coerce.number().int().positive()),
  main_establishment_id: optionalId('Établissement inconnu.'),
});

export const SectionSchema = z.object({
  name: text({ label: 'Nom', max: 100, required: true }),
  position,
});

export const ToolSchema = z.object({
  name: text({ label: 'Nom', max: 100, required: true }),
  url: text({ label: 'Lien', max: 500, required: true }).refine((s) => s === 'helpdesk' || /^(https?:\/\/|\/)/.test(s), {
    message: 'Lien : une adresse commençant par http://, https:// ou /, ou « helpdesk » pour Guichet lui-même.',
  }),
  description: optionalText({ label: 'Description', max: 500 }),
  position,
});

export const PortalSettingsSchema = z.object({
  academy_name: text({ label: "Nom de l'académie", max: 100, required: true }),
  helpdesk_name: text({ label: "Nom de l'outil d'assistance", max: 60, required: true }),
  phone_fallback: text({ label: 'Texte du recours téléphonique', max: 500, required: true }),
});

const days = (label: string) => z.coerce.number({ error: `${label} : un nombre de jours.` }).int({ error: `${label} : un nombre de jours.` }).min(1, { error: `${label} : 1 jour au moins.` }).max(365, { error: `${label} : 365 jours au plus.` });
export const SettingsSchema = z
  .object({
    auto_close_days: days('Fermeture automatique'),
    reopen_days: days('Délai de réouverture'),
    upload_max_mb: z.coerce.number({ error: 'Taille : un nombre de Mo.' }).min(0.1).max(100, { error: 'Taille : 100 Mo au plus.' }),
    upload_max_files: z.coerce.number({ error: 'Nombre de fichiers : un entier.' }).int().min(1).max(20, { error: 'Nombre de fichiers : 20 au plus.' }),
    ...Object.fromEntries(
      IMPACTS.flatMap((i) => URGENCIES.map((u) => [`m_${i}_${u}`, z.coerce.number({ error: 'Priorité inconnue.' }).int().min(1).max(4)])),
    ),
  })
  .refine((v) => v.reopen_days >= v.auto_close_days, { path: ['reopen_days'], message: 'Le délai de réouverture doit être au moins égal à celui de la fermeture automatique.' });

export const ArticleSchema = z.object({
  kind: z.enum(['faq', 'fiche'], { error: 'Choisissez FAQ ou fiche de connaissance.' }),
  title: text({ label: 'Titre', max: 200, required: true }),
  body: text({ label: 'Contenu', max: 50000, required: true }),
  keywords: optionalText({ label: 'Mots-clés', max: 500 }),
  service_id: optionalId('Service inconnu.'),
  published: checkbox,
  position,
});
