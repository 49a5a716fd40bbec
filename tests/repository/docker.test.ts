import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ROOT } from '@app/infra';

// No Docker engine is needed: these read the Dockerfile and the compose file as a builder would, and
// run the parts that can run without one (npm ci against the lockfile, the health check).

const SERVICES = ['gateway', 'auth', 'records', 'qa'] as const;
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
// Continuation lines joined, comments dropped: one instruction per entry.
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (line.startsWith('FROM ')) all.push([line]);
  else all.at(-1)?.push(line);
  return all;
}, []);
const serviceDir = (service: string) => (service === 'gateway' ? 'gateway' : `services/${service}`);
const run = promisify(execFile);
// What a build context holds, near enough: the checkout's files, tracked or not, without the ignored ones.
const contextFiles = () =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

interface ComposeService {
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
}

describe('the one Dockerfile', () => {
  it('is the only one in the repository', () => {
    expect(contextFiles().filter((path) => /(^|\/)Dockerfile[^/]*$/.test(path))).toEqual(['Dockerfile']);
  });

  it('takes the part as ARG SERVICE in every stage that uses it, and refuses any other name', () => {
    for (const stage of stages) {
      if (stage.some((line) => line.includes('${SERVICE}'))) expect(stage).toContain('ARG SERVICE');
    }
    const check = instructions.find((line) => line.startsWith('RUN case "${SERVICE}" in'));
    expect(check).toContain(`${SERVICES.join('|')})`);
    expect(check).toMatch(/\*\) .*exit 1/);
  });

  it('installs with npm ci and install scripts off, never npm install', () => {
    const npm = instructions.filter((line) => /\bnpm (ci|install|i)\b/.test(line));
    expect(npm.length).toBeGreaterThanOrEqual(2);
    for (const line of npm) {
      expect(line).toMatch(/\bnpm ci\b/);
      expect(line).toContain('--ignore-scripts');
    }
  });

  it('runs as a non-root user, with a health check, from the part built', () => {
    const last = stages.at(-1)!;
    expect(last.findIndex((line) => line.startsWith('USER '))).toBeGreaterThan(-1);
    expect(last.find((line) => line.startsWith('USER '))).not.toMatch(/USER (root|0)\b/);
    expect(last.findIndex((line) => line.startsWith('USER '))).toBeLessThan(last.findIndex((line) => line.startsWith('CMD ')));
    expect(last.find((line) => line.startsWith('HEALTHCHECK '))).toContain('infra/docker/healthcheck.js');
    expect(last.find((line) => line.startsWith('CMD '))).toBe('CMD ["node", "main.js"]');
  });

  it.each(SERVICES)('SERVICE=%s names a workspace with an entry point the build links as main.js', (service) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, serviceDir(service), 'package.json'), 'utf8')) as { name: string };
    expect(manifest.name).toBe(`@app/${service}`);
    expect(existsSync(join(ROOT, serviceDir(service), 'tsconfig.json'))).toBe(true);
    expect(existsSync(join(ROOT, serviceDir(service), 'src/main.ts'))).toBe(true);
    // The build stage copies gateway/ and services/ whole; the service must live under one of them.
    expect(instructions).toContain(`COPY ${serviceDir(service).split('/')[0]}/ ${serviceDir(service).split('/')[0]}/`);
  });

  it('the qa build compiles the analysis package the service depends on and ships its dist', () => {
    const qa = JSON.parse(readFileSync(join(ROOT, 'services/qa/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(qa.dependencies['@app/resume-analysis']).toBeDefined();
    const tsconfig = readFileSync(join(ROOT, 'services/qa/tsconfig.json'), 'utf8');
    expect(tsconfig).toContain('../../packages/resume-analysis');
    const build = stages.find((stage) => stage[0]!.includes(' AS build'))!;
    expect(build).toContain('COPY packages/resume-analysis/ packages/resume-analysis/');
    const out = build.find((line) => line.includes('/out/packages/resume-analysis'));
    expect(out).toContain('packages/resume-analysis/dist');
    expect(out).toContain('packages/resume-analysis/package.json');
  });

  it('its npm ci commands succeed against the lockfile for every part (dry run, manifests found as the Dockerfile finds them)', async () => {
    const context = mkdtempSync(join(tmpdir(), 'docker-manifests-'));
    try {
      // As the manifests stage: every package.json outside node_modules, dist and .data (.dockerignore), and the lockfile.
      const manifests = contextFiles().filter(
        (path) => /(^|\/)package\.json$/.test(path) && !/(^|\/)(node_modules|dist|\.data)\//.test(path) && existsSync(join(ROOT, path)),
      );
      expect(manifests).toEqual(expect.arrayContaining(['package.json', ...SERVICES.map((s) => `${serviceDir(s)}/package.json`)]));
      for (const path of [...manifests, 'package-lock.json']) {
        mkdirSync(join(context, dirname(path)), { recursive: true });
        cpSync(join(ROOT, path), join(context, path));
      }
      const commands = instructions.filter((line) => line.includes('npm ci')).map((line) => /npm ci [^&]*/.exec(line)![0].trim());
      for (const service of SERVICES) {
        for (const command of commands) {
          const args = command.replaceAll('${SERVICE}', service).split(/\s+/).slice(1);
          const { stdout } = await run('npm', [...args, '--dry-run'], { cwd: context, timeout: 120_000 });
          expect(stdout).toMatch(/added \d+ packages/);
        }
      }
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };

  it.each([
    ['gateway', 'gateway'],
    ['auth', 'auth'],
    ['records', 'records'],
    ['qa', 'qa'],
    ['qa-worker', 'qa'],
  ])('builds %s from the root Dockerfile with SERVICE=%s', (name, service) => {
    const build = compose.services[name]?.build;
    expect(build).toBeDefined();
    expect(build!.context).toBe('.');
    expect(build!.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    expect(build!.args).toEqual({ SERVICE: service });
  });

  it('runs the worker from the qa image, and builds nothing else', () => {
    expect(compose.services['qa-worker']!.command).toEqual(['node', 'services/qa/dist/worker.js']);
    const built = Object.entries(compose.services)
      .filter(([, s]) => s.build)
      .map(([name]) => name);
    expect(built.sort()).toEqual(['auth', 'gateway', 'qa', 'qa-worker', 'records']);
  });
});

describe("the image's health check", () => {
  let healthy: Server;
  let failing: Server;
  const portOf = (server: Server) => (server.address() as AddressInfo).port;
  const listen = (status: number) =>
    new Promise<Server>((resolve) => {
      const server = createServer((req, res) => res.writeHead(req.url === '/health' ? status : 404).end());
      server.listen(0, '127.0.0.1', () => resolve(server));
    });

  beforeAll(async () => {
    healthy = await listen(200);
    failing = await listen(503);
  });
  afterAll(() => {
    healthy.close();
    failing.close();
  });

  async function check(env: Record<string, string>): Promise<number> {
    const script = relative(ROOT, join(ROOT, 'infra/docker/healthcheck.js'));
    try {
      await run(process.execPath, [script], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 10_000 });
      return 0;
    } catch (err) {
      return (err as { code: number }).code;
    }
  }

  it('passes when the part answers /health on PORT, fails on a 503', async () => {
    expect(await check({ SERVICE: 'records', PORT: String(portOf(healthy)) })).toBe(0);
    expect(await check({ SERVICE: 'records', PORT: String(portOf(failing)) })).toBe(1);
  });

  it('in the qa image, passes for the worker (QA_WORKER_PORT) while nothing listens on PORT', async () => {
    expect(await check({ SERVICE: 'qa', PORT: String(portOf(failing)), QA_WORKER_PORT: String(portOf(healthy)) })).toBe(0);
    expect(await check({ SERVICE: 'qa', PORT: String(portOf(failing)), QA_WORKER_PORT: String(portOf(failing)) })).toBe(1);
  });
});
