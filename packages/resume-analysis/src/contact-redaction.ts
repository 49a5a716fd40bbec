import type { DocumentLine } from './document-lines';

/**
 * Contact details and identifiers must never leave the analysis, including inside quoted evidence
 * lines. `redactDocumentLines` runs on a document's lines before anything is parsed, and sees across
 * line ends (a PDF wraps an e-mail address or a phone number like any other word); the parsers run
 * `redactContactDetails` again on the joined lines they quote, so what a report shows is what was
 * checked. The set of kinds and the look-alikes left alone are listed in docs/qa-privacy.md.
 */

interface Detector {
  label: string;
  pattern: RegExp;
  /** A second look at a candidate the pattern alone cannot judge (checksums, look-alikes). */
  accept?: (match: string) => boolean;
}

// An `@`, or `(at)` / `[at]` / `{at}` written to dodge address harvesters; likewise for the dots.
const AT = String.raw`(?:@|\s?[([{]\s?at\s?[)\]}]\s?)`;
const DOT = String.raw`(?:\.|\s?[([{]\s?dot\s?[)\]}]\s?)`;
// Starts only where a run of address characters starts, and bounded as RFC 5321 bounds the parts,
// so a long run of letters costs one scan instead of one scan per letter.
const EMAIL = new RegExp(
  String.raw`(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}${AT}[\p{L}\p{N}-]{1,63}(?:${DOT}[\p{L}\p{N}-]{1,63}){0,6}${DOT}\p{L}{2,24}(?![\p{L}\p{N}])`,
  'giu',
);
const URL_OR_PROFILE = /\b(?:https?:\/\/|www\.)\S+|\b(?:linkedin\.com|github\.com|gitlab\.com|twitter\.com|x\.com)\/\S*/giu;

// 13 to 19 digits, optionally in groups: judged by the Luhn check, which one random number in ten passes.
const CARD_CANDIDATE = /(?<![\p{N}.,+])\d(?:[ -]?\d){12,18}(?![\p{N}]|[.,]\d)/gu;

// National identifiers in their usual written forms (see docs/qa-privacy.md for the set).
const US_SSN = /(?<![\p{N}-])(?!000|666|9\d\d)\d{3}(?:-(?!00)\d{2}-|\s(?!00)\d{2}\s)(?!0000)\d{4}(?![\p{N}-])/gu;
// The two prefix letters exclude D, F, I, Q, U, V (and O second), and the pairs never issued.
const UK_NINO = /\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b/g;
const IN_AADHAAR = /(?<![\p{N}-])[2-9]\d{3}[\s-]?\d{4}[\s-]?\d{4}(?![\p{N}-])/gu;
// Fourth letter: the holder type (P person, C company, H Hindu undivided family, F firm, …).
const IN_PAN = /\b[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]\b/g;

