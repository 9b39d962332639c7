import { z } from 'zod';
import { optionalText } from '../../http/validation.js';
import { IMPACTS, URGENCIES } from '../tickets/vocabulary.js';
import { MESSAGE_MAX } from '../tickets/tickets.schemas.js';

const optionalId = z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : v),
  z.coerce.number({ error: 'Valeur inconnue.' }).int({ error: 'Valeur inconnue.' }).positive({ error: 'Valeur inconnue.' }).optional(),
);

/** The console form: journals, fields, and the button that was pressed. */
export const ConsoleActionSchema = z.object({
  action: z.enum(['take', 'assign', 'dispatch', 'save', 'hold', 'request_info', 'resolve'], { error: 'Action inconnue.' }),
  version: z.coerce.number({ error: 'Formulaire incomplet : rechargez la page.' }).int().positive(),
  private_entry: optionalText({ label: 'Journal intervenant', max: MESSAGE_MAX }),
  public_entry: optionalText({ label: 'Journal demandeur', max: MESSAGE_MAX }),
  solution: optionalText({ label: 'Solution', max: MESSAGE_MAX }),
  assignee_id: optionalId,
  team_id: optionalId,
  impact: z.enum(IMPACTS, { error: 'Choisissez l’impact.' }).optional(),
  urgency: z.enum(URGENCIES, { error: 'Choisissez l’urgence.' }).optional(),
  files_public: z.preprocess((v) => v === 'on' || v === '1' || v === 'true', z.boolean()).default(false),
});
export type ConsoleActionInput = z.infer<typeof ConsoleActionSchema>;
