import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane); the library's default algorithm is argon2id.
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

let dummyHash: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Checks a password against a stored hash. Without a stored hash (unknown user) it still runs
 * one argon2 verification against a throwaway hash, so a wrong username costs as long as a wrong password.
 */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (storedHash === undefined) {
    dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
    await verify(await dummyHash, password);
    return false;
  }
  return verify(storedHash, password);
}

/** Computes the throwaway hash ahead of the first login for an unknown user. */
export async function warmUpPasswordHashing(): Promise<void> {
  await verifyPassword(undefined, 'warm-up');
}
