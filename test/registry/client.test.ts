// The registry client against a real docker-registry on loopback: digests of every manifest kind
// (checked against the pushed bytes and skopeo), multi-arch and platform pins, not-found errors,
// Basic and token auth with credentials from config files and helpers, TLS with private CAs,
// mirrors, proxies, and (through the harness's fault proxy) timeouts, retries, rate limits,
// digest checks, redirects, cancellation, de-duplication and caching. No secret may reach a
// log line or an error message.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  pushImage, seedStandard, sha256, skopeoDigest, startFaultProxy, startRecorder, startRegistry,
  type FaultProxy, type PushedImage, type RunningRegistry,
} from '../helpers/registry';
import { closedPort } from '../helpers/ports';

import { RegistryClient, RegistryError, type RegistryClientOptions } from '../../server/src/registry/index';
import { parseReference, type ImageReference } from '../../server/src/core/reference';
type Client = RegistryClient;
type ClientOptions = RegistryClientOptions;
type RegistryErrorT = RegistryError;

const BASIC_USER = { username: 'alice', password: 'alice-Secret-7f3k' };
const TOKEN_USER = { username: 'bob', password: 'bob-Secret-9x2q' };
const IDENTITY_TOKEN = 'identity-Secret-55aa';
const PROXY_PASSWORD = 'proxy-Secret-13zz';

/** Every value that must never be printed; bearer tokens seen on the wire are added as tests run. */
const secrets = new Set<string>([BASIC_USER.password, TOKEN_USER.password, IDENTITY_TOKEN, PROXY_PASSWORD]);
const logLines: string[] = [];
const errorMessages: string[] = [];
const clients: Client[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function client(opts: ClientOptions = {}): Client {
  const c = new RegistryClient({ env: isolatedEnv(), ...opts, log: (line) => logLines.push(line) });
  clients.push(c);
  return c;
}

let scratch: string;
/** An environment with no credentials or proxies of the machine running the tests. */
function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: scratch, DOCKER_CONFIG: path.join(scratch, 'no-docker-config'), ...extra };
}

function ref(text: string): ImageReference {
  const parsed = parseReference(text);
  assert.ok(parsed.ok, `test reference ${text} should parse`);
  return parsed.ref;
}

async function expectError(promise: Promise<unknown>, code: string): Promise<RegistryErrorT> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof RegistryError, `expected a RegistryError, got ${String(err)}`);
    errorMessages.push(err.message);
    assert.equal(err.code, code, `code of: ${err.message}`);
    assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace in the message');
    return err;
  }
  assert.fail(`expected a ${code} error`);
}

async function writeDockerConfig(config: object): Promise<string> {
  const dir = await mkdtemp(path.join(scratch, 'docker-'));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

function basicAuth(user: { username: string; password: string }): string {
  return Buffer.from(`${user.username}:${user.password}`).toString('base64');
}

function manifestRequests(proxy: FaultProxy, method?: string) {
  return proxy.requests.filter((r) => r.path.includes('/manifests/') && (!method || r.method === method));
}

/** Bearer tokens that crossed a fault proxy become secrets the logs must not contain. */
function harvestTokens(proxy: FaultProxy): void {
  for (const r of proxy.requests) {
    const value = r.headers.authorization;
    if (typeof value === 'string' && value.startsWith('Bearer ')) secrets.add(value.slice(7));
  }
}

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'image-pin-registry-client-'));
  cleanups.push(() => rm(scratch, { recursive: true, force: true }));
});

