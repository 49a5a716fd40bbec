/**
 * Contact details must never leave the analysis, including inside quoted evidence lines, so
 * every line is passed through here before it is stored in a result.
 */

// Starts only where a run of address characters starts, and bounded as RFC 5321 bounds the parts,
// so a long run of letters costs one scan instead of one scan per letter.
const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}.-]{1,253}\.\p{L}{2,24}/gu;
const URL_OR_PROFILE = /\b(?:https?:\/\/|www\.)\S+|\b(?:linkedin\.com|github\.com|gitlab\.com|twitter\.com|x\.com)\/\S*/giu;
// Digit groups with the separators phone numbers use; judged afterwards so years, date ranges
// ("2018-2021", "03/2020 - 05/2022") and amounts never qualify.
const PHONE_CANDIDATE = /(?<![\d/.,])(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,6}(?:[\s.-]\d{2,6}){1,5}(?![\d/])/g;
const YEAR_GROUP = /^(?:19|20)\d\d$/;
// Capitalised on purpose: "12 Baker Street" is an address, "3 dashboards way" is a sentence.
const STREET_SUFFIX =
  '(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Close|Way|Place|Pl|Terrace|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Row|Mews|Gardens)';
const STREET_ADDRESS = new RegExp(
  `\\b\\d{1,5}[A-Za-z]?,?\\s+(?:[A-Z][\\p{L}'-]*\\s+){1,4}${STREET_SUFFIX}\\b\\.?(?:,?\\s*(?:Apt|Apartment|Suite|Unit|Flat)\\.?\\s*#?\\w+)?(?:,\\s*[^,|·•\\t]+){0,3}`,
  'gu',
);
const UK_POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/g;
const US_STATE_ZIP = /\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b/g;

export function redactContactDetails(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(URL_OR_PROFILE, '[link]')
    .replace(STREET_ADDRESS, '[address]')
    .replace(US_STATE_ZIP, '[address]')
    .replace(UK_POSTCODE, '[address]')
    .replace(PHONE_CANDIDATE, (match) => (looksLikePhoneNumber(match) ? '[phone]' : match))
    .replace(/(\[(?:address|phone|email|link)\])(?:[\s,]*\1)+/g, '$1');
}

function looksLikePhoneNumber(candidate: string): boolean {
  const groups = candidate.match(/\d+/g) ?? [];
  const digits = groups.reduce((sum, group) => sum + group.length, 0);
  if (digits < 9 || digits > 15) return false;
  return groups.filter((group) => YEAR_GROUP.test(group)).length < 2;
}
