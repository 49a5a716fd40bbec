import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { ensureDebianPackage } from '@app/infra';
import { ALERTS_FILE, alertRules, dashboardExpressions, dashboards, metricNames, withGrafanaVariables } from '@app/testkit/monitoring';

const ROOT = resolve(__dirname, '..', '..');
const ALERT_TESTS = join(__dirname, 'prometheus-alerts.test.yml');

let promtool: string;
let scratch: string;
beforeAll(() => {
  // Debian's prometheus package brings promtool, installed on first use like the servers.
  promtool = ensureDebianPackage('promtool', 'prometheus');
  scratch = mkdtempSync(join(tmpdir(), 'monitoring-test-'));
}, 600_000);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const run = (args: string[]) => execFileSync(promtool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** promtool's answer and exit status, without throwing on a failure. */
function tryRun(args: string[]): { ok: boolean; output: string } {
  try {
    return { ok: true, output: run(args) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

// The shape Grafana (schemaVersion 39) imports: what a provisioned dashboard needs to load and lay out.
const target = z.object({
  refId: z.string().regex(/^[A-Z]$/),
  expr: z.string().min(1),
  datasource: z.object({ type: z.literal('prometheus'), uid: z.string() }),
});
const gridPos = z
  .object({ h: z.number().int().positive(), w: z.number().int().min(1).max(24), x: z.number().int().min(0).max(23), y: z.number().int().min(0) })
  .refine((pos) => pos.x + pos.w <= 24, 'a panel must fit in the 24 columns');
const panel = z.object({
  id: z.number().int().positive(),
  type: z.enum(['row', 'timeseries', 'stat', 'table', 'gauge', 'bargauge']),
  title: z.string().min(1),
  gridPos,
  targets: z.array(target).optional(),
});
const dashboardShape = z.object({
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(36),
  tags: z.array(z.string()).min(1),
  time: z.object({ from: z.string(), to: z.string() }),
  templating: z.object({ list: z.array(z.object({ name: z.string(), type: z.string() })) }),
  panels: z.array(panel).min(1),
});

describe('alert rules and dashboards', () => {
  it('when promtool checks the alert rules the chart ships, then every rule is valid', () => {
    expect(run(['check', 'rules', ALERTS_FILE])).toMatch(new RegExp(`SUCCESS: ${alertRules().length} rules found`));
  });

  it("when promtool runs the alerts' unit tests, then each alert fires on its series and stays quiet on the others", () => {
    const { ok, output } = tryRun(['test', 'rules', ALERT_TESTS]);
    expect(output).toContain('SUCCESS');
    expect(ok).toBe(true);
  });

  it('when a unit test expects the wrong thing, then promtool fails it (the unit tests can fail)', () => {
    const tests = parse(readFileSync(ALERT_TESTS, 'utf8')) as { rule_files: string[]; tests: { alert_rule_test: { exp_alerts?: unknown[] }[] }[] };
    // The first test expects its alert to fire; expecting silence instead must fail.
    tests.tests[0]!.alert_rule_test.forEach((test) => delete test.exp_alerts);
    tests.tests = [tests.tests[0]!];
    tests.rule_files = [ALERTS_FILE];
    const broken = join(scratch, 'broken.test.yml');
    writeFileSync(broken, stringify(tests));
    const { ok, output } = tryRun(['test', 'rules', broken]);
    expect(ok).toBe(false);
    expect(output).toContain('FAILED');
  });

  it('when an alert is read, then it has a severity, a summary, a description and a runbook that docs/metrics.md has, and a unit test that makes it fire', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8');
    const anchors = new Set(
      [...docs.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const tests = parse(readFileSync(ALERT_TESTS, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts?: unknown[] }[] }[] };
    const firing = new Set(
      tests.tests
        .flatMap((t) => t.alert_rule_test)
        .filter((t) => (t.exp_alerts ?? []).length > 0)
        .map((t) => t.alertname),
    );
    for (const rule of alertRules()) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(critical|warning)$/),
      });
      expect(rule.annotations).toEqual({
        summary: expect.any(String),
        description: expect.any(String),
        runbook: `docs/metrics.md#${rule.alert.toLowerCase()}`,
      });
      expect({ alert: rule.alert, documented: anchors.has(rule.alert.toLowerCase()) }).toEqual({ alert: rule.alert, documented: true });
      expect({ alert: rule.alert, tested: firing.has(rule.alert) }).toEqual({ alert: rule.alert, tested: true });
    }
  });

  it('when the dashboards are read, then there is one per part and one overview, each of the shape Grafana loads, with unique uids and panel ids', () => {
    const all = dashboards();
    expect(Object.keys(all).sort()).toEqual(['auth.json', 'gateway.json', 'overview.json', 'qa.json', 'records.json', 'stores.json']);
    const uids = new Set<string>();
    for (const [name, dashboard] of Object.entries(all)) {
      const parsed = dashboardShape.safeParse(dashboard);
      expect({ name, issues: parsed.error?.issues ?? [] }).toEqual({ name, issues: [] });
      const { uid, panels } = parsed.data!;
      expect(uids.has(uid)).toBe(false);
      uids.add(uid);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      // Every panel but a row queries something.
      for (const p of panels.filter((p) => p.type !== 'row'))
        expect({ name, panel: p.title, targets: (p.targets ?? []).length > 0 }).toMatchObject({ targets: true });
      expect(dashboardExpressions(dashboard).length).toBeGreaterThan(5);
    }
  });

  it('when every dashboard query is given to promtool as a recording rule, then Prometheus can parse each one', () => {
    const exprs = Object.entries(dashboards()).flatMap(([name, dashboard]) => dashboardExpressions(dashboard).map((e) => ({ name, ...e })));
    const rules = exprs.map((e, index) => ({ record: `dashboard:check:${index}`, expr: withGrafanaVariables(e.expr) }));
    const file = join(scratch, 'dashboards.rules.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules }] }));
    const { ok, output } = tryRun(['check', 'rules', file]);
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(ok).toBe(true);
    // And a broken one would be caught.
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'dashboards', rules: [{ record: 'dashboard:check:broken', expr: 'sum by (route (rate(x[5m]))' }] }] }),
    );
    expect(tryRun(['check', 'rules', file]).ok).toBe(false);
  });

  it('when metric names are read from PromQL, then functions, labels, grouping and ranges are left out', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{route!~"/qa/.*", x="a{b}"}[5m]))) > 2\n# a comment and words\nand on (namespace) max(up_x) == 0 or vector(1e3)',
      ),
    ).toEqual(['http_request_duration_seconds_bucket', 'up_x']);
  });
});
