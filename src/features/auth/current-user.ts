import type { EstablishmentType, Role } from '../tickets/vocabulary.js';

export interface UserEstablishment {
  id: number;
  rne: string;
  name: string;
  type: EstablishmentType;
  city: string;
  /** Does the user head it (a responsable sees its shared tickets)? */
  responsible: boolean;
}

/** The signed-in user as every request sees it. */
export interface CurrentUser {
  id: number;
  identifiant: string;
  firstName: string;
  lastName: string;
  fullName: string;
  email: string;
  phone: string;
  title: string;
  roles: Role[];
  /** local: a Guichet password; directory: the academy's identity (no password here). */
  source: 'local' | 'directory';
  /** Main establishment first. */
  establishments: UserEstablishment[];
  teamIds: number[];
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport's req.user is our CurrentUser
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends CurrentUser {}
  }
}
