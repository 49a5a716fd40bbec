import { z } from 'zod';

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const USERNAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export const usernameRule = z
  .string()
  .min(USERNAME_MIN, `must be at least ${USERNAME_MIN} characters`)
  .max(USERNAME_MAX, `must be at most ${USERNAME_MAX} characters`)
  .regex(USERNAME_PATTERN, 'may contain only letters, digits, _ . and -');

export const passwordRule = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

/** Usernames are unique regardless of case: "Ann" and "ann" are the same account. */
export function normaliseUsername(username: string): string {
  return username.toLowerCase();
}
