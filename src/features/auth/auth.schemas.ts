import { z } from 'zod';
import { PASSWORD_MIN } from './password-reset.service.js';

export const NewPasswordSchema = z
  .object({
    password: z.string({ error: 'Choisissez un mot de passe.' }).min(PASSWORD_MIN, { error: `Le mot de passe doit faire au moins ${PASSWORD_MIN} caractères.` }).max(200, { error: 'Le mot de passe doit faire au plus 200 caractères.' }),
    confirmation: z.string({ error: 'Confirmez le mot de passe.' }),
  })
  .refine((v) => v.password === v.confirmation, { path: ['confirmation'], message: 'Les deux mots de passe ne sont pas identiques.' });
