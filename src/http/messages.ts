// Every message a user may read from the server, in one place (French, as the UI).

export const messages = {
  notFound: "La page demandée n'existe pas ou vous n'y avez pas accès.",
  forbidden: "Vous n'avez pas les droits nécessaires pour cette action.",
  csrf: "Le formulaire a expiré ou n'est plus valide. Rechargez la page puis recommencez.",
  tooLarge: 'La requête est trop volumineuse.',
  badRequest: 'La requête est invalide.',
  serverError: "Une erreur inattendue s'est produite. L'équipe d'assistance a été prévenue ; réessayez dans un instant.",
  loginRequired: 'Connectez-vous pour continuer.',
  loginFailed: 'Identifiant ou mot de passe incorrect.',
  loginThrottled: 'Trop de tentatives de connexion. Patientez quelques minutes avant de réessayer.',
  loginLocked: (until: string) =>
    `Trop de tentatives de connexion avec cet identifiant : il est verrouillé jusqu'à ${until}. Réessayez ensuite, ou demandez à l'administrateur de le déverrouiller.`,
  unlocked: (identifiant: string) => `L'identifiant ${identifiant} est déverrouillé.`,
  notLocked: (identifiant: string) => `L'identifiant ${identifiant} n'était pas verrouillé.`,
  loggedOut: 'Vous êtes déconnecté.',
  mailRetry: 'Le courriel sera relu au prochain passage (dans moins d’une minute).',
  directoryUnavailable:
    "L'annuaire académique ne répond pas pour le moment : la connexion avec vos identifiants académiques est impossible. Réessayez dans quelques minutes ; si cela dure, prévenez l'assistance par téléphone.",
  gatewayUntrusted: "Cette demande d'identification ne vient pas du portail académique : elle est refusée.",
  gatewayIncomplete: "Le portail académique n'a pas transmis d'identifiant valable. Reconnectez-vous au portail.",
  identityProviderUnavailable:
    "Le service d'identification académique ne répond pas pour le moment. Réessayez dans quelques minutes ; si cela dure, prévenez l'assistance par téléphone.",
  oidcExpired: 'La connexion a expiré ou a été commencée ailleurs. Recommencez en cliquant sur « Se connecter avec mes identifiants académiques ».',
  oidcRefused: "Le service d'identification académique n'a pas confirmé votre identité. Recommencez la connexion.",
  accountDisabled: "Votre compte Guichet est désactivé. Adressez-vous à l'administrateur de l'assistance.",
  resetThrottled: 'Trop de demandes de réinitialisation. Patientez quelques minutes avant de réessayer.',
  passwordChanged: 'Votre mot de passe a été changé. Connectez-vous avec le nouveau mot de passe.',
  ticketCreated: (ref: string) => `Votre demande ${ref} a été créée. Vous pouvez la suivre dans « Tickets en cours ».`,
  ticketUpdated: 'Votre mise à jour a été ajoutée au ticket.',
  ticketAnswered: "Votre réponse a été transmise à l'agent en charge.",
  storageFull:
    "Votre saisie n'a pas pu être enregistrée : le serveur manque d'espace disque. Rien n'a été créé ni modifié ; votre texte est conservé ci-dessous. Réessayez dans quelques minutes, ou prévenez l'assistance par téléphone.",
  databaseUnavailable:
    "Votre saisie n'a pas pu être enregistrée : la base de données est momentanément injoignable. Rien n'a été créé ni modifié ; votre texte est conservé ci-dessous. Réessayez dans quelques minutes.",
  formInvalid: 'Le formulaire contient des erreurs. Corrigez les champs signalés.',
  upload: {
    tooBig: (limit: string) => `Chaque pièce jointe doit faire au plus ${limit}.`,
    tooMany: (n: number) => `Vous pouvez joindre au plus ${n} fichiers.`,
    badType: (name: string) =>
      `Le fichier « ${name} » n'est pas d'un type accepté (images PNG, JPEG, GIF, WebP ; PDF ; documents bureautiques ; texte).`,
    empty: (name: string) => `Le fichier « ${name} » est vide.`,
    generic: "Les pièces jointes n'ont pas pu être reçues.",
    diskFull: "Les pièces jointes n'ont pas pu être enregistrées : le serveur manque d'espace disque. Réessayez sans pièce jointe ou plus tard.",
  },
} as const;
