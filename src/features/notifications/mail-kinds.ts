// Every kind of mail Guichet sends, who receives it, and whether the receiver may turn it off.
// Mails that ask the receiver to act cannot be turned off.

export const MAIL_KINDS = {
  ticket_created: { audience: 'requester', optional: true, label: 'Confirmation de création de mes tickets' },
  public_entry: { audience: 'requester', optional: true, label: 'Nouveau message de l’assistance sur mes tickets' },
  info_requested: { audience: 'requester', optional: false, label: 'Demande de complément (vous devez répondre)' },
  resolved: { audience: 'requester', optional: false, label: 'Ticket résolu (vous devez accepter ou refuser)' },
  auto_close_reminder: { audience: 'requester', optional: false, label: 'Rappel avant fermeture automatique' },
  closed: { audience: 'requester', optional: true, label: 'Ticket fermé' },
  team_new_ticket: { audience: 'agent', optional: true, label: 'Nouveau ticket pour mon équipe' },
  assigned: { audience: 'agent', optional: false, label: 'Ticket qui m’est assigné' },
  requester_answered: { audience: 'agent', optional: false, label: 'Réponse du demandeur à ma demande de complément' },
  requester_updated: { audience: 'agent', optional: true, label: 'Mise à jour d’un de mes tickets par le demandeur' },
  resolution_refused: { audience: 'agent', optional: false, label: 'Résolution refusée par le demandeur' },
  sla_warning: { audience: 'agent', optional: false, label: 'Ticket à 75 % de son délai (prise en charge ou résolution)' },
  sla_breach: { audience: 'agent', optional: false, label: 'Ticket en retard sur son délai (prise en charge ou résolution)' },
  password_reset: { audience: 'account', optional: false, label: 'Réinitialisation du mot de passe' },
  mail_refused: { audience: 'account', optional: false, label: 'Courriel reçu par l’assistance et non repris' },
} as const;

export type MailKind = keyof typeof MAIL_KINDS;
export const OPTIONAL_KINDS = (Object.keys(MAIL_KINDS) as MailKind[]).filter((k) => MAIL_KINDS[k].optional);
