import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: the unit of /proc/<pid>/stat times; 100 on every mainstream Linux.
const CLOCK_TICKS = 100;

/**
 * CPU time (user + system, every thread) a process has used, in milliseconds, from /proc (Linux);
 * NaN elsewhere or when the process is gone. On a shared machine this moves less with the
 * neighbours' load than requests per second do.
 */
export function cpuMillis(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

const SERVER_COMMANDS: Array<[name: string, pattern: RegExp]> = [
  ['mongodb', /(^|\/)(ferretdb|mongod)\s/],
  ['redis', /(^|\/)redis-server\s/],
  ['rabbitmq', /(^|\/)beam\.smp\s.*rabbit/],
];

/**
 * The pids of the infrastructure servers running on this machine (FerretDB or mongod, redis-server,
 * RabbitMQ's Erlang VM), by command line; on a machine running other copies they are counted too.
 */
export function serverPids(): Record<string, number[]> {
  const found: Record<string, number[]> = {};
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    const match = SERVER_COMMANDS.find(([, pattern]) => pattern.test(command));
    if (match) (found[match[0]] ??= []).push(Number(entry));
  }
  return found;
}

/** CPU milliseconds used so far by each group of processes. */
export function groupCpu(groups: Record<string, Array<number | undefined>>): Record<string, number> {
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.reduce<number>((sum, pid) => sum + (cpuMillis(pid) || 0), 0)]));
}
