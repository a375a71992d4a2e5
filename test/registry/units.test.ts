// The registry client's pure pieces: challenge parsing, Retry-After, NO_PROXY, host rules,
// credential lookup from config files, manifest parsing, and the limit/dedupe primitives.
import { isPrivateHost, unreachableAdvice, whyUnreachable } from '../../server/src/registry/advice';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { parseWwwAuthenticate } from '../../server/src/registry/auth';
import { parseRetryAfter, matchesNoProxy, backoffMs } from '../../server/src/registry/transport';
import * as hosts from '../../server/src/registry/hosts';
import { CredentialStore, HELPER_NAME, normaliseConfigKey, type CredentialOptions } from '../../server/src/registry/credentials';
import * as manifest from '../../server/src/registry/manifest';
import { InFlight, Semaphore } from '../../server/src/registry/limits';
import { SecretScrubber, displayUrl } from '../../server/src/registry/redact';
import { classifyNetworkError } from '../../server/src/registry/errors';
import { TtlCache } from '../../server/src/registry/cache';

describe('WWW-Authenticate parsing', () => {
  it('reads a Bearer challenge whose quoted scope contains commas', () => {
    const [c] = parseWwwAuthenticate(
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:org/app:pull,push"',
    );
    assert.equal(c.scheme, 'bearer');
    assert.deepEqual(c.params, {
      realm: 'https://auth.example.com/token',
      service: 'registry.example.com',
      scope: 'repository:org/app:pull,push',
    });
  });

  it('separates several challenges on one line and keeps error parameters', () => {
    const list = parseWwwAuthenticate(
      'Basic realm="basic, with comma", Bearer realm="https://r/t", service=svc, error="insufficient_scope"',
    );
    assert.deepEqual(list.map((c) => c.scheme), ['basic', 'bearer']);
    assert.equal(list[0].params.realm, 'basic, with comma');
    assert.deepEqual(list[1].params, { realm: 'https://r/t', service: 'svc', error: 'insufficient_scope' });
  });

  it('reads challenges split over several header lines, with escapes and odd spacing', () => {
    const list = parseWwwAuthenticate(['Basic realm="a \\"quoted\\" realm"', 'Bearer  REALM = "https://x/y" ,Service="s"']);
    assert.equal(list[0].params.realm, 'a "quoted" realm');
    assert.deepEqual(list[1].params, { realm: 'https://x/y', service: 's' });
  });

  it('ignores token68 values and survives garbage', () => {
    assert.deepEqual(parseWwwAuthenticate('Negotiate abc123=='), [{ scheme: 'negotiate', params: {} }]);
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate('=="'), []);
  });
});

describe('Retry-After and backoff', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('backs off exponentially with jitter, capped', () => {
    assert.equal(backoffMs(0, () => 0), 125);
    assert.equal(backoffMs(0, () => 1), 250);
    assert.equal(backoffMs(2, () => 1), 1000);
    assert.equal(backoffMs(20, () => 1), 8000);
  });
});

describe('NO_PROXY matching', () => {
  const url = (u: string) => new URL(u);
  it('matches hosts, domain suffixes, ports and the wildcard', () => {
    assert.ok(matchesNoProxy(url('https://registry.corp.example/v2/'), ['corp.example']));
    assert.ok(matchesNoProxy(url('https://registry.corp.example/v2/'), ['.corp.example']));
    assert.ok(matchesNoProxy(url('https://registry.corp.example/v2/'), ['*.corp.example']));
    assert.ok(matchesNoProxy(url('https://ghcr.io/v2/'), ['*']));
    assert.ok(matchesNoProxy(url('https://r.example:5000/v2/'), ['r.example:5000']));
    assert.ok(!matchesNoProxy(url('https://r.example:5001/v2/'), ['r.example:5000']));
    assert.ok(!matchesNoProxy(url('https://notcorp.example/v2/'), ['corp.example']));
    assert.ok(!matchesNoProxy(url('https://ghcr.io/v2/'), ['', ' ']));
  });
});

