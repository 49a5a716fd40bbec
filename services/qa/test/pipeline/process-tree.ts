import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of a process and all its descendants (threads included), in bytes, read from /proc. */
export function treeResidentBytes(root = process.pid): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses; the fields after its closing one are plain.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while the table was read.
    }
  }
  let total = 0;
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    try {
      const match = /^VmRSS:\s+([0-9]+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += match ? Number(match[1]) * 1024 : 0;
    } catch {
      // Gone already.
    }
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Samples the tree's resident memory every `everyMs` until `until` settles: the highest reading, in bytes. */
export async function peakTreeResident(until: Promise<unknown>, everyMs = 25, root = process.pid): Promise<number> {
  let peak = treeResidentBytes(root);
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    peak = Math.max(peak, treeResidentBytes(root));
  }
  return peak;
}
