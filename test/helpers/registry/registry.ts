import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { makeTlsFiles, makeTokenSigningFiles } from './certs';
import { assertInstalled, REGISTRY_INSTALL } from './exec';
import { startFaultProxy, type Fault } from './fault-proxy';
import { writeHtpasswd } from './htpasswd';
import { httpRequest } from './http';
import { launchRegistry } from './process';
import { makeTempDir } from './tempdir';
import { startTokenServer, type TokenRequestRecord } from './token-server';

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'basic'; users: Record<string, string> }
  | { kind: 'token'; users: Record<string, string> };

export interface StartOptions { auth?: RegistryAuth; tls?: boolean; }

export interface TokenServerInfo {
  /** The realm the registry advertises (`…/token`). */
  url: string;
  /** Tokens issued so far (anonymous ones included). Plain fields: a test may reset them. */
  issued: number;
  requests: TokenRequestRecord[];
  /** The realm is served through a fault proxy; this injects a fault into token requests. */
  setFault(f: Fault | null): void;
}

export interface RunningRegistry {
  host: string;
  url: string;
  caCertPem?: string;
  caCertPath?: string;
  certDir?: string;
  tokenServer?: TokenServerInfo;
  /** The account the seeding helper (and skopeoDigest) uses: pull and push. Absent when auth is none. */
  pushCredentials?: { username: string; password: string };
  /** Temp dir holding config, storage and certs; removed by stop(). */
  tempDir?: string;
  /** The docker-registry process id. */
  pid?: number;
  stop(): Promise<void>;
}

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const TOKEN_SERVICE = 'image-pin-test-registry';
const TOKEN_ISSUER = 'image-pin-test-token-issuer';
const PUSHER = 'image-pin-seeder';

/** Starts a real docker-registry on loopback with a config of its own. Throws (never skips) when it is not installed. */
export async function startRegistry(opts: StartOptions = {}): Promise<RunningRegistry> {
  await assertInstalled(REGISTRY_BINARY, REGISTRY_INSTALL);
  const auth = opts.auth ?? { kind: 'none' };
  if (auth.kind !== 'none' && Object.hasOwn(auth.users, PUSHER)) throw new Error(`user name ${PUSHER} is reserved for the seeding helper`);
  const dir = await makeTempDir('image-pin-registry-');
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const cleanup = async () => { for (const c of [...cleanups].reverse()) await c(); };

  try {
    const pushCredentials = auth.kind === 'none' ? undefined : { username: PUSHER, password: randomBytes(16).toString('hex') };
    const tls = opts.tls ? await makeTlsFiles(dir) : undefined;

    const http: Record<string, unknown> = { addr: '127.0.0.1:0', secret: randomBytes(16).toString('hex') };
    if (tls) http.tls = { certificate: tls.serverCertPath, key: tls.serverKeyPath };

    let authConfig: Record<string, unknown> | undefined;
    let tokenServer: TokenServerInfo | undefined;
    if (auth.kind === 'basic') {
      const file = path.join(dir, 'htpasswd');
      await writeHtpasswd(file, { ...auth.users, [PUSHER]: pushCredentials!.password });
      authConfig = { htpasswd: { realm: 'image-pin-test', path: file } };
    } else if (auth.kind === 'token') {
      const signer = await makeTokenSigningFiles(dir);
      // The token server counts straight into the object tests hold, so `issued` and `requests` stay live and resettable.
      const info: TokenServerInfo = { url: '', issued: 0, requests: [], setFault: (f) => proxy.setFault(f) };
      const server = await startTokenServer({
        service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, signerCertPem: signer.certPem, signerKeyPem: signer.keyPem,
        users: auth.users, pusher: pushCredentials!, log: info,
      });
      cleanups.push(() => server.stop());
      const proxy = await startFaultProxy(server.baseUrl, { unref: true });
      cleanups.push(() => proxy.stop());
      info.url = `${proxy.url}/token`;
      tokenServer = info;
      authConfig = { token: { realm: info.url, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: signer.certPath } };
    }

    const config = {
      version: '0.1',
      log: { level: 'info', formatter: 'text', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: path.join(dir, 'storage') },
        // Tests delete manifests through the API (a digest that no longer exists).
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http,
      ...(authConfig ? { auth: authConfig } : {}),
    };
    const configPath = path.join(dir, 'config.yml');
    // JSON is YAML; the registry reads it as is.
    await writeFile(configPath, JSON.stringify(config, null, 2));

    const proc = await launchRegistry(REGISTRY_BINARY, configPath, dir, registryEnv());
    cleanups.push(() => proc.stop());
    const port = proc.address.split(':')[1];
    const host = tls ? `localhost:${port}` : `127.0.0.1:${port}`;
    const url = `${tls ? 'https' : 'http'}://${host}`;
    await waitUntilServing(`${url}/v2/`, tls?.caCertPem);

    let stopped: Promise<void> | undefined;
    return {
      host, url, tokenServer, pushCredentials,
      caCertPem: tls?.caCertPem, caCertPath: tls?.caCertPath, certDir: tls?.certDir,
      tempDir: dir, pid: proc.pid,
      stop: () => stopped ??= cleanup(),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The parent's environment without REGISTRY_* variables, which would override keys of the generated config. */
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
}

/** Polls `GET /v2/` until the registry answers 200, or 401 when auth is on. */
async function waitUntilServing(url: string, ca: string | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await httpRequest(url, { ca, timeoutMs: 2000 });
      if (res.status === 200 || res.status === 401) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`registry at ${url} did not answer within ${timeoutMs} ms (last: ${last})`);
}
