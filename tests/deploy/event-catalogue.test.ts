import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { domainEvents, eventServices, eventTypes, publishPermission, trustedPublishersSetting } from '@app/common';
import { COMPOSE_FILES, writeComposeSecrets } from '@app/infra/compose-secrets';
import { ensureHelmBinary } from '@app/infra/helm';
import { BROKER_USERS } from '@app/infra';

// Every place that says who may publish what is checked against the one event catalogue.
const ROOT = resolve(__dirname, '..', '..');
const CONSUMERS = ['gateway', 'records', 'qa'];

describe('the event catalogue', () => {
  it('when the broker permissions are derived, then each service may publish exactly its own events', () => {
    for (const service of eventServices) {
      const write = new RegExp(publishPermission(service));
      for (const type of eventTypes) expect([service, type, write.test(type)]).toEqual([service, type, domainEvents[type].publisher === service]);
      // Nothing beside the names: a prefix or a suffix does not slip through.
      expect(write.test(`${eventTypes.find((t) => domainEvents[t].publisher === service) ?? 'x'}.more`)).toBe(false);
      expect(BROKER_USERS[service].publishes).toBe(publishPermission(service));
    }
  });

  it("when docs/events.md lists the broker's topic permissions, then each is the catalogue's", () => {
    const docs = readFileSync(join(ROOT, 'docs', 'events.md'), 'utf8');
    for (const service of eventServices) {
      // Markdown tables escape the alternation bars.
      expect(docs).toContain(`| ${service} | \`${publishPermission(service).replaceAll('|', '\\|')}\``);
    }
  });

  it('when an event has a version, then it is a positive major and a minor, and every consumer named is a service', () => {
    for (const type of eventTypes) {
      const { version, consumers, publisher } = domainEvents[type];
      expect(Number.isInteger(version.major) && version.major >= 1 && Number.isInteger(version.minor) && version.minor >= 0).toBe(true);
      expect(eventServices).toContain(publisher);
      for (const consumer of consumers) expect(eventServices).toContain(consumer);
    }
  });
});

describe('docker-compose against the catalogue', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'event-catalogue-compose-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("when compose's broker definitions are written, then each user's topic permission on both exchanges is the catalogue's", () => {
    writeComposeSecrets(dir);
    const definitions = JSON.parse(readFileSync(join(dir, COMPOSE_FILES.definitions), 'utf8')) as {
      topic_permissions: Array<{ user: string; exchange: string; write: string }>;
    };
    const writes = definitions.topic_permissions.map((p) => `${p.exchange} ${p.user} ${p.write}`).sort();
    const expected = ['app.events', 'app.events.dead']
      .flatMap((exchange) => eventServices.map((user) => `${exchange} ${user} ${publishPermission(user)}`))
      .sort();
    expect(writes).toEqual(expected);
  });

  it('when the consuming services start under compose, then their EVENTS_TRUSTED_PUBLISHERS is the one the catalogue gives', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    for (const name of CONSUMERS)
      expect([name, compose.services[name]!.environment!.EVENTS_TRUSTED_PUBLISHERS]).toEqual([name, trustedPublishersSetting()]);
  });
});

describe('the Helm chart against the catalogue', () => {
  it("when the chart is rendered with its defaults' broker settings, then every consumer is told the catalogue's publishers", () => {
    const helm = ensureHelmBinary();
    const chart = join(ROOT, 'deploy', 'helm', 'api-gateway');
    const text = execFileSync(
      helm,
      ['template', 'apigw', chart, '--namespace', 'api', '--kube-version', '1.30.0', '-f', join(chart, 'ci', 'production-values.yaml')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HELM_CACHE_HOME: join(ROOT, '.data', 'helm') } },
    );
    const objects = parseAllDocuments(text)
      .map((doc) => doc.toJS() as { kind: string; metadata: { name: string }; spec: any } | null)
      .filter((o) => o?.kind === 'Deployment');
    const told = objects.flatMap((deployment) =>
      (deployment!.spec.template.spec.containers as Array<{ env?: Array<{ name: string; value?: string }> }>).flatMap((c) =>
        (c.env ?? []).filter((e) => e.name === 'EVENTS_TRUSTED_PUBLISHERS').map((e) => [deployment!.metadata.name, e.value]),
      ),
    );
    expect(told.map(([name]) => name!.replace(/^.*-/, '')).sort()).toEqual([...CONSUMERS].sort());
    for (const [, value] of told) expect(value).toBe(trustedPublishersSetting());
  });
});
