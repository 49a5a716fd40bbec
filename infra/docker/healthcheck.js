// The image's HEALTHCHECK: 0 when the part answers /health. The qa image runs either the HTTP
// service (PORT) or the worker (QA_WORKER_PORT), so it asks both and one answer is enough.
const DEFAULT_PORTS = { gateway: 8000, auth: 8001, records: 8002, qa: 8003 };
const service = process.env.SERVICE;
const ports = [process.env.PORT || DEFAULT_PORTS[service]];
if (service === 'qa') ports.push(process.env.QA_WORKER_PORT || 8004);

Promise.any(
  ports.map((port) =>
    fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2500) }).then((response) => {
      if (!response.ok) throw new Error(`status ${response.status}`);
    }),
  ),
).then(
  () => process.exit(0),
  () => process.exit(1),
);
