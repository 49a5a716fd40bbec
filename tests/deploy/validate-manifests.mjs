// Validates Kubernetes objects (a JSON array on stdin) against the API schemas that the
// kubernetes-models packages carry, offline. Prints one line per object: "ok kind/name" or
// "invalid kind/name: reason". ESM, as those packages are.
const modules = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
};

let input = '';
for await (const chunk of process.stdin) input += chunk;
const objects = JSON.parse(input);
let failures = 0;
for (const object of objects) {
  const label = `${object?.kind}/${object?.metadata?.name}`;
  try {
    const path = modules[object.apiVersion];
    if (!path) throw new Error(`no schema for apiVersion ${object.apiVersion}`);
    const Model = (await import(path))[object.kind];
    if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
    new Model(object).validate();
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
