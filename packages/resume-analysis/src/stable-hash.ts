/**
 * FNV-1a, 32-bit. Used wherever the analysis has to "pick one of several" (templates, phrasing)
 * so the same inputs always give the same output without a random seed.
 */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
