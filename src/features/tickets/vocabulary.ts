// The words of the tutorials, in one place: codes stored in the database, labels shown to users.

export const STATUSES = ['nouvelle', 'affectee', 'reaffectee', 'assignee', 'en_attente', 'a_completer', 'resolue', 'fermee'] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<Status, string> = {
  nouvelle: 'Nouvelle',
  affectee: 'Affectée',
  reaffectee: 'Réaffectée',
  assignee: 'Assignée',
  en_attente: 'En attente',
  a_completer: 'À compléter',
  resolue: 'Résolue',
  fermee: 'Fermée',
};

/** The requester's dashboard groups (SPEC §7 and §8). */
export const OPEN_STATUSES: Status[] = ['nouvelle', 'affectee', 'reaffectee', 'assignee'];
export const WAITING_STATUSES: Status[] = ['en_attente', 'a_completer'];
export const IN_PROGRESS_STATUSES: Status[] = [...OPEN_STATUSES, ...WAITING_STATUSES];
export const DONE_STATUSES: Status[] = ['resolue', 'fermee'];

export const KINDS = ['incident', 'request'] as const;
export type Kind = (typeof KINDS)[number];
export const KIND_LABELS: Record<Kind, string> = { incident: 'Incident', request: 'Demande' };

export const VISIBILITIES = ['self', 'managers'] as const;
export type Visibility = (typeof VISIBILITIES)[number];
export const VISIBILITY_LABELS: Record<Visibility, string> = { self: 'Moi-même', managers: 'Responsables' };

export const IMPACTS = ['personne', 'plusieurs', 'etablissement'] as const;
export type Impact = (typeof IMPACTS)[number];
export const IMPACT_LABELS: Record<Impact, string> = {
  personne: 'Une personne',
  plusieurs: 'Plusieurs personnes',
  etablissement: 'Un établissement ou un service',
};

export const URGENCIES = ['basse', 'moyenne', 'haute', 'critique'] as const;
export type Urgency = (typeof URGENCIES)[number];
export const URGENCY_LABELS: Record<Urgency, string> = { basse: 'Basse', moyenne: 'Moyenne', haute: 'Haute', critique: 'Critique' };

/** Priorities are stored as ranks so that sorting by priority is sorting by number. */
export const PRIORITIES = [1, 2, 3, 4] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRIORITY_LABELS: Record<Priority, string> = { 1: 'Critique', 2: 'Haute', 3: 'Normale', 4: 'Basse' };

export type PriorityMatrix = Record<Impact, Record<Urgency, Priority>>;

/** iTop's default matrix (SPEC "Priority"): "Une personne / Moyenne" gives "Normale". */
export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = {
  etablissement: { critique: 1, haute: 1, moyenne: 2, basse: 4 },
  plusieurs: { critique: 1, haute: 2, moyenne: 3, basse: 4 },
  personne: { critique: 2, haute: 3, moyenne: 3, basse: 4 },
};

export function computePriority(matrix: PriorityMatrix, impact: Impact, urgency: Urgency): Priority {
  return matrix[impact][urgency];
}

export const ESTABLISHMENT_TYPES = ['ecole', 'college', 'lycee', 'service'] as const;
export type EstablishmentType = (typeof ESTABLISHMENT_TYPES)[number];
export const ESTABLISHMENT_TYPE_LABELS: Record<EstablishmentType, string> = {
  ecole: 'École',
  college: 'Collège',
  lycee: 'Lycée',
  service: 'Service académique',
};

export const ROLES = ['responsable', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** "R-" and six digits or more (R-001678), written by the database from the never-reused id. */
export const REF_PATTERN = /^R-\d{6,}$/;
