import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ensureHelmBinary } from '@app/infra/helm';
import { ensureKubernetesValidate } from '@app/infra/kubernetes-validate';

const ROOT = resolve(__dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'helm', 'api-gateway');
const ALL_OPTIONS = join(CHART, 'ci', 'all-options-values.yaml');
const PRODUCTION = join(CHART, 'ci', 'production-values.yaml');
const KUBE_VERSION = '1.30.0';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Tests look into rendered objects freely; a wrong shape fails the assertion that reads it.
  spec: any;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: any;
}

let helm: string;
let kubernetesValidate: string;
let scratch: string;
beforeAll(() => {
  helm = ensureHelmBinary();
  kubernetesValidate = ensureKubernetesValidate();
  scratch = mkdtempSync(join(tmpdir(), 'helm-chart-test-'));
}, 1_800_000);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const run = (args: string[]) =>
  execFileSync(helm, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HELM_CACHE_HOME: join(ROOT, '.data', 'helm') },
  });

/** helm template's answer, or its error (a value the schema refuses). */
function template(args: string[]): { ok: boolean; text: string } {
  try {
    // helm built from source reports Kubernetes v1.20 unless told; the chart needs 1.25 or later.
    return { ok: true, text: run(['template', 'apigw', CHART, '--namespace', 'api', '--kube-version', KUBE_VERSION, ...args]) };
  } catch (err) {
    return { ok: false, text: String((err as { stderr?: string }).stderr ?? err) };
  }
}

