import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

// A small HTTP/1.1 load generator for latency with microsecond resolution (autocannon reports
// whole milliseconds, which says nothing about a p99/p50 ratio at a p50 of 1 ms). One GET,
// built once, over raw keep-alive sockets; a response is read just far enough to find its end.

export interface LoadTarget {
  url: string;
  headers?: Record<string, string>;
}

export interface LatencyFigures {
  requests: number;
  /** Answers other than 2xx, and connection errors. */
  bad: number;
  /** Requests per second actually completed. */
  rps: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  /** Open loop only: how late the generator itself sent, against the schedule (p50 and p99). */
  sendLagP50Us?: number;
  sendLagP99Us?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function figures(latencies: number[], bad: number, seconds: number, lags?: number[]): LatencyFigures {
  const sorted = Float64Array.from(latencies).sort();
  const lagSorted = lags ? Float64Array.from(lags).sort() : undefined;
  return {
    requests: latencies.length,
    bad,
    rps: latencies.length / seconds,
    p50Us: percentile(sorted, 50),
    p90Us: percentile(sorted, 90),
    p99Us: percentile(sorted, 99),
    p999Us: percentile(sorted, 99.9),
    maxUs: sorted.length ? sorted[sorted.length - 1]! : NaN,
    ...(lagSorted ? { sendLagP50Us: percentile(lagSorted, 50), sendLagP99Us: percentile(lagSorted, 99) } : {}),
  };
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

/** One keep-alive connection that has at most one request in flight. */
class Connection {
  private readonly socket: Socket;
  private buffered: Buffer | undefined;
  private done: ((status: number) => void) | undefined;
  readonly opened: Promise<void>;

  constructor(
    url: URL,
    private readonly request: Buffer,
  ) {
    this.socket = connect(Number(url.port), url.hostname);
    this.socket.setNoDelay(true);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => this.finish(0));
    this.socket.on('close', () => this.finish(0));
  }

  send(done: (status: number) => void) {
    this.done = done;
    this.socket.write(this.request);
  }

  close() {
    this.socket.destroy();
  }

  private finish(status: number) {
    const done = this.done;
    this.done = undefined;
    done?.(status);
  }

  private read(chunk: Buffer) {
    const data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const headEnd = data.indexOf(CRLFCRLF);
    if (headEnd === -1) {
      this.buffered = data;
      return;
    }
    const head = data.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    let end: number;
    if (length) end = headEnd + 4 + Number(length[1]);
    else if (/\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) {
      const last = data.indexOf(LAST_CHUNK, headEnd + 2);
      end = last === -1 ? Infinity : last + LAST_CHUNK.length;
    } else end = headEnd + 4;
    if (data.length < end) {
      this.buffered = data;
      return;
    }
    this.buffered = data.length > end ? data.subarray(end) : undefined;
    this.finish(Number(head.slice(9, 12)));
  }
}

function requestBytes(target: LoadTarget): { url: URL; bytes: Buffer } {
  const url = new URL(target.url);
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    ...Object.entries(target.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  return { url, bytes: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1') };
}

const nowNs = () => process.hrtime.bigint();

/**
 * Closed loop at saturation: each connection sends its next request as soon as the last one is
 * answered, so the latency is mostly queueing behind the other connections (Little's law:
 * about connections / throughput). Latency from send to the end of the answer.
 */
export async function closedLoop(target: LoadTarget, connections: number, seconds: number): Promise<LatencyFigures> {
  const { url, bytes } = requestBytes(target);
  const pool = Array.from({ length: connections }, () => new Connection(url, bytes));
  await Promise.all(pool.map((c) => c.opened));
  const latencies: number[] = [];
  let bad = 0;
  const started = nowNs();
  const stopAt = started + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    pool.map(
      (connection) =>
        new Promise<void>((resolve) => {
          const next = () => {
            const sent = nowNs();
            connection.send((status) => {
              const now = nowNs();
              latencies.push(Number(now - sent) / 1000);
              if (status < 200 || status > 299) bad += 1;
              if (status === 0 || now >= stopAt) resolve();
              else next();
            });
          };
          next();
        }),
    ),
  );
  const elapsed = Number(nowNs() - started) / 1e9;
  for (const c of pool) c.close();
  return figures(latencies, bad, elapsed);
}

// Wakes the main thread on a fixed period with sub-millisecond precision: the main loop's own
// timers have a 1 ms granularity, which at thousands of requests per second would send them in
// bursts. The worker sleeps in Atomics.wait, so it costs almost no CPU.
const TICKER = `
const { parentPort, workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
while (Atomics.load(flag, 0) === 0) {
  Atomics.wait(flag, 0, 0, workerData.periodMs);
  parentPort.postMessage(0);
}
`;

/**
 * Open loop at a fixed rate: request i is due at start + i / rate whether or not earlier ones
 * were answered, and its latency is counted from that due time, not from when it went out. A
 * stall (in the gateway, or in the generator) therefore shows up in every request it delays,
 * instead of silently lowering the rate (coordinated omission). Connections are added, up to
 * `maxConnections`, when every open one is busy.
 */
export async function openLoop(target: LoadTarget, rate: number, seconds: number, maxConnections = 256): Promise<LatencyFigures> {
  const { url, bytes } = requestBytes(target);
  const initial = Math.min(maxConnections, Math.max(8, Math.ceil(rate / 1000)));
  const idle = Array.from({ length: initial }, () => new Connection(url, bytes));
  await Promise.all(idle.map((c) => c.opened));
  const all = [...idle];
  const total = Math.round(rate * seconds);
  const intervalNs = 1e9 / rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  let bad = 0;
  let sent = 0;
  let answered = 0;
  let opening = 0;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const periodMs = Math.min(1, Math.max(0.1, 1000 / rate));
  const ticker = new Worker(TICKER, { eval: true, workerData: { flag: flag.buffer, periodMs } });
  const started = nowNs();

  let finished!: () => void;
  const allAnswered = new Promise<void>((resolve) => (finished = resolve));

  const dispatch = () => {
    const now = nowNs();
    while (sent < total) {
      const due = started + BigInt(Math.round(sent * intervalNs));
      if (due > now) break;
      const connection = idle.pop();
      if (!connection) {
        if (all.length + opening < maxConnections) {
          opening += 1;
          const added = new Connection(url, bytes);
          added.opened.then(
            () => {
              opening -= 1;
              all.push(added);
              idle.push(added);
              dispatch();
            },
            () => (opening -= 1),
          );
        }
        break;
      }
      sent += 1;
      lags.push(Number(now - due) / 1000);
      connection.send((status) => {
        latencies.push(Number(nowNs() - due) / 1000);
        if (status < 200 || status > 299) bad += 1;
        answered += 1;
        if (status !== 0) idle.push(connection);
        if (answered === total) finished();
        else dispatch();
      });
    }
  };
  ticker.on('message', dispatch);
  dispatch();
  await allAnswered;
  const elapsed = Number(nowNs() - started) / 1e9;
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  await ticker.terminate();
  for (const c of all) c.close();
  return figures(latencies, bad, elapsed, lags);
}
