import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@app/infra';
import { parse } from 'yaml';

export const CHART_FILES = join(ROOT, 'deploy', 'helm', 'api-gateway', 'files');
export const ALERTS_FILE = join(CHART_FILES, 'prometheus-alerts.yml');
export const DASHBOARDS_DIR = join(CHART_FILES, 'dashboards');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

/** Every dashboard JSON of the repository, by file name. */
export function dashboards(): Record<string, unknown> {
  return Object.fromEntries(
    readdirSync(DASHBOARDS_DIR)
      .filter((name) => name.endsWith('.json'))
      .map((name) => [name, JSON.parse(readFileSync(join(DASHBOARDS_DIR, name), 'utf8')) as unknown]),
  );
}

/** The PromQL of every panel target of a dashboard (rows' nested panels included). */
export function dashboardExpressions(dashboard: unknown): { panel: string; expr: string }[] {
  type Panel = { title?: string; panels?: Panel[]; targets?: { expr?: string }[] };
  const walk = (panels: Panel[] = []): { panel: string; expr: string }[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).filter((t) => typeof t.expr === 'string').map((t) => ({ panel: panel.title ?? '', expr: t.expr! })),
      ...walk(panel.panels),
    ]);
  return walk((dashboard as { panels?: Panel[] }).panels);
}

/** A dashboard's expression as Prometheus reads it once Grafana has put in its variables. */
export function withGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', '.*');
}

const NOT_METRICS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: what is left once strings, comments, label matchers,
 * ranges, grouping clauses and function names are taken out.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/#.*$/gm, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((name) => !NOT_METRICS.has(name.toLowerCase())))];
}

/** The metric names a Prometheus text exposition holds (each series' name: `x_bucket`, `x_count` and so on). */
export function exposedNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{| )/gm)].map((m) => m[1]!));
}
