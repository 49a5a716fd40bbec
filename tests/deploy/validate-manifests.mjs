// Validates custom resources (a JSON array on stdin) offline, strictly: against the project's closed
// schemas of the CRD fields the chart may set (crd-schemas/, additionalProperties false throughout,
// so a misspelled field fails), and for KEDA also against the types @kubernetes-models carries.
// Kubernetes' own kinds are checked by kubernetes-validate --strict instead. Prints one line per
// object: "ok kind/name" or "invalid kind/name: reason". ESM, as the kubernetes-models packages are.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';

const here = dirname(fileURLToPath(import.meta.url));
const models = { 'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1' };
// strictRequired off: a oneOf branch may require a property its sibling declares (alert or record).
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validators = new Map();

function strictSchema(apiVersion, kind) {
  const key = `${apiVersion.replace('/', '-')}-${kind}`;
  if (!validators.has(key)) {
    const text = readFileSync(join(here, 'crd-schemas', `${key}.json`), 'utf8');
    validators.set(key, ajv.compile(JSON.parse(text)));
  }
  return validators.get(key);
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const objects = JSON.parse(input);
let failures = 0;
for (const object of objects) {
  const label = `${object?.kind}/${object?.metadata?.name}`;
  try {
    let validate;
    try {
      validate = strictSchema(object.apiVersion, object.kind);
    } catch (err) {
      throw err?.code === 'ENOENT' ? new Error(`no schema for ${object.apiVersion} ${object.kind}`) : err;
    }
    if (!validate(object)) {
      // The offending name, not only "must NOT have additional properties".
      throw new Error(validate.errors.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('; '));
    }
    const path = models[object.apiVersion];
    if (path) {
      const Model = (await import(path))[object.kind];
      if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
      new Model(object).validate();
    }
    process.stdout.write(`ok ${label}\n`);
  } catch (err) {
    failures += 1;
    process.stdout.write(
      `invalid ${label}: ${String(err?.message ?? err)
        .replace(/\s+/g, ' ')
        .slice(0, 2000)}\n`,
    );
  }
}
process.exit(failures > 0 ? 1 : 0);