describe('resolving tags on a plain registry', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  before(async () => {
    reg = await startRegistry();
    cleanups.push(() => reg.stop());
    seeded = await seedStandard(reg);
  });

  it('gives sha256 of the pushed bytes, the same as skopeo, for every manifest kind', async () => {
    const c = client();
    for (const key of ['app:1.0', 'org/team/app:1.0.0', 'multi:1.0', 'legacy-multi:2.0', 'library/busybox:1.36']) {
      const result = await c.resolve(ref(`${reg.host}/${key}`));
      assert.equal(result.digest, sha256(seeded[key].bytes), key);
      assert.equal(result.digest, await skopeoDigest(reg, key), `${key} vs skopeo`);
      assert.equal(result.mediaType, seeded[key].mediaType, key);
      assert.equal(result.reference, `${reg.host}/${key}`);
      assert.equal(result.registry, reg.host);
    }
  });

  it('gives the index or list digest for multi-arch tags, never a platform digest, and lists platforms on request', async () => {
    const c = client();
    for (const key of ['multi:latest', 'legacy-multi:stable']) {
      const image = seeded[key];
      const plain = await c.resolve(ref(`${reg.host}/${key}`));
      assert.equal(plain.digest, image.digest);
      assert.ok(!image.children!.some((child) => child.digest === plain.digest));
      const withPlatforms = await c.resolve(ref(`${reg.host}/${key}`), { withPlatforms: true });
      assert.equal(withPlatforms.digest, image.digest);
      assert.deepEqual(
        withPlatforms.platforms,
        image.children!.map((child) => ({ ...child.platform, digest: child.digest })),
      );
    }
  });

  it('keeps a pinned platform: keepPlatformOf a child digest gives that platform\'s child', async () => {
    const c = client();
    const multi = seeded['multi:1.0'];
    const arm64 = multi.children!.find((child) => child.platform.architecture === 'arm64')!;
    const kept = await c.resolve(ref(`${reg.host}/multi:1.0`), { keepPlatformOf: arm64.digest });
    assert.equal(kept.digest, arm64.digest);
    assert.equal(kept.mediaType, arm64.mediaType);
    // A pin that is not a child of this tag's index gets the index.
    const unrelated = await c.resolve(ref(`${reg.host}/multi:1.0`), { keepPlatformOf: seeded['app:1.0'].digest });
    assert.equal(unrelated.digest, multi.digest);
    // A single-platform tag is itself the answer.
    const single = await c.resolve(ref(`${reg.host}/app:1.0`), { keepPlatformOf: arm64.digest });
    assert.equal(single.digest, seeded['app:1.0'].digest);
  });

  it('follows the pinned platform to the new child when the tag moved to a new index', async () => {
    const platforms = [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ];
    const before = await pushImage(reg, { name: 'moving', tags: ['stable'], kind: 'docker-list', seed: 'moving-1', platforms });
    const now = await pushImage(reg, { name: 'moving', tags: ['stable'], kind: 'docker-list', seed: 'moving-2', platforms });
    const oldArm = before.children!.find((child) => child.platform.architecture === 'arm')!;
    const newArm = now.children!.find((child) => child.platform.architecture === 'arm')!;
    assert.notEqual(oldArm.digest, newArm.digest);
    const result = await client().resolve(ref(`${reg.host}/moving:stable`), { keepPlatformOf: oldArm.digest });
    assert.equal(result.digest, newArm.digest);
  });

  it('resolves nested repository names', async () => {
    const result = await client().resolve(ref(`${reg.host}/org/team/app:main`));
    assert.equal(result.repository, 'org/team/app');
    assert.equal(result.digest, seeded['org/team/app:main'].digest);
  });

  it('tells a missing tag from a missing repository', async () => {
    const c = client();
    const tag = await expectError(c.resolve(ref(`${reg.host}/app:nope`)), 'tag-not-found');
    assert.equal(tag.message, `tag "nope" of ${reg.host}/app was not found (MANIFEST_UNKNOWN) — check the tag`);
    assert.equal(tag.reference, `${reg.host}/app:nope`);
    assert.equal(tag.registry, reg.host);
    assert.equal(tag.status, 404);
    const repo = await expectError(c.resolve(ref(`${reg.host}/no/such/repo:1.0`)), 'repository-not-found');
    assert.match(repo.message, new RegExp(`repository ${reg.host.replace(/\./g, '\\.')}/no/such/repo was not found`));
  });

  it('looks tags up at a mirror and keeps the original name', async () => {
    const c = client({ registries: { 'docker.io': { mirror: reg.host } } });
    const result = await c.resolve(ref('busybox:1.36'));
    assert.equal(result.digest, seeded['library/busybox:1.36'].digest);
    assert.equal(result.registry, 'docker.io');
    assert.equal(result.repository, 'library/busybox');
    assert.equal(result.reference, 'docker.io/library/busybox:1.36');
    assert.equal(result.mirror, reg.host, 'the result says which mirror answered');
  });

  it('a failed lookup through a mirror names the image as written, then the mirror', async () => {
    const c = client({ registries: { 'ghcr.io': { mirror: reg.host } } });
    const err = await expectError(c.resolve(ref('ghcr.io/acme/report-runner:1.0')), 'repository-not-found');
    assert.match(err.message, new RegExp(`^repository ghcr\\.io/acme/report-runner \\(via mirror ${reg.host.replace(/\./g, '\\.')}\\) was not found`));
  });

  it('a registry that refuses connections on loopback: why, and that it may not be running', async () => {
    const port = await closedPort();
    const err = await expectError(client().resolve(ref(`127.0.0.1:${port}/app:1.0`)), 'unreachable');
    assert.match(err.message, new RegExp(`^could not reach 127\\.0\\.0\\.1:${port} to look up 127\\.0\\.0\\.1:${port}/app:1\\.0: the connection was refused \\(ECONNREFUSED\\) — check that the registry is running`));
  });

  it('refuses plain HTTP to a host that is neither loopback nor marked insecure', async () => {
    const c = client({ registries: { 'registry.example.net': { mirror: 'http://registry.example.net' } } });
    const err = await expectError(c.resolve(ref('registry.example.net/app:1.0')), 'insecure');
    assert.match(err.message, /plain HTTP/);
  });

  it('caches results for the TTL; clearCache and noCache bypass it', async () => {
    const proxy = await startFaultProxy(reg.url);
    cleanups.push(() => proxy.stop());
    const c = client({ cacheTtlSeconds: 1 });
    const r = ref(`${proxy.host}/app:dev`);
    const first = await c.resolve(r);
    const second = await c.resolve(r);
    assert.deepEqual(second, first);
    assert.equal(c.stats.cacheHits, 1);
    assert.equal(manifestRequests(proxy).length, 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await c.resolve(r);
    assert.equal(manifestRequests(proxy).length, 2, 'expired entry is fetched again');
    c.clearCache();
    await c.resolve(r);
    assert.equal(manifestRequests(proxy).length, 3, 'clearCache forgets');
    const uncached = client({ noCache: true });
    await uncached.resolve(r);
    await uncached.resolve(r);
    assert.equal(manifestRequests(proxy).length, 5);
    assert.equal(uncached.stats.cacheHits, 0);
  });

  it('sends one manifest request for 10 concurrent resolves of one reference', async () => {
    const proxy = await startFaultProxy(reg.url);
    cleanups.push(() => proxy.stop());
    const c = client();
    const results = await Promise.all(Array.from({ length: 10 }, () => c.resolve(ref(`${proxy.host}/app:latest`))));
    assert.ok(results.every((result) => result.digest === seeded['app:latest'].digest));
    assert.equal(manifestRequests(proxy).length, 1);
    assert.equal(c.stats.manifestRequests, 1);
  });

  it('keeps the shared lookup going when one deduplicated caller aborts', async () => {
    const proxy = await startFaultProxy(reg.url);
    cleanups.push(() => proxy.stop());
    proxy.setFault({ kind: 'delay', ms: 300 });
    const c = client();
    const leaving = new AbortController();
    const r = ref(`${proxy.host}/multi:latest`);
    const a = c.resolve(r, { signal: leaving.signal });
    const b = c.resolve(r);
    const d = c.resolve(r);
    setTimeout(() => leaving.abort(), 50);
    await expectError(a, 'cancelled');
    assert.equal((await b).digest, seeded['multi:latest'].digest);
    assert.equal((await d).digest, seeded['multi:latest'].digest);
    assert.equal(manifestRequests(proxy).length, 1);
  });

  it('cancels a hung request promptly and frees its slot', async () => {
    const proxy = await startFaultProxy(reg.url);
    cleanups.push(() => proxy.stop());
    proxy.setFault({ kind: 'hang' });
    const c = client({ perHostConcurrency: 1 });
    const controller = new AbortController();
    const hung = c.resolve(ref(`${proxy.host}/app:1.0`), { signal: controller.signal });
    await waitFor(() => manifestRequests(proxy).length === 1);
    const abortedAt = Date.now();
    controller.abort();
    const err = await expectError(hung, 'cancelled');
    assert.ok(Date.now() - abortedAt < 500, 'rejected promptly');
    assert.match(err.message, /cancelled/);
    // The only per-host slot must be free again.
    proxy.setFault(null);
    const next = await c.resolve(ref(`${proxy.host}/app:dev`), { signal: AbortSignal.timeout(5000) });
    assert.equal(next.digest, seeded['app:dev'].digest);
  });

  it('limits concurrent requests per host and globally', async () => {
    const proxyA = await startFaultProxy(reg.url);
    const proxyB = await startFaultProxy(reg.url);
    cleanups.push(() => proxyA.stop(), () => proxyB.stop());
    proxyA.setFault({ kind: 'delay', ms: 200 });
    proxyB.setFault({ kind: 'delay', ms: 200 });
    const keys = ['app:1.0', 'app:latest', 'app:dev', 'multi:1.0'];
    const perHost = client({ perHostConcurrency: 2 });
    let started = Date.now();
    await Promise.all(keys.map((key) => perHost.resolve(ref(`${proxyA.host}/${key}`))));
    assert.ok(Date.now() - started >= 380, `4 requests, 2 at a time, 200 ms each: took ${Date.now() - started} ms`);
    const global = client({ globalConcurrency: 1 });
    started = Date.now();
    await Promise.all([global.resolve(ref(`${proxyA.host}/app:1.0`)), global.resolve(ref(`${proxyB.host}/app:1.0`))]);
    assert.ok(Date.now() - started >= 380, `2 hosts, 1 request at a time: took ${Date.now() - started} ms`);
  });
});