function render(...args: string[]): K8sObject[] {
  const { ok, text } = template(args.flatMap((a) => (a.endsWith('.yaml') ? ['-f', a] : [a])));
  if (!ok) throw new Error(text);
  const docs = parseAllDocuments(text);
  // A key twice in one mapping (kubeconform -strict refuses it) is an error of the YAML itself.
  for (const doc of docs) expect(doc.errors.map(String)).toEqual([]);
  return docs.map((doc) => doc.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
}

const CUSTOM = /^(keda\.sh|monitoring\.coreos\.com)\//;

/**
 * Validates strictly and offline: Kubernetes' own kinds with kubernetes-validate --strict (the API's
 * schemas with additionalProperties false), custom resources with the project's closed CRD schemas.
 * Returns the lines of every object that failed.
 */
function validate(objects: K8sObject[]): string[] {
  const failed: string[] = [];
  const core = objects.filter((o) => !CUSTOM.test(o.apiVersion));
  if (core.length > 0) {
    const file = join(scratch, `objects-${process.hrtime.bigint()}.yaml`);
    writeFileSync(file, core.map((o) => JSON.stringify(o)).join('\n---\n'));
    const result = spawnSync(kubernetesValidate, ['--strict', '--quiet', '--kubernetes-version', KUBE_VERSION, file], { encoding: 'utf8' });
    const lines = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
    failed.push(...lines);
    if (result.status !== 0 && lines.length === 0) failed.push(`kubernetes-validate exited ${result.status}`);
  }
  const custom = objects.filter((o) => CUSTOM.test(o.apiVersion));
  if (custom.length > 0) {
    const result = spawnSync(process.execPath, [join(__dirname, 'validate-manifests.mjs')], {
      input: JSON.stringify(custom),
      encoding: 'utf8',
      cwd: ROOT,
    });
    failed.push(...result.stdout.split('\n').filter((l) => l && !l.startsWith('ok ')));
    if (result.status !== 0 && failed.length === 0) failed.push(`validate-manifests exited ${result.status}: ${result.stderr}`);
  }
  return failed;
}

const kinds = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const container = (objects: K8sObject[], name: string) => named(objects, 'Deployment', `apigw-api-gateway-${name}`)!.spec.template.spec.containers[0];
const envOf = (objects: K8sObject[], name: string) => container(objects, name).env as EnvVar[];
const COMPONENTS = ['gateway', 'auth', 'records', 'qa', 'qa-worker'];

describe('the Helm chart', () => {
  it('when linted with the defaults, every option on and the production override, then helm lint passes', () => {
    for (const values of [[], ['-f', ALL_OPTIONS], ['-f', PRODUCTION]]) {
      expect(run(['lint', CHART, '--kube-version', KUBE_VERSION, ...values])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it.each([
    ['the default values', [] as string[]],
    ['every option on', [ALL_OPTIONS]],
    ['the production override (mongodb+srv, TLS stores, three gateways, ingress-nginx, KEDA)', [PRODUCTION]],
  ])('when rendered with %s, then every object is valid against the strict schemas, with no key twice', (_label, files) => {
    const objects = render(...files);
    expect(objects.length).toBeGreaterThan(20);
    expect(validate(objects)).toEqual([]);
  });

  it('when an object has a misspelled field, then the validation fails (Kubernetes kinds and custom resources alike)', () => {
    const objects = render(ALL_OPTIONS);
    const deployment = structuredClone(named(objects, 'Deployment', 'apigw-apigw-chart-records')!);
    deployment.spec.replicaz = 3;
    expect(validate([deployment]).join('\n')).toMatch(/replicaz/);
    const probe = structuredClone(named(objects, 'Deployment', 'apigw-apigw-chart-gateway')!);
    probe.spec.template.spec.containers[0].readinessProbe.periodSecond = 5;
    expect(validate([probe]).join('\n')).toMatch(/periodSecond/);
    for (const kind of ['ScaledObject', 'PodMonitor', 'PrometheusRule']) {
      const custom = structuredClone(kinds(objects, kind)[0]!);
      custom.spec.pollingIntervall = 15;
      expect(validate([custom]).join('\n')).toMatch(new RegExp(`invalid ${kind}/.*pollingIntervall`));
    }
  });

  it('when a value is unknown or misspelled, then helm refuses the values (values.schema.json)', () => {
    for (const set of [
      'records.tag=9.9.9',
      'gateway.replicaz=3',
      'qaWorker.pdb.minAvailable=1',
      'ingress.nginx.proxyBodySise=1m',
      'nodeEnv=staging',
    ]) {
      const result = template(['--set', set]);
      expect([set, result.ok]).toEqual([set, false]);
      expect(result.text).toMatch(/values don't meet the specifications of the schema/);
    }
    expect(template(['--set', 'records.image.tag=9.9.9']).ok).toBe(true);
  });

  it('when rendered with the defaults, then the five workloads run locked down, with probes on the management port, resources and no secret values', () => {
    const objects = render();
    expect(
      kinds(objects, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(COMPONENTS.map((c) => `apigw-api-gateway-${c}`).sort());
    for (const deployment of kinds(objects, 'Deployment')) {
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'management' });
        expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'management' });
        expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'management' });
        expect(c.ports).toContainEqual({ name: 'management', containerPort: 9090, protocol: 'TCP' });
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits).toBeDefined();
        const names = (c.env as EnvVar[]).map((e) => e.name);
        expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
        expect(c.env).toContainEqual({ name: 'MANAGEMENT_PORT', value: '9090' });
        for (const env of c.env as EnvVar[]) {
          // Secrets come from Secrets only: a literal value never carries a password or key.
          if (/SECRET|PASSWORD|PRIVATE_KEY$/.test(env.name)) expect(env.valueFrom?.secretKeyRef).toBeDefined();
        }
      }
    }
    expect(kinds(objects, 'Secret')).toEqual([]);
    expect(envOf(objects, 'qa-worker').map((e) => e.name)).not.toContain('IDENTITY_SECRET');
    // The gateway signs with the current key only; the services also accept the previous one, when the Secret has it.
    expect(envOf(objects, 'gateway').map((e) => e.name)).not.toContain('IDENTITY_SECRET_PREVIOUS');
    for (const name of ['auth', 'records', 'qa']) {
      expect(envOf(objects, name).find((e) => e.name === 'IDENTITY_SECRET_PREVIOUS')!.valueFrom.secretKeyRef).toEqual({
        name: 'apigw-api-gateway-identity',
        key: 'identity-secret-previous',
        optional: true,
      });
    }
    // Only the consumers of events are told whose events to believe.
    for (const name of COMPONENTS) {
      expect([name, envOf(objects, name).some((e) => e.name === 'EVENTS_TRUSTED_PUBLISHERS')]).toEqual([
        name,
        ['gateway', 'records', 'qa'].includes(name),
      ]);
    }
    const amqpUser = (name: string) => envOf(objects, name).find((e) => e.name === 'AMQP_USERNAME')!.valueFrom.secretKeyRef.name;
    expect(['gateway', 'auth', 'records', 'qa', 'qa-worker'].map(amqpUser)).toEqual([
      'apigw-api-gateway-rabbitmq-gateway',
      'apigw-api-gateway-rabbitmq-auth',
      'apigw-api-gateway-rabbitmq-records',
      'apigw-api-gateway-rabbitmq-qa',
      'apigw-api-gateway-rabbitmq-qa',
    ]);
  });

  it('when rendered, then no mapping repeats a label key, pod templates carry only stable labels, and every object says its component', () => {
    const objects = render(ALL_OPTIONS);
    for (const deployment of kinds(objects, 'Deployment')) {
      const name = deployment.metadata.name.replace('apigw-apigw-chart-', '');
      expect(deployment.spec.template.metadata.labels).toEqual({
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/instance': 'apigw',
        'app.kubernetes.io/component': name,
        'app.kubernetes.io/part-of': 'apigw-chart',
      });
      expect(deployment.metadata.labels).toMatchObject({
        'app.kubernetes.io/component': name,
        'helm.sh/chart': expect.stringMatching(/^api-gateway-/),
      });
    }
  });

  it('when one component gets a new image tag, then only its pod template changes (a chart bump restarts nothing else)', () => {
    const before = render();
    const after = render('--set', 'records.image.tag=9.9.9');
    for (const name of COMPONENTS) {
      const template = (objects: K8sObject[]) => JSON.stringify(named(objects, 'Deployment', `apigw-api-gateway-${name}`)!.spec.template);
      expect([name, template(before) === template(after)]).toEqual([name, name !== 'records']);
    }
    expect(container(after, 'records').image).toBe('api-gateway/records:9.9.9');
  });

  it('when only the chart version changes, then no pod template changes (an upgrade restarts nothing)', () => {
    const bumped = join(scratch, 'bumped-chart');
    cpSync(CHART, bumped, { recursive: true });
    const chartYaml = join(bumped, 'Chart.yaml');
    writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, 'version: 99.0.0'));
    const templates = (chart: string) => {
      const text = run(['template', 'apigw', chart, '--namespace', 'api', '--kube-version', KUBE_VERSION]);
      return parseAllDocuments(text)
        .map((doc) => doc.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o?.kind === 'Deployment')
        .map((d) => [d.metadata.name, JSON.stringify(d.spec.template), d.metadata.labels!['helm.sh/chart']]);
    };
    const before = templates(CHART);
    const after = templates(bumped);
    expect(after.map(([name, template]) => [name, template])).toEqual(before.map(([name, template]) => [name, template]));
    // The Deployments' own labels do say which chart made them.
    expect(after.every(([, , chart]) => chart === 'api-gateway-99.0.0')).toBe(true);
  });

  it('when images are set per component, then registry, tag and digest compose the reference', () => {
    const objects = render(ALL_OPTIONS);
    const image = (name: string) => named(objects, 'Deployment', `apigw-apigw-chart-${name}`)!.spec.template.spec.containers[0].image;
    expect(image('gateway')).toBe(
      'registry.example.com/acme/api-gateway/gateway:1.2.4@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    );
    expect(image('records')).toBe('registry.example.com/acme/api-gateway/records:1.2.5');
    expect(image('auth')).toBe('registry.example.com/acme/api-gateway/auth:1.2.3');
  });

  it('when names are overridden, then nameOverride and fullnameOverride name every object', () => {
    expect(kinds(render('--set', 'nameOverride=edge'), 'Deployment')[0]!.metadata.name).toMatch(/^apigw-edge-/);
    const objects = render('--set', 'fullnameOverride=api');
    expect(
      kinds(objects, 'Service')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(['api-auth', 'api-gateway', 'api-qa', 'api-records']);
    const env = named(objects, 'Deployment', 'api-gateway')!.spec.template.spec.containers[0].env as EnvVar[];
    expect(env.find((e) => e.name === 'AUTH_URL')!.value).toBe('http://api-auth:8001');
  });

  it('when existingSecret is set, then every secret without a name of its own is read from it', () => {
    const env = envOf(render('--set', 'existingSecret=all-in-one'), 'records');
    for (const name of ['IDENTITY_SECRET', 'MONGO_PASSWORD', 'AMQP_PASSWORD']) {
      expect([name, env.find((e) => e.name === name)!.valueFrom.secretKeyRef.name]).toEqual([name, 'all-in-one']);
    }
  });

  it('when extraEnv names a variable the chart sets, then it replaces it in place; valueFrom and envFrom are passed on', () => {
    const objects = render(ALL_OPTIONS);
    const gateway = named(objects, 'Deployment', 'apigw-apigw-chart-gateway')!.spec.template.spec.containers[0];
    const logLevels = (gateway.env as EnvVar[]).filter((e) => e.name === 'LOG_LEVEL');
    expect(logLevels).toEqual([{ name: 'LOG_LEVEL', value: 'warn' }]);
    expect(gateway.env).toContainEqual({ name: 'RATE_LIMIT_PER_ADDRESS_PER_MINUTE', value: '600' });
    expect(gateway.envFrom).toEqual([{ configMapRef: { name: 'gateway-tuning' } }]);
    const worker = named(objects, 'Deployment', 'apigw-apigw-chart-qa-worker')!.spec.template.spec.containers[0];
    expect(worker.env).toContainEqual({ name: 'QA_LLM_API_KEY', valueFrom: { secretKeyRef: { name: 'qa-llm', key: 'api-key' } } });
    // A variable that another one refers to as $(NAME) keeps its place before it.
    const overridden = envOf(render('--set', 'records.extraEnv.MONGO_PASSWORD=plain'), 'records').map((e) => e.name);
    expect(overridden.indexOf('MONGO_PASSWORD')).toBeLessThan(overridden.indexOf('MONGO_URL'));
  });

  it('when scheduling is set per component, then it wins over the defaults of every component', () => {
    const objects = render(ALL_OPTIONS);
    const pod = (name: string) => named(objects, 'Deployment', `apigw-apigw-chart-${name}`)!.spec.template.spec;
    expect(pod('qa-worker').tolerations).toEqual([{ key: 'workload', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }]);
    expect(pod('auth').tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'api', effect: 'NoSchedule' }]);
    expect(pod('qa-worker').affinity.nodeAffinity).toBeDefined();
    expect(pod('qa').nodeSelector).toEqual({ 'example.com/pool': 'general' });
    expect(pod('gateway').topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(pod('records').topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
  });

  it('when a pod is stopped, then it sleeps in preStop before SIGTERM, and the grace period covers that and the drain', () => {
    const objects = render();
    const gateway = named(objects, 'Deployment', 'apigw-api-gateway-gateway')!.spec.template.spec;
    expect(gateway.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    expect(gateway.terminationGracePeriodSeconds).toBe(40);
    expect(gateway.containers[0].env).toContainEqual({ name: 'SHUTDOWN_TIMEOUT_MS', value: '25000' });
    const worker = named(objects, 'Deployment', 'apigw-api-gateway-qa-worker')!.spec.template.spec;
    expect(worker.containers[0].lifecycle).toBeUndefined();
    expect(worker.containers[0].env).toContainEqual({ name: 'SHUTDOWN_TIMEOUT_MS', value: '55000' });
    // OCR renders a scan's pages into /tmp.
    expect(worker.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
  });

  it('when a node is drained, then no PodDisruptionBudget blocks it, even with one worker replica', () => {
    for (const pdb of kinds(render(), 'PodDisruptionBudget')) {
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.minAvailable).toBeUndefined();
    }
  });

  it('when rendered with the defaults, then only the gateway is exposed, on its HTTP port only, and only the gateway reaches the API services', () => {
    const objects = render();
    const services = kinds(objects, 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual([
      'apigw-api-gateway-auth',
      'apigw-api-gateway-gateway',
      'apigw-api-gateway-qa',
      'apigw-api-gateway-records',
    ]);
    for (const service of services) {
      expect(service.spec.type).toBe('ClusterIP');
      // The management port (/ready, /metrics) is on no Service, so no ingress can route to it.
      expect(service.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual(['http']);
      expect(service.spec.externalTrafficPolicy).toBeUndefined();
    }
    expect(kinds(objects, 'Ingress')).toEqual([]);
    for (const name of ['auth', 'records', 'qa']) {
      expect(named(objects, 'NetworkPolicy', `apigw-api-gateway-${name}`)!.spec.ingress).toEqual([
        {
          from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/instance': 'apigw' } } }],
          ports: [{ port: 'http' }],
        },
      ]);
    }
    expect(
      kinds(objects, 'HorizontalPodAutoscaler')
        .map((h) => h.spec.scaleTargetRef.name)
        .sort(),
    ).toEqual(['apigw-api-gateway-auth', 'apigw-api-gateway-gateway', 'apigw-api-gateway-qa', 'apigw-api-gateway-records']);
    expect(named(objects, 'HorizontalPodAutoscaler', 'apigw-api-gateway-gateway')!.spec.behavior).toEqual({
      scaleDown: { stabilizationWindowSeconds: 300 },
    });
    for (const kind of ['ScaledObject', 'PodMonitor', 'PrometheusRule']) expect(kinds(objects, kind)).toEqual([]);
    const test = named(objects, 'Pod', 'apigw-api-gateway-test')!;
    expect(test.metadata.annotations!['helm.sh/hook']).toBe('test');
  });

  it('when the production override is rendered, then three gateways sit behind ingress-nginx with room for uploads, and KEDA scales the worker with a fallback', () => {
    const objects = render(PRODUCTION);
    expect(named(objects, 'Deployment', 'apigw-api-gateway-gateway')!.spec.replicas).toBe(3);
    const ingress = kinds(objects, 'Ingress')[0]!;
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-body-size': '13m',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '75',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '75',
    });
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'apigw-api-gateway-gateway', port: { name: 'http' } });
    const scaled = named(objects, 'ScaledObject', 'apigw-api-gateway-qa-worker')!;
    expect(scaled.spec.fallback).toEqual({ failureThreshold: 3, replicas: 2 });
    expect(scaled.spec.triggers[0]).toMatchObject({
      type: 'redis',
      metadata: { listName: 'bull:qa-analysis:wait', address: 'queue.redis.example.net:6380', enableTLS: 'true' },
    });
    expect(named(objects, 'Deployment', 'apigw-api-gateway-qa-worker')!.spec.replicas).toBeUndefined();
    expect(envOf(objects, 'auth').find((e) => e.name === 'MONGO_URL')!.value).toMatch(/^mongodb\+srv:\/\//);
    expect(envOf(objects, 'gateway').find((e) => e.name === 'REDIS_CACHE_URL')!.value).toMatch(/^rediss:\/\//);
    // The OAuth 2.0 issuer is the Ingress's URL, the same on the service that signs and the gateway that checks.
    for (const name of ['gateway', 'auth']) expect(envOf(objects, name).find((e) => e.name === 'JWT_ISSUER')!.value).toBe('https://api.example.net');
  });

  it("when rendered with the defaults, then the gateway's cache has a Redis of its own, not the queue's (which never evicts)", () => {
    const gateway = envOf(render(), 'gateway');
    expect(gateway.find((e) => e.name === 'REDIS_CACHE_URL')!.value).toBe('redis://:$(REDIS_CACHE_PASSWORD)@redis-cache:6379');
    expect(gateway.find((e) => e.name === 'REDIS_URL')!.value).toBe('redis://:$(REDIS_PASSWORD)@redis:6379');
    expect(template(['--set', 'redis.cacheUrl=']).ok).toBe(false);
  });

  it('when Redis is reached through Sentinel or as a Cluster, then every service gets that URL and KEDA reads the queue the same way', () => {
    const keda = ['--set', 'keda.enabled=true'];
    const sentinel = render(
      ...keda,
      '--set',
      'redis.url=redis+sentinel://:$(REDIS_PASSWORD)@s0:26379\\,s1:26379/mymaster',
      '--set',
      'keda.redisAddress=s0:26379\\,s1:26379',
    );
    for (const name of ['gateway', 'auth', 'qa', 'qa-worker']) {
      expect(envOf(sentinel, name).find((e) => e.name === 'REDIS_URL')!.value).toBe('redis+sentinel://:$(REDIS_PASSWORD)@s0:26379,s1:26379/mymaster');
    }
    expect(named(sentinel, 'ScaledObject', 'apigw-api-gateway-qa-worker')!.spec.triggers[0]).toMatchObject({
      type: 'redis-sentinel',
      metadata: { addresses: 's0:26379,s1:26379', sentinelMaster: 'mymaster', listName: 'bull:qa-analysis:wait' },
    });
    const cluster = render(
      ...keda,
      '--set',
      'redis.url=rediss+cluster://:$(REDIS_PASSWORD)@n0:6379\\,n1:6379',
      '--set',
      'keda.redisAddress=n0:6379\\,n1:6379',
    );
    expect(envOf(cluster, 'qa-worker').find((e) => e.name === 'REDIS_URL')!.value).toBe('rediss+cluster://:$(REDIS_PASSWORD)@n0:6379,n1:6379');
    // The services default to the {bull} hash tag on a Cluster; KEDA reads the list under it.
    expect(named(cluster, 'ScaledObject', 'apigw-api-gateway-qa-worker')!.spec.triggers[0]).toMatchObject({
      type: 'redis-cluster',
      metadata: { addresses: 'n0:6379,n1:6379', listName: '{bull}:qa-analysis:wait' },
    });
    const prefixed = render('--set-json', 'redis.queuePrefix="{qa}"');
    for (const name of ['qa', 'qa-worker']) expect(envOf(prefixed, name).find((e) => e.name === 'QA_QUEUE_PREFIX')!.value).toBe('{qa}');
    expect(validate([...sentinel, ...cluster])).toEqual([]);
    expect(template(['--set', 'redis.url=http://redis:6379']).ok).toBe(false);
  });

  it('when the issuer is set, then auth and the gateway get it; without it or an Ingress, neither does (both keep the default)', () => {
    const issuerOf = (objects: K8sObject[], name: string) => envOf(objects, name).find((e) => e.name === 'JWT_ISSUER')?.value;
    const defaults = render();
    expect([issuerOf(defaults, 'gateway'), issuerOf(defaults, 'auth')]).toEqual([undefined, undefined]);
    const set = render('--set', 'issuer=https://gw.example.org');
    expect([issuerOf(set, 'gateway'), issuerOf(set, 'auth')]).toEqual(['https://gw.example.org', 'https://gw.example.org']);
  });

  it('when an OTLP endpoint is set, then every process traces to it at the given ratio; without one, none gets a tracing variable', () => {
    const tracingOf = (objects: K8sObject[], name: string) =>
      envOf(objects, name)
        .filter((e) => e.name.startsWith('OTEL_'))
        .map((e) => `${e.name}=${e.value}`);
    const defaults = render();
    for (const name of ['gateway', 'auth', 'records', 'qa', 'qa-worker']) expect(tracingOf(defaults, name)).toEqual([]);
    const traced = render('--set-json', 'tracing={"otlpEndpoint":"http://collector.tracing:4318","samplingRatio":0.1}');
    for (const name of ['gateway', 'auth', 'records', 'qa', 'qa-worker']) {
      expect(tracingOf(traced, name)).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT=http://collector.tracing:4318', 'OTEL_TRACES_SAMPLER_ARG=0.1']);
    }
    expect(() => render('--set', 'tracing.otlpEndpoint=collector:4318')).toThrow(/otlpEndpoint/);
  });

  it('when every option is on, then annotations set by hand win, the service keeps client addresses, and metrics are scraped from the management port', () => {
    const objects = render(ALL_OPTIONS);
    expect(kinds(objects, 'Ingress')[0]!.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '120',
      'nginx.ingress.kubernetes.io/proxy-body-size': '20m',
      'cert-manager.io/cluster-issuer': 'letsencrypt',
    });
    const service = named(objects, 'Service', 'apigw-apigw-chart-gateway')!;
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    const monitor = kinds(objects, 'PodMonitor')[0]!;
    expect(monitor.spec.podMetricsEndpoints).toEqual([{ port: 'management', path: '/metrics', interval: '15s' }]);
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const metricsPolicy = named(objects, 'NetworkPolicy', 'apigw-apigw-chart-metrics')!;
    expect(metricsPolicy.spec.ingress[0].ports).toEqual([{ port: 'management' }]);
  });

  it('when the alert rules are rendered, then they are the rules of files/prometheus-alerts.yml, unchanged, which promtool tests', () => {
    const groups = kinds(render(PRODUCTION), 'PrometheusRule')[0]!.spec.groups as { name: string; rules: unknown[] }[];
    const file = parse(readFileSync(join(CHART, 'files', 'prometheus-alerts.yml'), 'utf8')) as { groups: { name: string; rules: unknown[] }[] };
    expect(groups).toEqual(file.groups.map((group) => ({ name: `apigw-api-gateway.${group.name}`, rules: group.rules })));
    expect(groups.flatMap((group) => group.rules).length).toBeGreaterThanOrEqual(14);
  });

  it('when the dashboards are on, then each JSON of files/dashboards is a ConfigMap with the sidecar label, byte for byte', () => {
    const maps = kinds(render(ALL_OPTIONS), 'ConfigMap').filter((map) => map.metadata.name.includes('-dashboard-'));
    const files = readdirSync(join(CHART, 'files', 'dashboards')).filter((name) => name.endsWith('.json'));
    expect(maps.map((map) => Object.keys((map as unknown as { data: Record<string, string> }).data)[0]).sort()).toEqual(files.sort());
    for (const map of maps) {
      expect(map.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      expect(map.metadata.annotations).toEqual({ grafana_folder: 'API gateway' });
      const [[name, text]] = Object.entries((map as unknown as { data: Record<string, string> }).data) as [[string, string]];
      expect(text).toBe(readFileSync(join(CHART, 'files', 'dashboards', name), 'utf8').trimEnd());
    }
    expect(kinds(render(PRODUCTION), 'ConfigMap').filter((map) => map.metadata.name.includes('-dashboard-'))).toEqual([]);
  });
});
