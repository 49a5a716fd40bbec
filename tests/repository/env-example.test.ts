import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { ROOT } from '@app/infra';
import { launcherShape } from '@app/infra/launcher-config';
import { loadGatewayConfig } from '@app/gateway/config';
import { loadAuthConfig } from '@app/auth/config';
import { loadRecordsConfig } from '@app/records/config';
import { loadApiConfig, loadWorkerConfig } from '@app/qa/config';

// Every service hands its schema to loadConfig; recording it here is how the test sees the schema
// exactly as the service validates it, with no second list of names to keep in step.
const seen: { shape?: z.ZodRawShape } = {};
jest.mock('@app/common', () => {
  const actual = jest.requireActual<typeof import('@app/common')>('@app/common');
  return {
    ...actual,
    loadConfig: (shape: z.ZodRawShape, env: NodeJS.ProcessEnv) => {
      seen.shape = shape;
      return actual.loadConfig(shape, env);
    },
  };
});

function schemaOf(load: () => unknown): z.ZodRawShape {
  seen.shape = undefined;
  try {
    load();
  } catch {
    // An empty environment misses required variables; the schema was recorded before that.
  }
  if (!seen.shape) throw new Error('the loader did not call loadConfig');
  return seen.shape;
}

const SCHEMAS: Record<string, () => z.ZodRawShape> = {
  launcher: () => launcherShape,
  gateway: () => schemaOf(() => loadGatewayConfig({})),
  auth: () => schemaOf(() => loadAuthConfig({})),
  records: () => schemaOf(() => loadRecordsConfig({})),
  qa: () => schemaOf(() => loadApiConfig({})),
  'qa-worker': () => schemaOf(() => loadWorkerConfig({})),
};

interface Entry {
  name: string;
  value: string;
  line: number;
}

/** `.env.example` as sections ("# [name]") of variables ("# NAME=value" or "NAME=value"). */
function parseEnvExample(text: string): Map<string, Entry[]> {
  const sections = new Map<string, Entry[]>();
  let current: Entry[] | undefined;
  text.split('\n').forEach((line, index) => {
    const section = /^# \[([a-z-]+)\]/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!, current);
      return;
    }
    const variable = /^#? ?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!variable) return;
    if (!current) throw new Error(`.env.example line ${index + 1}: ${variable[1]} comes before any "# [section]" line`);
    current.push({ name: variable[1]!, value: variable[2]!, line: index + 1 });
  });
  return sections;
}

/**
 * What docker compose takes from the shell or .env: `${NAME}`, `${NAME:-default}` (the default) and
 * the required `${NAME:?message}` (no default: listed empty).
 */
function composeVariables(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}/g)) {
    found.set(match[1]!, match[2]?.endsWith('-') ? match[3]! : '');
  }
  return found;
}

const example = parseEnvExample(readFileSync(join(ROOT, '.env.example'), 'utf8'));

describe('.env.example', () => {
  it('has a section for every process and no other', () => {
    expect([...example.keys()].sort()).toEqual([...Object.keys(SCHEMAS), 'compose'].sort());
  });

  it.each(Object.keys(SCHEMAS))('lists exactly the variables the %s schema reads, each once', (service) => {
    const shape = SCHEMAS[service]!();
    const expected = new Set(Object.keys(shape));
    const listed = (example.get(service) ?? []).map((entry) => entry.name);
    const problems = [
      ...[...expected]
        .filter((name) => !listed.includes(name))
        .map((name) => `${service}: ${name} is read by the ${service} configuration but missing from .env.example's [${service}] section`),
      ...listed
        .filter((name) => !expected.has(name))
        .map((name) => `${service}: ${name} is listed in .env.example's [${service}] section but the ${service} configuration does not read it`),
      ...listed.filter((name, i) => listed.indexOf(name) !== i).map((name) => `${service}: ${name} is listed twice in [${service}]`),
    ];
    expect(problems).toEqual([]);
  });

  it.each(Object.keys(SCHEMAS))('shows the %s defaults as the schema has them, and valid examples', (service) => {
    const shape = SCHEMAS[service]!();
    const problems: string[] = [];
    for (const entry of example.get(service) ?? []) {
      const schema = shape[entry.name] as z.ZodType | undefined;
      if (!schema) continue;
      const fallback = schema.safeParse(undefined);
      if (entry.value === '') {
        // Left empty: only for variables that may stay unset.
        if (!fallback.success) problems.push(`${service}: ${entry.name} (line ${entry.line}) is required; show an example value`);
        continue;
      }
      const shown = schema.safeParse(entry.value);
      if (!shown.success) {
        problems.push(`${service}: ${entry.name}=${entry.value} (line ${entry.line}) is not valid: ${shown.error.issues[0]?.message}`);
      } else if (fallback.success && fallback.data !== undefined && JSON.stringify(shown.data) !== JSON.stringify(fallback.data)) {
        problems.push(`${service}: ${entry.name} (line ${entry.line}) shows ${entry.value}, but the default is ${JSON.stringify(fallback.data)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(['gateway', 'auth', 'records', 'qa', 'qa-worker'])('docker-compose.yml sets for %s only variables its configuration reads', (service) => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, unknown> }>;
    };
    const read = new Set(Object.keys(SCHEMAS[service]!()));
    const unused = Object.keys(compose.services[service]?.environment ?? {}).filter((name) => !read.has(name));
    expect(unused).toEqual([]);
  });

  it("lists in [compose] exactly what docker-compose.yml takes from the environment, with compose's defaults", () => {
    const used = composeVariables(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
    const listed = new Map((example.get('compose') ?? []).map((entry) => [entry.name, entry.value]));
    expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(used));
  });
});