describe('faults between the client and the registry', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let proxy: FaultProxy;
  before(async () => {
    reg = await startRegistry();
    cleanups.push(() => reg.stop());
    seeded = await seedStandard(reg);
    proxy = await startFaultProxy(reg.url);
    cleanups.push(() => proxy.stop());
  });
  const app = () => ref(`${proxy.host}/app:1.0`);
  const fresh = (opts: ClientOptions = {}) => {
    proxy.requests.length = 0;
    return client({ noCache: true, ...opts });
  };

  it('times out when the headers do not come in time', async () => {
    proxy.setFault({ kind: 'delay', ms: 3000 });
    const c = fresh({ timeouts: { headersMs: 300 } });
    const started = Date.now();
    const err = await expectError(c.resolve(app()), 'timeout');
    assert.ok(Date.now() - started < 2000);
    assert.match(err.message, /did not answer in time .*no response headers within 300 ms/);
  });

  it('a body trickled a byte at a time meets the total deadline: timeout', { timeout: 30_000 }, async () => {
    // Never idle for long (each byte restarts an idle timer), never done: only a total deadline ends it.
    proxy.setFault({ kind: 'trickle', intervalMs: 100 });
    const c = fresh({ verifyDigests: true, timeouts: { totalMs: 1000 } });
    const err = await expectError(c.resolve(app()), 'timeout');
    assert.match(err.message, /did not answer in time .*no complete response within 1000 ms/);
    assert.ok(manifestRequests(proxy, 'GET').length >= 1, 'the body was being trickled');
    proxy.setFault(null);
  });

  it('retries connection resets and closes, then succeeds', async () => {
    proxy.setFault({ kind: 'reset', times: 2 });
    const c = fresh();
    assert.equal((await c.resolve(app())).digest, seeded['app:1.0'].digest);
    assert.equal(c.stats.retries, 2);
    proxy.setFault({ kind: 'close', times: 1 });
    const d = fresh();
    assert.equal((await d.resolve(app())).digest, seeded['app:1.0'].digest);
    assert.equal(d.stats.retries, 1);
  });

  it('gives up on persistent resets after the retry budget: unreachable', async () => {
    proxy.setFault({ kind: 'reset' });
    const c = fresh();
    const err = await expectError(c.resolve(app()), 'unreachable');
    assert.equal(c.stats.retries, 3);
    assert.equal(manifestRequests(proxy).length, 4);
    assert.match(err.message, /could not reach .* \(ECONNRESET\)/);
  });

  it('waits for Retry-After (seconds or HTTP date) on 429 and 503, then succeeds', async () => {
    proxy.setFault({ kind: 'status', status: 429, retryAfter: '1', times: 1 });
    const c = fresh();
    let started = Date.now();
    assert.equal((await c.resolve(app())).digest, seeded['app:1.0'].digest);
    assert.ok(Date.now() - started >= 950, 'waited the second it was asked to');
    assert.equal(c.stats.retries, 1);
    proxy.setFault({ kind: 'status', status: 503, retryAfter: new Date(Date.now() + 2000).toUTCString(), times: 1 });
    started = Date.now();
    assert.equal((await fresh().resolve(app())).digest, seeded['app:1.0'].digest);
    assert.ok(Date.now() - started >= 900, 'waited until the date');
  });

  it('fails with rate-limited when Retry-After exceeds the bound, naming ratelimit-remaining', async () => {
    proxy.setFault({ kind: 'status', status: 429, retryAfter: '120', headers: { 'RateLimit-Remaining': '0;w=21600' } });
    const c = fresh({ maxRetryAfterMs: 5000 });
    const started = Date.now();
    const err = await expectError(c.resolve(app()), 'rate-limited');
    assert.ok(Date.now() - started < 1000, 'did not wait');
    assert.equal(err.status, 429);
    assert.match(err.message, /asked to wait 120 s, more than the 5 s allowed/);
    assert.match(err.message, /ratelimit-remaining 0;w=21600/);
    assert.equal(c.stats.retries, 0);
  });

  it('stops retrying 429 and 503 after the budget', async () => {
    proxy.setFault({ kind: 'status', status: 429, retryAfter: '0' });
    const limited = fresh({ retries: 2 });
    await expectError(limited.resolve(app()), 'rate-limited');
    assert.equal(manifestRequests(proxy).length, 3);
    proxy.setFault({ kind: 'status', status: 503 });
    const unavailable = fresh({ retries: 1 });
    const err = await expectError(unavailable.resolve(app()), 'unreachable');
    assert.match(err.message, /answered HTTP 503/);
    assert.equal(manifestRequests(proxy).length, 2);
  });

  it('reports a 500 as a bad response without retrying', async () => {
    proxy.setFault({ kind: 'status', status: 500 });
    const c = fresh();
    const err = await expectError(c.resolve(app()), 'bad-response');
    assert.equal(err.status, 500);
    // The HEAD has no body: one GET learns the registry's error code; neither is retried.
    assert.match(err.message, /answered HTTP 500 for .*app:1\.0 \(UNKNOWN: injected by the test fault proxy\)/);
    assert.deepEqual(manifestRequests(proxy).map((r) => r.method), ['HEAD', 'GET']);
    assert.equal(c.stats.retries, 0);
  });

  it('refuses a Docker-Content-Digest that disagrees with the bytes when verifying', async () => {
    proxy.setFault({ kind: 'wrong-digest' });
    const err = await expectError(fresh({ verifyDigests: true }).resolve(app()), 'digest-mismatch');
    assert.match(err.message, new RegExp(seeded['app:1.0'].digest));
    // Multi-arch with platforms: the body is fetched by the (wrong) digest the HEAD named.
    await expectError(fresh().resolve(ref(`${proxy.host}/multi:1.0`), { withPlatforms: true }), 'digest-mismatch');
  });

  it('computes the digest from the bytes when the header is missing', async () => {
    proxy.setFault({ kind: 'drop-digest' });
    const c = fresh();
    for (const key of ['app:1.0', 'multi:1.0', 'legacy-multi:2.0']) {
      assert.equal((await c.resolve(ref(`${proxy.host}/${key}`))).digest, sha256(seeded[key].bytes), key);
    }
    assert.ok(manifestRequests(proxy, 'GET').length >= 3, 'fetched the manifests');
  });

  it('verifies digests of served manifests when asked', async () => {
    proxy.setFault(null);
    const c = fresh({ verifyDigests: true });
    const result = await c.resolve(ref(`${proxy.host}/legacy-multi:stable`));
    assert.equal(result.digest, seeded['legacy-multi:stable'].digest);
    assert.equal(result.platforms?.length, 2, 'the body was fetched, so platforms come along');
    assert.equal(manifestRequests(proxy, 'GET').length, 1);
  });
});

