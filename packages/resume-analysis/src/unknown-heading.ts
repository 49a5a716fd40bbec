import { isLocation } from './locations';
import { findSkillMentions } from './skill-matcher';

/**
 * Whether an all-caps line that names no known section is still a heading. Designed resumes print
 * employers, skills and places in capitals too ("IBM", "HTML", "AWS", "LONDON"): taken as headings,
 * they cut a role off from its own lines. A short word (an acronym), a skill's name or a place is
 * not a heading; two or more longer words ("SELECTED PUBLICATIONS") still are.
 */
export function capsLineIsHeading(text: string): boolean {
  const bare = text.replace(/(?<![:\s])[:\s]+$/, '').trim();
  const words = bare.split(/\s+/).filter(Boolean);
  if (words.length === 1 && (words[0]?.length ?? 0) <= 5) return false;
  if (isLocation(bare)) return false;
  const letters = bare.replace(/[^\p{L}]/gu, '').length;
  const named = findSkillMentions([{ text: bare, listContext: true }]).reduce(
    (total, mention) => total + mention.matchedText.replace(/[^\p{L}]/gu, '').length,
    0,
  );
  return named < letters * 0.6;
}
