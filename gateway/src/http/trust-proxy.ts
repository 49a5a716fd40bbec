import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const MAX_HOPS = 10;

/**
 * TRUST_PROXY: how many proxies in front of the gateway to believe (a hop count; 0 believes none),
 * or the addresses/CIDRs of those proxies, comma-separated. `true` (believe any X-Forwarded-For)
 * is refused: it lets every client pick the address the per-address limits count.
 */
export const trustProxySetting = z
  .string()
  .default('0')
  .transform((value, ctx): number | string[] => {
    const text = value.trim();
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= MAX_HOPS) return hops;
      ctx.addIssue({ code: 'custom', message: `a hop count must be 0-${MAX_HOPS}` });
      return z.NEVER;
    }
    const entries = text
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const bad = entries.filter((entry) => !isAddressOrCidr(entry));
    if (entries.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a hop count (0-${MAX_HOPS}) or a comma-separated list of proxy addresses or CIDRs${bad.length ? `; not an address or CIDR: ${bad.slice(0, 3).join(', ')}` : ''}`,
      });
      return z.NEVER;
    }
    return entries;
  });

function isAddressOrCidr(entry: string): boolean {
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return true;
    } catch {
      return false;
    }
  }
  return ipaddr.isValid(entry);
}
