import { hash, verify } from '@node-rs/argon2';

// Argon2id with the library's defaults (19 MiB, 2 passes): slow on purpose.

export function hashPassword(plain: string): Promise<string> {
  return hash(plain);
}

export async function verifyPassword(hashed: string, plain: string): Promise<boolean> {
  try {
    return await verify(hashed, plain);
  } catch {
    return false;
  }
}

/** A hash to verify against when the identifiant is unknown, so both cases take the same time. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hash('guichet-decoy-password');
  return decoy;
}

/** A stored hash no password matches: such an account sets its password with "J'ai perdu mon mot de passe". */
export const NO_PASSWORD = '!reset-required';
