/**
 * Contact details must never leave the analysis, including inside quoted evidence lines, so
 * every line is passed through here before it is stored in a result.
 */

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const URL_OR_PROFILE =
  /\b(?:https?:\/\/|www\.)\S+|\b(?:linkedin\.com|github\.com|gitlab\.com|twitter\.com|x\.com)\/\S*/giu;
// Digits with the separators phone numbers use; counted afterwards so years and date ranges
// ("2018-2021", "03/2020 - 05/2022") never qualify.
const PHONE_CANDIDATE = /(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,5}){1,5}/g;
const STREET_SUFFIX =
  '(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|court|ct|close|way|place|pl|terrace|crescent|square|sq|parkway|pkwy|highway|hwy|circle|cir)';
const STREET_ADDRESS = new RegExp(
  `\\b\\d{1,5}[a-z]?\\s+(?:[A-Z][\\p{L}'-]*\\s+){1,4}${STREET_SUFFIX}\\b\\.?(?:,?\\s*(?:apt|apartment|suite|unit|flat)\\.?\\s*#?\\w+)?(?:,\\s*[\\p{L} .'-]+){0,3}`,
  'giu',
);
const UK_POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/g;
const US_STATE_ZIP = /,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b/g;

export function redactContactDetails(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(URL_OR_PROFILE, '[link]')
    .replace(STREET_ADDRESS, '[address]')
    .replace(US_STATE_ZIP, ', [address]')
    .replace(UK_POSTCODE, '[address]')
    .replace(PHONE_CANDIDATE, (match) => (countDigits(match) >= 9 ? '[phone]' : match))
    .replace(/(\[(?:address|phone|email|link)\])(?:[\s,]*\1)+/g, '$1');
}

export function containsContactDetails(text: string): boolean {
  return redactContactDetails(text) !== text;
}

function countDigits(text: string): number {
  let count = 0;
  for (const ch of text) if (ch >= '0' && ch <= '9') count++;
  return count;
}