describe('Basic auth', () => {
  let reg: RunningRegistry;
  let image: PushedImage;
  before(async () => {
    reg = await startRegistry({ auth: { kind: 'basic', users: { [BASIC_USER.username]: BASIC_USER.password } } });
    cleanups.push(() => reg.stop());
    image = await pushImage(reg, { name: 'org/app', tags: ['1.0'], kind: 'oci-manifest', seed: 'basic' });
  });
  const target = () => ref(`${reg.host}/org/app:1.0`);

  it('uses an `auth` entry from $DOCKER_CONFIG/config.json', async () => {
    const dir = await writeDockerConfig({ auths: { [reg.host]: { auth: basicAuth(BASIC_USER) } } });
    const result = await client({ env: isolatedEnv({ DOCKER_CONFIG: dir }) }).resolve(target());
    assert.equal(result.digest, image.digest);
  });

  it('uses username/password from a config at dockerConfigPath', async () => {
    const dir = await writeDockerConfig({ auths: { [`https://${reg.host}`]: { ...BASIC_USER } } });
    const result = await client({ dockerConfigPath: path.join(dir, 'config.json') }).resolve(target());
    assert.equal(result.digest, image.digest);
  });

  it('uses containers auth.json from REGISTRY_AUTH_FILE', async () => {
    const file = path.join(scratch, 'basic-auth.json');
    await writeFile(file, JSON.stringify({ auths: { [reg.host]: { auth: basicAuth(BASIC_USER) } } }));
    const result = await client({ env: isolatedEnv({ REGISTRY_AUTH_FILE: file }) }).resolve(target());
    assert.equal(result.digest, image.digest);
  });

  it('without credentials: says none were found and how to log in', async () => {
    const err = await expectError(client().resolve(target()), 'unauthorized');
    assert.equal(err.message, `${reg.host} denied access to org/app: no credentials found for ${reg.host} — run docker login ${reg.host}`);
  });

  it('with a wrong password: names the file the credentials came from', async () => {
    const dir = await writeDockerConfig({ auths: { [reg.host]: { username: BASIC_USER.username, password: `${BASIC_USER.password}-wrong` } } });
    secrets.add(`${BASIC_USER.password}-wrong`);
    const err = await expectError(client({ env: isolatedEnv({ DOCKER_CONFIG: dir }) }).resolve(target()), 'unauthorized');
    assert.match(err.message, /unauthorized with the credentials from .*config\.json — run docker login/);
    // HOME is the scratch dir, so the path is shown from ~.
    assert.ok(err.message.includes(`~/${path.relative(scratch, dir)}/config.json`), err.message);
  });
});

