import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@app/common';

export type SigningAlgorithm = 'RS256' | 'ES256';

export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}

export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

export interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
}

/** The key that signs new tokens and every key whose tokens may still be in circulation. */
export interface KeyRing {
  current: SigningKey;
  verificationKeys: ReadonlyMap<string, VerificationKey>;
  jwks(): { keys: PublicJwk[] };
}

const KEY_FILE = 'signing-key.pem';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** Loads (or, for a key directory, creates once) the signing key and the public keys to publish. */
/** Where the signing keys come from: PEM text or files, or a directory of key files (rotation by file). */
export type SigningKeySource =
  | { kind: 'pem'; privateKeyPem?: string; privateKeyFile?: string; previousPublicKeysPem?: string; previousPublicKeysFile?: string }
  | { kind: 'directory'; dir: string };

export function loadKeyRing(source: SigningKeySource): KeyRing {
  let privateKey: KeyObject;
  const previous: KeyObject[] = [];
  if (source.kind === 'directory') {
    privateKey = loadOrCreateKeyFile(source.dir);
  } else {
    const pem = source.privateKeyPem ?? readText(source.privateKeyFile!, 'JWT_PRIVATE_KEY_FILE');
    privateKey = parseKey(() => createPrivateKey(unescapeNewlines(pem)), 'JWT_PRIVATE_KEY');
    const previousPem =
      source.previousPublicKeysPem ?? (source.previousPublicKeysFile ? readText(source.previousPublicKeysFile, 'JWT_PREVIOUS_PUBLIC_KEYS_FILE') : '');
    const blocks = unescapeNewlines(previousPem).match(PEM_BLOCK) ?? [];
    if (previousPem.trim() && blocks.length === 0) {
      throw new ConfigError(['JWT_PREVIOUS_PUBLIC_KEYS holds no PEM block (-----BEGIN PUBLIC KEY----- ...)']);
    }
    for (const block of blocks) previous.push(parseKey(() => createPublicKey(block), 'JWT_PREVIOUS_PUBLIC_KEYS'));
  }

  const current: SigningKey = { ...describe(createPublicKey(privateKey), 'signing key'), privateKey };
  const verificationKeys = new Map<string, VerificationKey>([[current.kid, current]]);
  for (const key of previous) {
    const described = describe(key, 'JWT_PREVIOUS_PUBLIC_KEYS');
    if (!verificationKeys.has(described.kid)) verificationKeys.set(described.kid, described);
  }
  const keys = [...verificationKeys.values()].map((k) => k.jwk);
  return { current, verificationKeys, jwks: () => ({ keys }) };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function describe(publicKey: KeyObject, what: string): VerificationKey {
  const alg = algorithmOf(publicKey, what);
  const exported = publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(exported);
  const jwk: PublicJwk =
    exported.kty === 'RSA'
      ? { kty: 'RSA', kid, alg, use: 'sig', n: exported.n!, e: exported.e! }
      : { kty: 'EC', kid, alg, use: 'sig', crv: exported.crv!, x: exported.x!, y: exported.y! };
  return { kid, alg, publicKey, jwk };
}

function algorithmOf(key: KeyObject, what: string): SigningAlgorithm {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    if ((details?.modulusLength ?? 0) < 2048) throw new ConfigError([`${what}: RSA keys must have at least 2048 bits`]);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ES256';
  throw new ConfigError([`${what}: only RSA (RS256) and EC P-256 (ES256) keys are supported, got ${key.asymmetricKeyType}`]);
}

function loadOrCreateKeyFile(dir: string): KeyObject {
  const file = join(dir, KEY_FILE);
  const existing = tryRead(file);
  if (existing !== undefined) return parseKey(() => createPrivateKey(existing), file);

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  // Written aside then hard-linked into place: link fails if another instance got there first,
  // and then both use the file that won, so no instance signs with a key nobody publishes.
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, pem, { mode: 0o600 });
  try {
    linkSync(temp, file);
    chmodSync(file, 0o600);
    return privateKey;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return parseKey(() => createPrivateKey(readFileSync(file, 'utf8')), file);
  } finally {
    rmSync(temp, { force: true });
  }
}

function tryRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function readText(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${variable}: cannot read ${file} (${(err as Error).message})`]);
  }
}

function parseKey(parse: () => KeyObject, what: string): KeyObject {
  try {
    return parse();
  } catch (err) {
    throw new ConfigError([`${what} is not a valid PEM key (${(err as Error).message})`]);
  }
}

// Orchestrators often flatten multi-line secrets into one line with literal "\n".
function unescapeNewlines(pem: string): string {
  return pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
}
