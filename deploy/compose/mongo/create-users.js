// Runs once, when the data volume is empty (the image's /docker-entrypoint-initdb.d).
// Each service gets its own user, with read and write on its own database only.
/* global db -- mongosh runs this script with `db` bound to the current database */
for (const service of ['auth', 'records', 'qa']) {
  const pwd = process.env[`MONGO_${service.toUpperCase()}_PASSWORD`];
  if (!pwd) throw new Error(`MONGO_${service.toUpperCase()}_PASSWORD is not set`);
  db.getSiblingDB(service).createUser({ user: service, pwd, roles: [{ role: 'readWrite', db: service }] });
}