// `tel:` links: a URI has no spaces, so nothing after the number is taken with it.
const TEL_URI = /\btel:\+?[\d().-]{6,24}\d/giu;
// Digit groups with the separators phone numbers use; judged afterwards so years, date ranges
// ("2018-2021", "03/2020 - 05/2022") and amounts never qualify.
const PHONE_CANDIDATE = /(?<![\d/.,])(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,6}(?:[\s.-]\d{2,6}){1,5}(?![\d/])/g;
// One unbroken run (`9840012345`, `+919840012345`): not after a currency sign, a decimal point or a
// letter (an order or version number), not before a percent sign, a decimal part or a unit.
const PHONE_UNBROKEN = /(?<![\p{L}\p{N}\p{Sc}.,/#_])\+?\d{9,15}(?![\p{N}%]|[.,]\d|\s?(?:[kKmMbB]|bn|mn)\b)/gu;
const YEAR_GROUP = /^(?:19|20)\d\d$/;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const ZIP_PLUS_FOUR = /^\d{5}-\d{4}$/;

// Capitalised on purpose: "12 Baker Street" is an address, "3 dashboards way" is a sentence.
const STREET_SUFFIX =
  '(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Close|Way|Place|Pl|Terrace|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Row|Mews|Gardens)';
const STREET_ADDRESS = new RegExp(
  `\\b\\d{1,5}[A-Za-z]?,?\\s+(?:[A-Z][\\p{L}'-]*\\s+){1,4}${STREET_SUFFIX}\\b\\.?(?:,?\\s*(?:Apt|Apartment|Suite|Unit|Flat)\\.?\\s*#?\\w+)?(?:,\\s*[^,|·•\\t]+){0,3}`,
  'gu',
);
const UK_POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/g;
const US_STATE_ZIP = /\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b/g;
const REPEATED_LABEL = /(\[(?:address|phone|email|link|card|id)\])(?:[\s,;·|]*\1)+/g;

// In this order: an address holds digits a phone rule would take, a card holds digits in phone-like groups.
const DETECTORS: readonly Detector[] = [
  { label: '[email]', pattern: EMAIL },
  { label: '[link]', pattern: URL_OR_PROFILE },
  { label: '[phone]', pattern: TEL_URI },
  { label: '[card]', pattern: CARD_CANDIDATE, accept: looksLikeCardNumber },
  { label: '[id]', pattern: US_SSN },
  { label: '[id]', pattern: UK_NINO },
  { label: '[id]', pattern: IN_AADHAAR, accept: (match) => !allYears(match) && passesVerhoeff(match) },
  { label: '[id]', pattern: IN_PAN },
  { label: '[address]', pattern: STREET_ADDRESS },
  { label: '[address]', pattern: US_STATE_ZIP },
  { label: '[address]', pattern: UK_POSTCODE },
  { label: '[phone]', pattern: PHONE_CANDIDATE, accept: looksLikePhoneNumber },
  { label: '[phone]', pattern: PHONE_UNBROKEN, accept: looksLikeUnbrokenPhoneNumber },
];

// Kinds that a line end can split; an address split over lines leaves a street or a postcode on each.
const SPLITTABLE = DETECTORS.filter((d) => d.label !== '[address]' && d.label !== '[link]');
// Only an e-mail address is read joined without a space: two lines of digits joined so would make a phone number.
const SPLITTABLE_UNSPACED = SPLITTABLE.filter((d) => d.label === '[email]');

export function redactContactDetails(text: string): string {
  let redacted = text;
  for (const { label, pattern, accept } of DETECTORS) {
    redacted = redacted.replace(pattern, (match) => (accept && !accept(match) ? match : label));
  }
  return redacted.replace(REPEATED_LABEL, '$1');
}

const PHONE_CUE = /\b(?:tel|telephone|phone|mobile|mob|cell|ph|whatsapp)\.?:?\s?$/i;
// How much of each side of a line end is looked at: more than the longest detail found across one.
const SEAM_CHARS = 120;

/**
 * Redacts a document's lines, including details split across the end of a line: the end of each
 * line and the start of the next are read together, joined as a wrapped line is joined (with a
 * space; for an e-mail address, broken anywhere, also with nothing), and a detail found across the
 * join is removed from both lines.
 */
export function redactDocumentLines<L extends DocumentLine>(lines: readonly L[]): L[] {
  const cuts: Array<{ from: number; to: number; label: string }[]> = lines.map(() => []);
  for (let index = 0; index + 1 < lines.length; index += 1) {
    const first = lines[index]!;
    const next = lines[index + 1]!;
    if (first.page !== next.page) continue;
    for (const cut of cutsAcrossLineEnd(first.text, next.text)) {
      cuts[index]!.push({ from: first.text.length - cut.before, to: first.text.length, label: cut.label });
      cuts[index + 1]!.push({ from: 0, to: cut.after, label: cut.label });
    }
  }
  return lines.map((line, index) => ({ ...line, text: redactContactDetails(applyCuts(line.text, cuts[index]!)) }));
}

/** Details found where `first` ends and `next` begins: how many characters of each they take. */
function cutsAcrossLineEnd(first: string, next: string): { before: number; after: number; label: string }[] {
  const tail = first.slice(-SEAM_CHARS);
  const head = next.slice(0, SEAM_CHARS);
  const found: { before: number; after: number; label: string }[] = [];
  for (const [glue, detectors] of [
    [' ', SPLITTABLE],
    ['', SPLITTABLE_UNSPACED],
  ] as const) {
    const joined = tail + glue + head;
    const seam = tail.length;
    for (const { label, pattern, accept } of detectors) {
      for (const match of joined.matchAll(pattern)) {
        const start = match.index;
        const end = start + match[0].length;
        if (start >= seam || end <= seam + glue.length) continue;
        if (accept && !accept(match[0])) continue;
        // Two numbers at the ends of two lines (a table, a list of figures) read like a phone number
        // once joined; a number that really is one says so before it is split.
        if (label === '[phone]' && !/^[+(]/.test(match[0]) && !PHONE_CUE.test(joined.slice(0, start))) continue;
        const before = seam - start;
        const after = end - seam - glue.length;
        // A detail complete on one side, merely extended by the other (a phone number followed by a
        // year on the next line, a name run into an address by a join without a space), stays that side's.
        // A line ending or starting in `-`, `.`, `_` or `@` is not a word's end: `jane.doe-` / `smith@example.com`
        // is one address even though its second half would pass for one alone.
        const brokenWord = glue === '' && (/[-._@]$/.test(tail) || /^[-._@]/.test(head));
        const ownBefore = tail.slice(tail.length - before);
        const ownAfter = head.slice(0, after);
        if (!brokenWord && (redactContactDetails(ownBefore) !== ownBefore || redactContactDetails(ownAfter) !== ownAfter)) continue;
        found.push({ before, after, label });
      }
    }
  }
  return found;
}

function applyCuts(text: string, cuts: readonly { from: number; to: number; label: string }[]): string {
  if (cuts.length === 0) return text;
  const sorted = [...cuts].sort((a, b) => a.from - b.from);
  let out = '';
  let at = 0;
  for (const cut of sorted) {
    if (cut.to <= at) continue;
    out += `${text.slice(at, Math.max(at, cut.from))}${cut.label}`;
    at = cut.to;
  }
  return out + text.slice(at);
}

function looksLikePhoneNumber(candidate: string): boolean {
  if (DOTTED_QUAD.test(candidate) || ZIP_PLUS_FOUR.test(candidate)) return false;
  const groups = candidate.match(/\d+/g) ?? [];
  const digits = groups.reduce((sum, group) => sum + group.length, 0);
  if (digits < 9 || digits > 15) return false;
  return groups.filter((group) => YEAR_GROUP.test(group)).length < 2;
}

// A plus sign says phone; without one, a run ending in zeros is an amount or a timestamp.
function looksLikeUnbrokenPhoneNumber(candidate: string): boolean {
  return candidate.startsWith('+') || !/0000$/.test(candidate);
}

// Written as one run or in the groups card issuers print (4-4-4-4, 4-6-5, …), never a list of years.
function looksLikeCardNumber(candidate: string): boolean {
  const groups = candidate.split(/[ -]/);
  const grouped = groups.length === 1 || groups.slice(0, -1).every((group, index) => group.length === 4 || (index === 1 && group.length === 6));
  return grouped && !allYears(candidate) && passesLuhn(candidate);
}

function allYears(candidate: string): boolean {
  const groups = candidate.split(/[\s-]+/);
  return groups.length > 1 && groups.every((group) => YEAR_GROUP.test(group));
}

function passesLuhn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0 && !/^(\d)\1+$/.test(digits);
}

// Aadhaar numbers carry a Verhoeff check digit.
const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

function passesVerhoeff(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  let check = 0;
  for (let i = 0; i < digits.length; i += 1) {
    check = VERHOEFF_D[check]![VERHOEFF_P[i % 8]![Number(digits[digits.length - 1 - i])]!]!;
  }
  return check === 0;
}
