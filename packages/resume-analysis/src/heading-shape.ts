/**
 * Whether a line is shaped like a section heading, and its normalised wording. Resumes and job
 * descriptions have different heading vocabularies, so each parser maps the wording itself.
 */

export interface HeadingShape {
  /** Lower case, "&" as "and", letters and spaces only: "Licenses & Certifications" → "licenses and certifications". */
  key: string;
  /** Written in capitals ("WORK EXPERIENCE"), which is a heading even when the wording is unknown. */
  allCaps: boolean;
  /** Ends with a colon ("Requirements:"). */
  colon: boolean;
}

const BULLET = /^[•▪◦●\-–*·#]+\s*/;

export function headingShape(text: string): HeadingShape | null {
  const trimmed = text.replace(BULLET, '').trim();
  const colon = /:\s*$/.test(trimmed);
  // The look-behind starts the match only at the start of the trailing run: one scan, not one per character.
  const bare = trimmed.replace(/(?<![:\s])[:\s]+$/, '');
  if (bare === '' || bare.length > 48 || /\d/.test(bare) || /[.,;!?]$/.test(bare)) return null;
  // "Education)" closes a parenthesis opened on the line above: the end of wrapped text, not a heading.
  if ((bare.match(/\)/g)?.length ?? 0) > (bare.match(/\(/g)?.length ?? 0)) return null;
  // A heading starts with a capital; a lower-case line is text wrapped from the line above.
  if (!/^\p{Lu}/u.test(bare)) return null;
  const words = bare.split(/\s+/);
  if (words.length > 6) return null;
  const letters = bare.replace(/[^\p{L}]/gu, '');
  const allCaps = letters.length >= 3 && letters === letters.toUpperCase();
  const key = bare
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[’']/g, '')
    .replace(/[^\p{L} ]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return key === '' ? null : { key, allCaps, colon };
}

export function isBulletLine(text: string): boolean {
  return /^[•▪◦●\-–*·]\s*/.test(text.trim());
}

export function stripBullet(text: string): string {
  return text.trim().replace(/^[•▪◦●\-–*·]+\s*/, '');
}
