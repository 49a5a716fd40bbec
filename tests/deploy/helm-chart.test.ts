import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureHelmBinary } from '../../scripts/src/helm';

const ROOT = resolve(__dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'helm', 'api-gateway');
const ALL_OPTIONS = join(CHART, 'ci', 'all-options-values.yaml');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // Tests look into rendered objects freely; a wrong shape fails the assertion that reads it.
  spec: any;
}

let helm: string;
beforeAll(() => {
  helm = ensureHelmBinary();
}, 1_800_000);

const run = (args: string[]) => execFileSync(helm, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(ROOT, '.data', 'helm') } });

function render(...valueFiles: string[]): K8sObject[] {
  // helm built from source reports Kubernetes v1.20 unless told; the chart needs 1.25 or later.
  const text = run(['template', 'apigw', CHART, '--namespace', 'api', '--kube-version', '1.30.0', ...valueFiles.flatMap((f) => ['-f', f])]);
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Validates against the Kubernetes (and KEDA) schemas offline; returns the validator's lines. */
function validate(objects: K8sObject[]): { ok: boolean; lines: string[] } {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-manifests.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    cwd: ROOT,
  });
  return { ok: result.status === 0, lines: result.stdout.trim().split('\n') };
}

const kinds = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('the Helm chart', () => {
  it('when linted with the default values and with every option on, then helm lint passes', () => {
    expect(run(['lint', CHART])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(run(['lint', CHART, '-f', ALL_OPTIONS])).toMatch(/0 chart\(s\) failed/);
  });

  it.each([
    ['the default values', [] as string[]],
    ['every option on', [ALL_OPTIONS]],
  ])('when rendered with %s, then every object is valid against the Kubernetes schemas', (_label, files) => {
    const objects = render(...files);
    const result = validate(objects);
    expect(result.lines.filter((l) => !l.startsWith('ok '))).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.lines).toHaveLength(objects.length);
  });

  it('when the validator meets a broken object, then it says so (the check can fail)', () => {
    const [deployment] = kinds(render(), 'Deployment');
    const broken = structuredClone(deployment!);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eight thousand';
    expect(validate([broken]).ok).toBe(false);
  });

  it('when rendered with the defaults, then the five workloads run locked down, with probes, resources and no secret values', () => {
    const objects = render();
    const deployments = kinds(objects, 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'apigw-api-gateway-auth',
      'apigw-api-gateway-gateway',
      'apigw-api-gateway-qa',
      'apigw-api-gateway-qa-worker',
      'apigw-api-gateway-records',
    ]);
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.readinessProbe.httpGet.path).toBe('/ready');
        expect(container.livenessProbe.httpGet.path).toBe('/health');
        expect(container.resources.requests).toBeDefined();
        expect(container.resources.limits).toBeDefined();
        for (const env of container.env) {
          // Secrets come from Secrets only: a literal value never carries a password or key.
          if (/SECRET|PASSWORD|PRIVATE_KEY$/.test(env.name)) expect(env.valueFrom?.secretKeyRef).toBeDefined();
        }
      }
    }
    expect(kinds(objects, 'Secret')).toEqual([]);
    const worker = named(objects, 'Deployment', 'apigw-api-gateway-qa-worker')!;
    expect(worker.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).not.toContain('IDENTITY_SECRET');
    const amqpUser = (name: string) =>
      named(objects, 'Deployment', `apigw-api-gateway-${name}`)!.spec.template.spec.containers[0].env.find(
        (e: { name: string }) => e.name === 'AMQP_USERNAME',
      ).valueFrom.secretKeyRef.name;
    expect(['gateway', 'auth', 'records', 'qa'].map(amqpUser)).toEqual([
      'apigw-api-gateway-rabbitmq-gateway',
      'apigw-api-gateway-rabbitmq-auth',
      'apigw-api-gateway-rabbitmq-records',
      'apigw-api-gateway-rabbitmq-qa',
    ]);
    expect(amqpUser('qa-worker')).toBe('apigw-api-gateway-rabbitmq-qa');
  });

  it('when rendered with the defaults, then only the gateway is exposed and only the gateway reaches the API services', () => {
    const objects = render();
    const services = kinds(objects, 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual([
      'apigw-api-gateway-auth',
      'apigw-api-gateway-gateway',
      'apigw-api-gateway-qa',
      'apigw-api-gateway-records',
    ]);
    for (const service of services) expect(service.spec.type).toBe('ClusterIP');
    expect(kinds(objects, 'Ingress')).toEqual([]);
    const policies = kinds(objects, 'NetworkPolicy');
    expect(named(objects, 'NetworkPolicy', 'apigw-api-gateway-default-deny')!.spec.policyTypes).toEqual(['Ingress']);
    for (const name of ['auth', 'records', 'qa']) {
      const policy = policies.find((p) => p.metadata.name === `apigw-api-gateway-${name}`)!;
      expect(policy.spec.ingress).toEqual([
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
    expect(kinds(objects, 'PodDisruptionBudget')).toHaveLength(5);
    expect(kinds(objects, 'ScaledObject')).toEqual([]);
  });

  it('when every option is on, then the worker scales on the queue with KEDA, the Ingress fronts the gateway and stores are fenced', () => {
    const objects = render(ALL_OPTIONS);
    const scaled = named(objects, 'ScaledObject', 'apigw-api-gateway-qa-worker')!;
    expect(scaled.spec.scaleTargetRef.name).toBe('apigw-api-gateway-qa-worker');
    expect(scaled.spec.triggers[0]).toMatchObject({
      type: 'redis',
      metadata: { listName: 'bull:qa-analysis:wait', address: 'redis.example.com:6380' },
    });
    // KEDA owns the worker's replica count then.
    expect(named(objects, 'Deployment', 'apigw-api-gateway-qa-worker')!.spec.replicas).toBeUndefined();
    expect(named(objects, 'TriggerAuthentication', 'apigw-api-gateway-qa-worker-redis')).toBeDefined();
    const ingress = kinds(objects, 'Ingress')[0]!;
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('apigw-api-gateway-gateway');
    expect(named(objects, 'NetworkPolicy', 'apigw-api-gateway-egress')).toBeDefined();
    expect(named(objects, 'NetworkPolicy', 'apigw-api-gateway-store-rabbitmq')).toBeDefined();
    const gateway = named(objects, 'Deployment', 'apigw-api-gateway-gateway')!.spec.template.spec.containers[0];
    expect(gateway.image).toBe('registry.example.com/acme/api-gateway/gateway:1.2.3');
    expect(gateway.env.find((e: { name: string }) => e.name === 'TRUST_PROXY').value).toBe('10.0.0.0/8,fd00::/8');
    // The OAuth 2.0 issuer is the Ingress's URL, the same on the service that signs and the gateway that checks.
    for (const name of ['gateway', 'auth']) {
      const env = named(objects, 'Deployment', `apigw-api-gateway-${name}`)!.spec.template.spec.containers[0].env;
      expect(env.find((e: { name: string }) => e.name === 'JWT_ISSUER').value).toBe('https://api.example.com');
    }
  });

  it('when the issuer is set, then auth and the gateway get it; without it or an Ingress, neither does (both keep the default)', () => {
    const issuerOf = (objects: K8sObject[], name: string) =>
      named(objects, 'Deployment', `apigw-api-gateway-${name}`)!.spec.template.spec.containers[0].env.find(
        (e: { name: string }) => e.name === 'JWT_ISSUER',
      )?.value;
    const defaults = render();
    expect([issuerOf(defaults, 'gateway'), issuerOf(defaults, 'auth')]).toEqual([undefined, undefined]);
    const text = run(['template', 'apigw', CHART, '--namespace', 'api', '--kube-version', '1.30.0', '--set', 'issuer=https://gw.example.org']);
    const set = parseAllDocuments(text)
      .map((doc) => doc.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    expect([issuerOf(set, 'gateway'), issuerOf(set, 'auth')]).toEqual(['https://gw.example.org', 'https://gw.example.org']);
  });
});