describe('hosts', () => {
  it('knows loopback from everything else', () => {
    for (const h of ['127.0.0.1:5000', '127.1.2.3', 'localhost:5000', '[::1]:5000', '::1']) assert.ok(hosts.isLoopback(h), h);
    for (const h of ['10.0.0.1:5000', 'ghcr.io', '128.0.0.1', 'localhost.example.com', '[::2]:80']) assert.ok(!hosts.isLoopback(h), h);
  });

  it('sends Docker Hub to registry-1.docker.io and applies mirrors', () => {
    assert.deepEqual(hosts.endpointFor('docker.io', {}), { host: 'registry-1.docker.io', pathPrefix: '' });
    assert.deepEqual(hosts.endpointFor('index.docker.io', {}), { host: 'registry-1.docker.io', pathPrefix: '' });
    assert.deepEqual(hosts.endpointFor('ghcr.io', {}), { host: 'ghcr.io', pathPrefix: '' });
    assert.deepEqual(hosts.endpointFor('docker.io', { mirror: 'http://127.0.0.1:5001/hub/' }), {
      host: '127.0.0.1:5001', scheme: 'http', pathPrefix: 'hub/', mirrorOf: 'docker.io',
    });
    // Configuration under any of Docker Hub's names applies to the normalised one.
    assert.equal(hosts.hostConfig({ 'index.docker.io': { insecure: true } }, 'docker.io').insecure, true);
    assert.ok(hosts.plainHttpAllowed('r.example:80', { 'r.example:80': { insecure: true } }));
    assert.ok(!hosts.plainHttpAllowed('r.example:80', {}));
  });
});

describe('advice when a registry cannot be reached', () => {
  it('says why, and suggests a mirror or a proxy for public hosts, a running registry for private ones', () => {
    assert.equal(whyUnreachable('ENOTFOUND'), 'the name does not resolve (DNS, ENOTFOUND)');
    assert.equal(whyUnreachable('ECONNREFUSED'), 'the connection was refused (ECONNREFUSED)');
    assert.equal(whyUnreachable('Weird'), '(Weird)');
    for (const host of ['127.0.0.1:5000', 'localhost', '10.1.2.3', '172.20.0.1:443', '192.168.1.10', 'registry', 'harbor.corp', 'nexus.internal']) {
      assert.ok(isPrivateHost(host), host);
      assert.match(unreachableAdvice(host, undefined), /registry is running/, host);
    }
    for (const host of ['ghcr.io', 'registry-1.docker.io', '8.8.8.8', '172.32.0.1']) {
      assert.ok(!isPrivateHost(host), host);
      assert.match(unreachableAdvice(host, undefined), /mirror under registries, or a proxy \(HTTPS_PROXY, or http\.proxy in VS Code\)/, host);
    }
    assert.match(unreachableAdvice('ghcr.io', 'proxy.corp:3128'), /^check the proxy/);
  });
});

