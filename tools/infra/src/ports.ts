import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** Whether something accepts TCP connections on host:port (127.0.0.1 unless named) within `timeoutMs`. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port nothing listens on right now (the OS picks it). */
function osAssignedPort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}

/** Whether a server can listen on 127.0.0.1:port right now. */
export function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

// Above the kernel's default ephemeral range (32768-60999), where no outgoing connection's port
// lands, each test worker draws from a band of its own: test files running side by side never pick
// the same port, and a port picked is not taken by a connection before its service binds it.
const TEST_PORTS_FROM = 61_000;
const TEST_BAND = 500;
const handedOut = new Set<number>();

/** A port free now for a local service: the OS's pick, or under jest a port of the worker's band. */
export async function freePort(): Promise<number> {
  const worker = Number(process.env.JEST_WORKER_ID);
  if (Number.isInteger(worker) && worker >= 1 && worker <= 9) {
    if (handedOut.size > TEST_BAND * 0.8) handedOut.clear();
    const first = TEST_PORTS_FROM + (worker - 1) * TEST_BAND;
    for (let attempt = 0; attempt < TEST_BAND; attempt++) {
      const port = first + Math.floor(Math.random() * TEST_BAND);
      if (handedOut.has(port) || !(await canListen(port))) continue;
      handedOut.add(port);
      return port;
    }
  }
  return osAssignedPort();
}

export async function waitForPort(port: number, what: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before listening`);
    if (await isListening(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
}