describe('a redirect that keeps the credentials from the host that asks for them', () => {
  let reg: RunningRegistry;
  before(async () => {
    reg = await startRegistry({ auth: { kind: 'basic', users: { [BASIC_USER.username]: BASIC_USER.password } } });
    cleanups.push(() => reg.stop());
    await pushImage(reg, { name: 'org/app', tags: ['1.0'], kind: 'oci-manifest', seed: 'bounce' });
  });

  it('says what happened instead of asking to renew credentials that are fine', async () => {
    // The registry is reached as `front`, which redirects every request to `back`, another origin
    // in front of the same registry: the credentials for `front` are never sent to `back`.
    const back = await startFaultProxy(reg.url);
    const front = await startFaultProxy(reg.url);
    cleanups.push(() => front.stop(), () => back.stop());
    front.setFault({ kind: 'redirect', to: back.url });
    const dir = await writeDockerConfig({ auths: { [front.host]: { auth: basicAuth(BASIC_USER) } } });
    const err = await expectError(client({ env: isolatedEnv({ DOCKER_CONFIG: dir }) }).resolve(ref(`${front.host}/org/app:1.0`)), 'unauthorized');
    assert.doesNotMatch(err.message, /renew/);
    assert.match(err.message, new RegExp(`redirected the lookup of ${front.host}/org/app:1.0 to ${back.host}, which asked for credentials`));
    assert.match(err.message, /not tried there and nothing says they are wrong/);
    assert.ok(back.requests.every((r) => r.headers.authorization === undefined), 'no credential crossed the redirect');
    assert.ok(front.requests.some((r) => String(r.headers.authorization).startsWith('Basic ')), 'the credentials were offered to their own host');
  });
});