describe('credentials from config files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'image-pin-creds-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const store = (env: NodeJS.ProcessEnv, extra: Partial<CredentialOptions> = {}) =>
    new CredentialStore({
      env: { HOME: dir, ...env }, allowCredentialHelpers: false, helperTimeoutMs: 2000,
      scrubber: new SecretScrubber(), log: () => undefined, ...extra,
    });

  it('normalises config keys like docker does', () => {
    assert.equal(normaliseConfigKey('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(normaliseConfigKey('registry-1.docker.io'), 'docker.io');
    assert.equal(normaliseConfigKey('https://ghcr.io'), 'ghcr.io');
    assert.equal(normaliseConfigKey('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  });

  it('checks helper names', () => {
    for (const ok of ['desktop', 'ecr-login', 'gcloud', 'osxkeychain', 'pass', 'a.b_c-1']) assert.ok(HELPER_NAME.test(ok), ok);
    for (const bad of ['../evil', 'a/b', 'Desktop', 'x y', 'x;rm', '', 'a\nb']) assert.ok(!HELPER_NAME.test(bad), bad);
  });

  it('finds Docker Hub credentials under https://index.docker.io/v1/ and hosts under scheme-prefixed keys', async () => {
    const configDir = path.join(dir, 'docker');
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hubpass').toString('base64') },
        'https://ghcr.io': { username: 'gh', password: 'ghpass' },
        'quay.io': { identitytoken: 'refresh-me' },
      },
    }));
    const s = store({ DOCKER_CONFIG: configDir });
    const hub = await s.get('docker.io', 'library/nginx');
    assert.equal(hub.credential?.username, 'hubuser');
    assert.equal(hub.credential?.password, 'hubpass');
    assert.equal((await s.get('registry-1.docker.io', 'library/nginx')).credential?.username, 'hubuser');
    assert.equal((await s.get('ghcr.io', 'o/r')).credential?.password, 'ghpass');
    assert.equal((await s.get('quay.io', 'o/r')).credential?.identityToken, 'refresh-me');
    assert.equal((await s.get('other.example', 'o/r')).credential, undefined);
  });

  it('reads containers auth.json with per-repository keys, after Docker config', async () => {
    const file = path.join(dir, 'auth.json');
    await writeFile(file, JSON.stringify({
      auths: {
        'r.example': { auth: Buffer.from('any:one').toString('base64') },
        'r.example/team': { auth: Buffer.from('team:two').toString('base64') },
      },
    }));
    const s = store({ REGISTRY_AUTH_FILE: file, DOCKER_CONFIG: path.join(dir, 'nothing-here') });
    assert.equal((await s.get('r.example', 'team/app')).credential?.username, 'team');
    assert.equal((await s.get('r.example', 'other/app')).credential?.username, 'any');
    const xdg = path.join(dir, 'xdg');
    await mkdir(path.join(xdg, 'containers'), { recursive: true });
    await writeFile(path.join(xdg, 'containers', 'auth.json'), JSON.stringify({ auths: { 'r.example': { username: 'x', password: 'y' } } }));
    const fromXdg = await store({ XDG_RUNTIME_DIR: xdg, DOCKER_CONFIG: path.join(dir, 'nothing-here') }).get('r.example', 'a');
    assert.equal(fromXdg.credential?.username, 'x');
  });

  it('asks helpers for Docker Hub as https://index.docker.io/v1/, reads <token> as an identity token, and times them out', async () => {
    const bin = path.join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    const marker = path.join(dir, 'asked');
    const helpers: Record<string, string> = {
      hub: `read -r server; echo "$server" > "${marker}"; printf '{"Username":"<token>","Secret":"refresh-xyz"}'`,
      slow: 'sleep 5',
      missing: 'echo "credentials not found in native keychain"; exit 1',
    };
    for (const [name, body] of Object.entries(helpers)) {
      await writeFile(path.join(bin, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`);
      await chmod(path.join(bin, `docker-credential-${name}`), 0o755);
    }
    const configDir = path.join(dir, 'with-helpers');
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({
      credHelpers: { 'docker.io': 'hub', 'slow.example': 'slow', 'gone.example': 'missing' },
    }));
    const s = store({ DOCKER_CONFIG: configDir, PATH: `${bin}:${process.env.PATH}` }, { allowCredentialHelpers: true, helperTimeoutMs: 300 });
    const hub = await s.get('docker.io', 'library/nginx');
    assert.equal(hub.credential?.identityToken, 'refresh-xyz');
    assert.equal((await readFile(marker, 'utf8')).trim(), 'https://index.docker.io/v1/');
    const started = Date.now();
    const slow = await s.get('slow.example', 'a');
    assert.ok(Date.now() - started < 2000);
    assert.match(slow.note ?? '', /docker-credential-slow timed out/);
    const missing = await s.get('gone.example', 'a');
    assert.equal(missing.credential, undefined);
    assert.equal(missing.note, undefined, 'an ordinary "not found" is not a failure');
  });

  it('does not run a helper when helpers are disabled, and says why', async () => {
    const configDir = path.join(dir, 'helpers');
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ credHelpers: { 'r.example': 'never-installed' } }));
    const result = await store({ DOCKER_CONFIG: configDir }).get('r.example', 'a');
    assert.equal(result.credential, undefined);
    assert.match(result.note ?? '', /docker-credential-never-installed was not run/);
  });
});

describe('manifests', () => {
  it('lists the platforms of an index without attestation entries', () => {
    const body = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: manifest.OCI_INDEX,
      manifests: [
        { mediaType: manifest.OCI_MANIFEST, digest: 'sha256:' + 'a'.repeat(64), platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: manifest.OCI_MANIFEST, digest: 'sha256:' + 'b'.repeat(64), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { mediaType: manifest.OCI_MANIFEST, digest: 'sha256:' + 'c'.repeat(64), platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    }));
    const parsed = manifest.parseManifest(body, '');
    assert.equal(parsed?.mediaType, manifest.OCI_INDEX);
    assert.deepEqual(manifest.toPlatforms(parsed?.children ?? []), [
      { os: 'linux', architecture: 'amd64', digest: 'sha256:' + 'a'.repeat(64) },
      { os: 'linux', architecture: 'arm', variant: 'v7', digest: 'sha256:' + 'b'.repeat(64) },
    ]);
  });

  it('hashes bytes in the digest algorithm asked for, and treats arm64 and arm64/v8 alike', () => {
    const bytes = Buffer.from('{}');
    assert.equal(manifest.digestOf(bytes), 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    assert.match(manifest.digestOf(bytes, 'sha512:' + '0'.repeat(128)), /^sha512:[0-9a-f]{128}$/);
    assert.ok(manifest.samePlatform({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }));
    assert.ok(!manifest.samePlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
  });

  it('reads distribution error bodies', () => {
    const body = Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}');
    assert.deepEqual(manifest.parseErrorBody(body), { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' });
    assert.equal(manifest.parseErrorBody(Buffer.from('404 page not found')), undefined);
  });
});

describe('limits and de-duplication', () => {
  it('a semaphore waiter that aborts leaves the queue', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const controller = new AbortController();
    const waiting = sem.acquire(controller.signal);
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    release();
    const again = await sem.acquire();
    again();
  });

  it('shares one task per key; one caller leaving does not cancel the others', async () => {
    const inflight = new InFlight<string>();
    let runs = 0;
    let taskSignal: AbortSignal | undefined;
    const task = async (signal: AbortSignal) => {
      runs++;
      taskSignal = signal;
      await new Promise((r) => setTimeout(r, 50));
      return 'done';
    };
    const leaving = new AbortController();
    const a = inflight.run('k', leaving.signal, task);
    const b = inflight.run('k', undefined, task);
    leaving.abort();
    await assert.rejects(a, { name: 'AbortError' });
    assert.equal(await b, 'done');
    assert.equal(runs, 1);
    assert.equal(taskSignal?.aborted, false);
  });

  it('aborts the shared task when every caller has left', async () => {
    const inflight = new InFlight<string>();
    let taskSignal: AbortSignal | undefined;
    const controller = new AbortController();
    const p = inflight.run('k', controller.signal, (signal) => {
      taskSignal = signal;
      return new Promise<string>(() => undefined);
    });
    controller.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(taskSignal?.aborted, true);
    assert.equal(inflight.has('k'), false);
  });
});

describe('result and token cache', () => {
  it('expires entries after their TTL and evicts the oldest when full', () => {
    let now = 1000;
    const cache = new TtlCache<string>(2, () => now);
    cache.set('a', 'A', 500);
    cache.set('b', 'B', 2000);
    now += 499;
    assert.equal(cache.get('a'), 'A');
    now += 1;
    assert.equal(cache.get('a'), undefined);
    cache.set('c', 'C', 2000);
    cache.set('d', 'D', 2000);
    assert.equal(cache.get('b'), undefined, 'oldest evicted');
    assert.equal(cache.get('d'), 'D');
  });
});

describe('redaction and error classification', () => {
  it('scrubs remembered secrets and hides query strings', () => {
    const s = new SecretScrubber();
    s.add('hunter22');
    assert.equal(s.scrub('password hunter22 leaked hunter22'), 'password *** leaked ***');
    assert.equal(displayUrl(new URL('https://u:p@storage.example/blob?X-Amz-Signature=abc')), 'https://storage.example/blob?…');
  });

  it('maps Node and undici error codes onto registry codes', () => {
    const withCode = (code: string) => Object.assign(new Error('x'), { code });
    assert.equal(classifyNetworkError(withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), 'h').code, 'tls');
    assert.equal(classifyNetworkError(withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'h').code, 'tls');
    assert.equal(classifyNetworkError(withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'h').code, 'tls');
    assert.equal(classifyNetworkError(withCode('UND_ERR_HEADERS_TIMEOUT'), 'h').code, 'timeout');
    assert.equal(classifyNetworkError(withCode('UND_ERR_CONNECT_TIMEOUT'), 'h').code, 'timeout');
    assert.equal(classifyNetworkError(withCode('ECONNREFUSED'), 'h').code, 'unreachable');
    assert.equal(classifyNetworkError(withCode('ENOTFOUND'), 'h').code, 'unreachable');
    assert.equal(classifyNetworkError(new Error('x', { cause: withCode('ECONNRESET') }), 'h').detail, 'ECONNRESET');
  });
});
