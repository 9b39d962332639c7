import os from 'node:os';
import { hash, verify } from '@node-rs/argon2';

// Argon2id with the library's defaults (19 MiB, 2 passes): slow on purpose. Hashing runs on the
// same thread pool as SQLite's queries, so a storm of logins could starve every page: at most
// one hashing per spare core runs at once, the others wait their turn.
const MAX_CONCURRENT = Math.max(1, os.availableParallelism() - 1);
let running = 0;
const waiting: Array<() => void> = [];

async function throttled<T>(work: () => Promise<T>): Promise<T> {
  // A released slot passes straight to the next in line, so no newcomer can jump the queue.
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export function hashPassword(plain: string): Promise<string> {
  return throttled(() => hash(plain));
}

export async function verifyPassword(hashed: string, plain: string): Promise<boolean> {
  try {
    return await throttled(() => verify(hashed, plain));
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