describe('token auth', () => {
  let reg: RunningRegistry;
  let images: Record<string, PushedImage>;
  let helperBin: string;
  before(async () => {
    reg = await startRegistry({ auth: { kind: 'token', users: { [TOKEN_USER.username]: TOKEN_USER.password } } });
    cleanups.push(() => reg.stop());
    images = await seedStandard(reg);
    helperBin = path.join(scratch, 'bin');
    await mkdir(helperBin, { recursive: true });
    // A credential helper that records what it was asked for and answers with the test user.
    for (const name of ['imagepintest', 'Evil']) {
      await writeFile(
        path.join(helperBin, `docker-credential-${name}`),
        `#!/bin/sh\nread -r server\necho "$1 $server" >> "$HELPER_MARKER"\n` +
          `printf '{"ServerURL":"%s","Username":"${TOKEN_USER.username}","Secret":"${TOKEN_USER.password}"}' "$server"\n`,
      );
      await chmod(path.join(helperBin, `docker-credential-${name}`), 0o755);
    }
  });
  const helperEnv = (dockerConfig: string, marker: string) =>
    isolatedEnv({ DOCKER_CONFIG: dockerConfig, PATH: `${helperBin}:${process.env.PATH}`, HELPER_MARKER: marker });

  it('fetches one token per repository scope with the credentials, then reuses it', async () => {
    const dir = await writeDockerConfig({ auths: { [reg.host]: { auth: basicAuth(TOKEN_USER) } } });
    const token = reg.tokenServer!;
    token.requests.length = 0;
    const c = client({ env: isolatedEnv({ DOCKER_CONFIG: dir }), noCache: true });
    const keys = ['app:1.0', 'app:latest', 'app:dev', 'org/team/app:1.0.0', 'org/team/app:main'];
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(keys.map((key) => c.resolve(ref(`${reg.host}/${key}`))));
      results.forEach((result, i) => assert.equal(result.digest, images[keys[i]].digest));
    }
    const scopes = token.requests.map((r) => r.scope).sort();
    assert.deepEqual(scopes, ['repository:app:pull', 'repository:org/team/app:pull']);
    assert.ok(token.requests.every((r) => r.authorization === `Basic ${basicAuth(TOKEN_USER)}`));
    assert.equal(c.stats.tokenRequests, 2);
  });

  it('without credentials: unauthorized, with the docker login hint', async () => {
    const err = await expectError(client().resolve(ref(`${reg.host}/app:1.0`)), 'unauthorized');
    assert.match(err.message, new RegExp(`no credentials found for ${reg.host} — run docker login ${reg.host}$`));
  });

  it('with a wrong password: unauthorized with the credentials from the config file', async () => {
    const dir = await writeDockerConfig({ auths: { [reg.host]: { username: TOKEN_USER.username, password: 'not-the-Secret-1' } } });
    secrets.add('not-the-Secret-1');
    const err = await expectError(client({ env: isolatedEnv({ DOCKER_CONFIG: dir }) }).resolve(ref(`${reg.host}/app:1.0`)), 'unauthorized');
    assert.match(err.message, /unauthorized with the credentials from .*config\.json/);
  });

  it('runs a credHelpers entry (docker-credential-<name> get, registry on stdin)', async () => {
    const dir = await writeDockerConfig({ credHelpers: { [reg.host]: 'imagepintest' } });
    const marker = path.join(scratch, 'helper-ran-1');
    const c = client({ env: helperEnv(dir, marker), allowCredentialHelpers: true });
    assert.equal((await c.resolve(ref(`${reg.host}/app:1.0`))).digest, images['app:1.0'].digest);
    assert.equal(readFileSync(marker, 'utf8').trim(), `get ${reg.host}`);
  });

  it('runs the credsStore helper too', async () => {
    const dir = await writeDockerConfig({ auths: { [reg.host]: {} }, credsStore: 'imagepintest' });
    const marker = path.join(scratch, 'helper-ran-2');
    const c = client({ env: helperEnv(dir, marker), allowCredentialHelpers: true });
    assert.equal((await c.resolve(ref(`${reg.host}/multi:1.0`))).digest, images['multi:1.0'].digest);
    assert.ok(existsSync(marker));
  });

  it('never runs a helper when allowCredentialHelpers is false', async () => {
    const dir = await writeDockerConfig({ credHelpers: { [reg.host]: 'imagepintest' } });
    const marker = path.join(scratch, 'helper-ran-3');
    const err = await expectError(client({ env: helperEnv(dir, marker), allowCredentialHelpers: false }).resolve(ref(`${reg.host}/app:1.0`)), 'unauthorized');
    assert.ok(!existsSync(marker), 'the helper did not run');
    assert.match(err.message, /docker-credential-imagepintest was not run because credential helpers are disabled/);
  });

  it('refuses a helper whose name is not [a-z0-9._-]+', async () => {
    const dir = await writeDockerConfig({ credHelpers: { [reg.host]: 'Evil' } });
    const marker = path.join(scratch, 'helper-ran-4');
    const err = await expectError(client({ env: helperEnv(dir, marker), allowCredentialHelpers: true }).resolve(ref(`${reg.host}/app:1.0`)), 'unauthorized');
    assert.ok(!existsSync(marker), 'the helper did not run');
    assert.match(err.message, /not a valid name/);
  });

  it('sends no Authorization across a redirect to another host', async () => {
    const proxy = await startFaultProxy(reg.url);
    const recorder = await startRecorder();
    cleanups.push(() => proxy.stop(), () => recorder.stop());
    const dir = await writeDockerConfig({ auths: { [proxy.host]: { auth: basicAuth(TOKEN_USER) } } });
    const c = client({ env: isolatedEnv({ DOCKER_CONFIG: dir }) });
    assert.equal((await c.resolve(ref(`${proxy.host}/app:1.0`))).digest, images['app:1.0'].digest);
    proxy.requests.length = 0;
    proxy.setFault({ kind: 'redirect', to: recorder.url });
    await expectError(c.resolve(ref(`${proxy.host}/app:latest`)), 'repository-not-found');
    harvestTokens(proxy);
    assert.ok(proxy.requests.some((r) => String(r.headers.authorization).startsWith('Bearer ')), 'the redirected request carried a token');
    assert.ok(recorder.requests.length > 0, 'the redirect was followed');
    assert.ok(recorder.requests.every((r) => r.headers.authorization === undefined));
  });

  it('trades an identity token through the OAuth2 refresh-token POST, without Basic credentials', async () => {
    const recorder = await startRecorder();
    const proxy = await startFaultProxy(reg.url);
    cleanups.push(() => proxy.stop(), () => recorder.stop());
    proxy.setFault({
      kind: 'status', status: 401,
      headers: { 'WWW-Authenticate': `Bearer realm="${recorder.url}/oauth/token",service="svc, with comma",scope="repository:app:pull"` },
    });
    const dir = await writeDockerConfig({ auths: { [proxy.host]: { identitytoken: IDENTITY_TOKEN } } });
    const err = await expectError(client({ env: isolatedEnv({ DOCKER_CONFIG: dir }) }).resolve(ref(`${proxy.host}/app:1.0`)), 'bad-response');
    assert.match(err.message, /token service/);
    assert.equal(recorder.requests.length, 1);
    const [post] = recorder.requests;
    assert.equal(post.method, 'POST');
    assert.equal(post.path, '/oauth/token');
    assert.equal(post.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(post.headers.authorization, undefined);
  });

  it('refuses to send credentials to a plain-HTTP token realm on another host', async () => {
    const proxy = await startFaultProxy(reg.url);
    cleanups.push(() => proxy.stop());
    proxy.setFault({ kind: 'status', status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="http://auth.example.net/token",service="x"' } });
    const dir = await writeDockerConfig({ auths: { [proxy.host]: { auth: basicAuth(TOKEN_USER) } } });
    const err = await expectError(client({ env: isolatedEnv({ DOCKER_CONFIG: dir }) }).resolve(ref(`${proxy.host}/app:1.0`)), 'insecure');
    assert.match(err.message, /auth\.example\.net/);
  });
});

describe('TLS', () => {
  let reg: RunningRegistry;
  let image: PushedImage;
  before(async () => {
    reg = await startRegistry({ tls: true });
    cleanups.push(() => reg.stop());
    image = await pushImage(reg, { name: 'secure/app', tags: ['1.0'], kind: 'docker-v2', seed: 'tls' });
  });
  const target = () => ref(`${reg.host}/secure/app:1.0`);

  it('trusts a CA given by path or as PEM in the registry config', async () => {
    const byPath = await client({ registries: { [reg.host]: { ca: reg.caCertPath } } }).resolve(target());
    assert.equal(byPath.digest, image.digest);
    assert.equal(byPath.digest, await skopeoDigest(reg, 'secure/app:1.0'));
    const byPem = await client({ registries: { [reg.host]: { ca: reg.caCertPem } } }).resolve(target());
    assert.equal(byPem.digest, image.digest);
  });

  it('trusts NODE_EXTRA_CA_CERTS from the environment', async () => {
    const result = await client({ env: isolatedEnv({ NODE_EXTRA_CA_CERTS: reg.caCertPath }) }).resolve(target());
    assert.equal(result.digest, image.digest);
  });

  it('fails with tls without the CA, and never falls back to plain HTTP', async () => {
    const err = await expectError(client().resolve(target()), 'tls');
    assert.match(err.message, /could not verify the TLS certificate of localhost:\d+ .* — add its CA/);
  });
});

describe('proxies', () => {
  let reg: RunningRegistry;
  let tlsReg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let tlsImage: PushedImage;
  before(async () => {
    reg = await startRegistry();
    tlsReg = await startRegistry({ tls: true });
    cleanups.push(() => reg.stop(), () => tlsReg.stop());
    seeded = await seedStandard(reg);
    tlsImage = await pushImage(tlsReg, { name: 'app', tags: ['1.0'], kind: 'oci-manifest', seed: 'proxied-tls' });
  });
  // 0.0.0.0 is not loopback by name, so it is proxied; reached directly it would still be this machine.
  const port = (r: RunningRegistry) => r.host.split(':')[1];
  const far = (r: RunningRegistry) => `0.0.0.0:${port(r)}`;

  it('tunnels through HTTPS_PROXY and HTTP_PROXY for non-loopback hosts', async () => {
    const proxy = await startConnectProxy(reg.host);
    const c = client({ env: isolatedEnv({ HTTPS_PROXY: proxy.url, http_proxy: proxy.url }), registries: { [far(reg)]: { insecure: true } } });
    const result = await c.resolve(ref(`${far(reg)}/app:1.0`));
    assert.equal(result.digest, seeded['app:1.0'].digest);
    assert.ok(proxy.connects.some((entry) => entry.authority === far(reg)));
    await proxy.stop();
  });

  it('uses the explicit proxy option with proxy credentials, and strictSSL', async () => {
    const proxy = await startConnectProxy(tlsReg.host);
    const url = `http://user:${PROXY_PASSWORD}@${proxy.host}`;
    const strict = client({ proxy: { url } });
    await expectError(strict.resolve(ref(`${far(tlsReg)}/app:1.0`)), 'tls');
    const lax = client({ proxy: { url, strictSSL: false } });
    assert.equal((await lax.resolve(ref(`${far(tlsReg)}/app:1.0`))).digest, tlsImage.digest);
    assert.ok(proxy.connects.length >= 2);
    assert.ok(proxy.connects.every((entry) => entry.proxyAuthorization === `Basic ${Buffer.from(`user:${PROXY_PASSWORD}`).toString('base64')}`));
    secrets.add(Buffer.from(`user:${PROXY_PASSWORD}`).toString('base64'));
    await proxy.stop();
  });

  it('goes direct for NO_PROXY hosts and for loopback', async () => {
    const proxy = await startConnectProxy(reg.host);
    const env = isolatedEnv({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: 'example.com,0.0.0.0' });
    const c = client({ env, registries: { [far(reg)]: { insecure: true } } });
    assert.equal((await c.resolve(ref(`${far(reg)}/app:latest`))).digest, seeded['app:latest'].digest);
    assert.equal((await c.resolve(ref(`${reg.host}/app:dev`))).digest, seeded['app:dev'].digest);
    assert.equal(proxy.connects.length, 0);
    await proxy.stop();
  });
});

describe('secrets', () => {
  it('appear in no error message and no log line', () => {
    assert.ok(logLines.length > 50, 'the client logged its work');
    assert.ok(errorMessages.length > 15, 'errors were collected');
    assert.ok(secrets.size > 5, 'bearer tokens were collected');
    for (const secret of secrets) {
      for (const line of logLines) assert.ok(!line.includes(secret), `log line leaks a secret: ${line}`);
      for (const message of errorMessages) assert.ok(!message.includes(secret), `error leaks a secret: ${message}`);
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A CONNECT proxy on loopback that tunnels every request to `target`, recording what was asked. */
async function startConnectProxy(target: string) {
  const connects: Array<{ authority?: string; proxyAuthorization?: string }> = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    connects.push({ authority: req.url, proxyAuthorization: req.headers['proxy-authorization'] });
    const [host, port] = target.split(':');
    const upstream = net.connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(stop);
  return { url: `http://${address}`, host: address, connects, stop };
}
