import type { ChildProcess } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';
import type { ServiceName } from './stack';

const COLOURS: Record<ServiceName, number> = { gateway: 36, auth: 35, records: 32, qa: 33, 'qa-worker': 34 };
const WIDTH = Math.max(...Object.keys(COLOURS).map((name) => name.length));

/** A service's name as the left column of its lines, in its own colour when the terminal has colours. */
export function prefix(name: ServiceName, colour = process.stdout.isTTY): string {
  const label = name.padEnd(WIDTH);
  return colour ? `\u001b[${COLOURS[name]}m${label}\u001b[0m │ ` : `${label} │ `;
}

/**
 * For `npm run dev`: each line a service writes goes to its log file as it is (pino JSON) and to
 * the terminal pretty-printed, prefixed with the service's name. Lines that are not JSON (a stack
 * trace, a configuration error) are passed on unchanged.
 */
export function prettyOutput(name: ServiceName, write: (text: string) => void = (text) => process.stdout.write(text)) {
  const colour = process.stdout.isTTY;
  const pretty = prettyFactory({ colorize: colour, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l', singleLine: true });
  const label = prefix(name, colour);
  return (child: ChildProcess, logFd: number) => {
    let open = 2;
    const finished = () => {
      if (--open === 0) closeSync(logFd);
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) {
        finished();
        continue;
      }
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => {
        writeSync(logFd, `${line}\n`);
        const shown = line.startsWith('{') ? pretty(line) : `${line}\n`;
        write(
          shown
            .replace(/\n$/, '')
            .split('\n')
            .map((text) => `${label}${text}\n`)
            .join(''),
        );
      });
      lines.once('close', finished);
    }
  };
}
