// Proves the registry test harness is honest: a real docker-registry serves exactly what the push helper
// says it pushed, skopeo (an independent client) agrees, auth is really enforced, faults really happen,
// and no registry outlives its test.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, fetch, type Dispatcher, type Response } from 'undici';
import {
  ACCEPT_ALL_MANIFESTS, MEDIA, REGISTRY_INSTALL, TOKEN_SERVICE, assertInstalled, pushImage, seedStandard, sha256,
  skopeoDigest, startFaultProxy, startRecorder, startRegistry,
  type FaultProxy, type PushedImage, type Recorder, type RegistryAuth, type RunningRegistry,
} from '../helpers/registry';

const READER = { username: 'alice', password: 'correct horse' };
const USERS = { [READER.username]: READER.password };

const EXPECTED_TAGS = [
  'app:1.0', 'app:latest', 'app:dev', 'org/team/app:1.0.0', 'org/team/app:main', 'multi:1.0', 'multi:latest',
  'legacy-multi:2.0', 'legacy-multi:stable', 'library/busybox:1.36', 'library/busybox:latest',
];

/** Digests seen per `name:tag` across variants: the same seeds must give the same bytes everywhere. */
const digestsByVariant = new Map<string, Record<string, string>>();

function basicHeader(creds: { username: string; password: string }): string {
  return 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A reader's view of one registry: fetch through undici, trusting the registry's CA, with the reader's credentials. */
class Reader {
  readonly dispatcher: Dispatcher;
  private readonly tokens = new Map<string, string>();

  constructor(readonly reg: RunningRegistry, readonly auth: RegistryAuth) {
    this.dispatcher = new Agent({ connect: reg.caCertPem ? { ca: reg.caCertPem } : {} });
  }

  async authorization(name: string): Promise<string | undefined> {
    if (this.auth.kind === 'none') return undefined;
    if (this.auth.kind === 'basic') return basicHeader(READER);
    const cached = this.tokens.get(name);
    if (cached) return cached;
    const token = await this.fetchToken(`repository:${name}:pull`, READER);
    assert.equal(token.status, 200);
    const value = `Bearer ${((await token.json()) as { token: string }).token}`;
    this.tokens.set(name, value);
    return value;
  }

  fetchToken(scope: string, creds?: { username: string; password: string }): Promise<Response> {
    const u = new URL(this.reg.tokenServer!.url);
    u.searchParams.set('service', TOKEN_SERVICE);
    u.searchParams.set('scope', scope);
    return fetch(u, { headers: creds ? { authorization: basicHeader(creds) } : {} });
  }

  async manifest(name: string, ref: string, opts: { accept?: string; authorization?: string | null } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: opts.accept ?? ACCEPT_ALL_MANIFESTS };
    const authorization = opts.authorization === null ? undefined : opts.authorization ?? await this.authorization(name);
    if (authorization) headers.authorization = authorization;
    return fetch(`${this.reg.url}/v2/${name}/manifests/${ref}`, { headers, dispatcher: this.dispatcher });
  }
}

const VARIANTS: Array<{ label: string; auth: RegistryAuth; tls: boolean }> = [
  { label: 'no auth over http', auth: { kind: 'none' }, tls: false },
  { label: 'basic auth over http', auth: { kind: 'basic', users: USERS }, tls: false },
  { label: 'token auth over http', auth: { kind: 'token', users: USERS }, tls: false },
  { label: 'no auth over tls', auth: { kind: 'none' }, tls: true },
  { label: 'basic auth over tls', auth: { kind: 'basic', users: USERS }, tls: true },
  { label: 'token auth over tls', auth: { kind: 'token', users: USERS }, tls: true },
];

for (const variant of VARIANTS) {
  describe(`registry harness: ${variant.label}`, () => {
    let reg: RunningRegistry;
    let seeded: Record<string, PushedImage>;
    let reader: Reader;

    before(async () => {
      reg = await startRegistry({ auth: variant.auth, tls: variant.tls });
      seeded = await seedStandard(reg);
      reader = new Reader(reg, variant.auth);
    });
    after(async () => {
      await reg?.stop();
      await reader?.dispatcher.close();
    });

    it('listens where it says, with the scheme it says', () => {
      assert.match(reg.host, variant.tls ? /^localhost:\d+$/ : /^127\.0\.0\.1:\d+$/);
      assert.equal(reg.url, `${variant.tls ? 'https' : 'http'}://${reg.host}`);
      if (variant.tls) {
        assert.match(reg.caCertPem!, /BEGIN CERTIFICATE/);
        assert.equal(readFileSync(reg.caCertPath!, 'utf8'), reg.caCertPem);
        assert.equal(readFileSync(path.join(reg.certDir!, 'ca.crt'), 'utf8'), reg.caCertPem);
      }
      assert.equal(reg.pushCredentials === undefined, variant.auth.kind === 'none');
      assert.equal(reg.tokenServer === undefined, variant.auth.kind !== 'token');
    });

    it('seeds every standard tag', () => {
      assert.deepEqual(Object.keys(seeded).sort(), [...EXPECTED_TAGS].sort());
      assert.equal(seeded['app:1.0'].kind, 'docker-v2');
      assert.equal(seeded['org/team/app:main'].mediaType, MEDIA.ociManifest);
      assert.deepEqual(seeded['multi:1.0'].children?.map((c) => c.platform), [
        { os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
      assert.deepEqual(seeded['legacy-multi:2.0'].children?.map((c) => c.platform), [
        { os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }]);
      assert.equal(seeded['app:1.0'].digest, seeded['app:latest'].digest);
      assert.notEqual(seeded['app:1.0'].digest, seeded['library/busybox:1.36'].digest);
    });

    it('serves the pushed bytes for every tag: sha256(bytes) = Docker-Content-Digest = skopeo', async () => {
      const digests: Record<string, string> = {};
      await Promise.all(Object.entries(seeded).map(async ([key, image]) => {
        const tag = key.slice(image.name.length + 1);
        assert.equal(image.digest, sha256(image.bytes), key);
        const res = await reader.manifest(image.name, tag);
        assert.equal(res.status, 200, key);
        const body = Buffer.from(await res.arrayBuffer());
        assert.ok(body.equals(image.bytes), `${key}: served bytes differ from pushed bytes`);
        assert.equal(res.headers.get('docker-content-digest'), image.digest, key);
        assert.equal(res.headers.get('content-type'), image.mediaType, key);
        assert.equal(await skopeoDigest(reg, key), image.digest, `${key}: skopeo disagrees`);
        for (const child of image.children ?? []) {
          const c = await reader.manifest(image.name, child.digest);
          assert.equal(c.status, 200, `${key} child ${child.digest}`);
          assert.equal(sha256(Buffer.from(await c.arrayBuffer())), child.digest);
        }
        digests[key] = image.digest;
      }));
      digestsByVariant.set(variant.label, digests);
    });

    if (variant.tls) {
      it('is really TLS: a client without the CA is refused', async () => {
        const plain = new Agent();
        try {
          await assert.rejects(fetch(`${reg.url}/v2/`, { dispatcher: plain }),
            (err: Error & { cause?: { code?: string } }) => /CERT|SELF_SIGNED|VERIFY/.test(String(err.cause?.code)));
        } finally {
          await plain.close();
        }
      });
    }

    if (variant.auth.kind === 'basic') {
      it('refuses anonymous and wrong-password reads with a Basic challenge', async () => {
        const anon = await reader.manifest('app', 'latest', { authorization: null });
        assert.equal(anon.status, 401);
        assert.equal(anon.headers.get('www-authenticate'), 'Basic realm="image-pin-test"');
        const wrong = await reader.manifest('app', 'latest', { authorization: basicHeader({ ...READER, password: 'nope' }) });
        assert.equal(wrong.status, 401);
      });
    }

    if (variant.auth.kind === 'token') {
      it('refuses anonymous reads with a Bearer challenge naming realm, service and scope', async () => {
        const anon = await reader.manifest('org/team/app', 'main', { authorization: null });
        assert.equal(anon.status, 401);
        assert.equal(anon.headers.get('www-authenticate'),
          `Bearer realm="${reg.tokenServer!.url}",service="${TOKEN_SERVICE}",scope="repository:org/team/app:pull"`);
      });

      it('gives anonymous callers a token with no access, and checks credentials and scope', async () => {
        const anonToken = await reader.fetchToken('repository:app:pull');
        assert.equal(anonToken.status, 200);
        const anonBody = (await anonToken.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
        assert.equal(anonBody.access_token, anonBody.token);
        assert.equal(anonBody.expires_in, 300);
        assert.ok(!Number.isNaN(Date.parse(anonBody.issued_at)));
        const withAnon = await reader.manifest('app', 'latest', { authorization: `Bearer ${anonBody.token}` });
        assert.equal(withAnon.status, 401);
        assert.match(withAnon.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);

        const wrongPassword = await reader.fetchToken('repository:app:pull', { ...READER, password: 'nope' });
        assert.equal(wrongPassword.status, 401);

        const otherRepo = await reader.fetchToken('repository:multi:pull', READER);
        const otherToken = ((await otherRepo.json()) as { token: string }).token;
        const misused = await reader.manifest('app', 'latest', { authorization: `Bearer ${otherToken}` });
        assert.equal(misused.status, 401);
        assert.match(misused.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);

        const forged = await reader.manifest('app', 'latest', { authorization: `Bearer ${otherToken.slice(0, -4)}AAAA` });
        assert.equal(forged.status, 401);
        assert.match(forged.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      });

      it('grants readers pull but not push', async () => {
        const res = await reader.fetchToken('repository:app:pull,push', READER);
        const token = ((await res.json()) as { token: string }).token;
        const upload = await fetch(`${reg.url}/v2/app/blobs/uploads/`, {
          method: 'POST', headers: { authorization: `Bearer ${token}` }, dispatcher: reader.dispatcher,
        });
        assert.equal(upload.status, 401);
        const pull = await reader.manifest('app', 'latest', { authorization: `Bearer ${token}` });
        assert.equal(pull.status, 200);
      });

      it('counts and records token fetches', async () => {
        const ts = reg.tokenServer!;
        ts.issued = 0;
        ts.requests.length = 0;
        await reader.fetchToken('repository:app:pull', READER);
        await reader.fetchToken('repository:multi:pull');
        await reader.fetchToken('repository:multi:pull', { ...READER, password: 'nope' });
        assert.equal(ts.issued, 2, 'the refused request issues no token');
        assert.deepEqual(ts.requests, [
          { scope: 'repository:app:pull', service: TOKEN_SERVICE, authorization: basicHeader(READER) },
          { scope: 'repository:multi:pull', service: TOKEN_SERVICE, authorization: undefined },
          { scope: 'repository:multi:pull', service: TOKEN_SERVICE, authorization: basicHeader({ ...READER, password: 'nope' }) },
        ]);
        await skopeoDigest(reg, 'app:dev');
        assert.ok(ts.issued > 2, 'skopeo went through the token server');
        assert.ok(ts.requests.slice(3).some((r) => r.scope === 'repository:app:pull'
          && r.authorization === basicHeader(reg.pushCredentials!)));
      });

      it('can fault the token endpoint', async () => {
        const ts = reg.tokenServer!;
        ts.setFault({ kind: 'status', status: 503, retryAfter: '1', times: 1 });
        const failed = await reader.fetchToken('repository:app:pull', READER);
        assert.equal(failed.status, 503);
        assert.equal(failed.headers.get('retry-after'), '1');
        const ok = await reader.fetchToken('repository:app:pull', READER);
        assert.equal(ok.status, 200);
        ts.setFault(null);
      });
    }

    if (variant.auth.kind === 'none' && !variant.tls) {
      it('reproduces the Accept-header behaviour clients must handle', async () => {
        const list = seeded['legacy-multi:2.0'];
        const narrowed = await reader.manifest('legacy-multi', '2.0', { accept: MEDIA.dockerManifest });
        assert.equal(narrowed.status, 200);
        assert.equal(narrowed.headers.get('docker-content-digest'), list.children![0].digest, 'the amd64 child, not the list');
        const index = await reader.manifest('multi', '1.0', { accept: MEDIA.ociManifest });
        assert.equal(index.status, 404);
      });

      it('pushes deterministic content: same seed, same digest; other seed, other digest', async () => {
        const again = await pushImage(reg, { name: 'again', tags: ['x'], kind: 'docker-v2', seed: 'app' });
        assert.equal(again.digest, seeded['app:1.0'].digest);
        const other = await pushImage(reg, { name: 'again', tags: ['y'], kind: 'docker-v2', seed: 'app-2' });
        assert.notEqual(other.digest, again.digest);
      });
    }

    it('stop() ends the registry process and removes its temp dir', async () => {
      const pid = reg.pid!;
      const dir = reg.tempDir!;
      assert.ok(isRunning(pid));
      assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir), 'pid is our docker-registry');
      await reg.stop();
      assert.equal(isRunning(pid), false);
      assert.equal(existsSync(dir), false);
      await assert.rejects(fetch(`${reg.url}/v2/`, { dispatcher: reader.dispatcher }));
    });
  });
}

describe('registry harness: determinism across variants', () => {
  it('gives every variant the same digests', () => {
    assert.equal(digestsByVariant.size, VARIANTS.length, 'every variant ran its digest check');
    const [first, ...rest] = [...digestsByVariant.values()];
    for (const d of rest) assert.deepEqual(d, first);
  });
});

describe('fault proxy', () => {
  let reg: RunningRegistry;
  let app: PushedImage;
  let proxy: FaultProxy;
  let recorder: Recorder;
  const manifestPath = '/v2/app/manifests/latest';
  const get = (p = manifestPath, init: { signal?: AbortSignal; redirect?: 'manual' | 'follow' } = {}) =>
    fetch(proxy.url + p, { headers: { accept: ACCEPT_ALL_MANIFESTS }, ...init });

  before(async () => {
    reg = await startRegistry();
    app = await pushImage(reg, { name: 'app', tags: ['latest'], kind: 'docker-v2', seed: 'fault-app' });
    proxy = await startFaultProxy(reg.url);
    recorder = await startRecorder();
  });
  after(async () => {
    await proxy?.stop();
    await recorder?.stop();
    await reg?.stop();
  });

  it('passes traffic through unchanged and records requests with headers', async () => {
    proxy.requests.length = 0;
    const res = await get();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), app.digest);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(app.bytes));
    assert.equal(proxy.requests.length, 1);
    assert.equal(proxy.requests[0].method, 'GET');
    assert.equal(proxy.requests[0].path, manifestPath);
    assert.equal(proxy.requests[0].headers.accept, ACCEPT_ALL_MANIFESTS);
    assert.equal(proxy.requests[0].headers.host, proxy.host);
  });

  it('keeps Host, so pushes through the proxy get upload Locations that point back at it', async () => {
    proxy.requests.length = 0;
    const viaProxy: RunningRegistry = { ...reg, url: proxy.url, host: proxy.host };
    const pushed = await pushImage(viaProxy, { name: 'through-proxy', tags: ['1'], kind: 'oci-manifest', seed: 'proxy' });
    assert.ok(proxy.requests.some((r) => r.method === 'PUT' && /\/blobs\/uploads\/.*digest=sha256/.test(r.path)));
    assert.equal(await skopeoDigest(reg, 'through-proxy:1'), pushed.digest);
  });

  it('delays responses', async () => {
    proxy.setFault({ kind: 'delay', ms: 300 });
    const t0 = Date.now();
    const res = await get();
    assert.ok(Date.now() - t0 >= 290, `answered after ${Date.now() - t0} ms`);
    assert.equal(res.status, 200);
    proxy.setFault(null);
  });

  it('hangs', async () => {
    proxy.setFault({ kind: 'hang' });
    await assert.rejects(get(manifestPath, { signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' });
    proxy.setFault(null);
  });

  it('resets the connection, for `times` requests', async () => {
    proxy.setFault({ kind: 'reset', times: 2 });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(get(), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNRESET');
    }
    assert.equal((await get()).status, 200);
  });

  it('closes without a reply', async () => {
    proxy.setFault({ kind: 'close', times: 1 });
    await assert.rejects(get(), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'UND_ERR_SOCKET');
    assert.equal((await get()).status, 200);
  });

  it('answers 429 with Retry-After, then recovers', async () => {
    proxy.setFault({ kind: 'status', status: 429, retryAfter: '2', times: 1 });
    const limited = await get();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.match(await limited.text(), /TOOMANYREQUESTS/);
    assert.equal((await get()).status, 200);
  });

  it('answers any status with a given body and headers until cleared', async () => {
    proxy.setFault({ kind: 'status', status: 503, body: 'down', headers: { 'X-Test': 'yes', 'Content-Type': 'text/plain' } });
    for (let i = 0; i < 2; i++) {
      const res = await get();
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('x-test'), 'yes');
      assert.equal(await res.text(), 'down');
    }
    proxy.setFault(null);
    assert.equal((await get()).status, 200);
  });

  it('rewrites Docker-Content-Digest to another valid digest, leaving the body alone', async () => {
    proxy.setFault({ kind: 'wrong-digest' });
    const res = await get();
    const claimed = res.headers.get('docker-content-digest') ?? '';
    assert.match(claimed, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(claimed, app.digest);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), app.digest);
    proxy.setFault(null);
  });

  it('drops Docker-Content-Digest', async () => {
    proxy.setFault({ kind: 'drop-digest' });
    const res = await get();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), null);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(app.bytes));
    proxy.setFault(null);
  });

  it('redirects to another host, which records what it receives', async () => {
    proxy.setFault({ kind: 'redirect', to: recorder.url });
    const res = await get(manifestPath, { redirect: 'manual' });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), recorder.url + manifestPath);
    recorder.requests.length = 0;
    const followed = await get();
    assert.equal(followed.status, 404);
    assert.equal(recorder.requests.length, 1);
    assert.equal(recorder.requests[0].path, manifestPath);
    assert.equal(recorder.requests[0].headers.host, recorder.host);
    proxy.setFault(null);
  });

  it('limits faults to onlyPaths', async () => {
    const scoped = await startFaultProxy(reg.url, { onlyPaths: /\/manifests\// });
    try {
      scoped.setFault({ kind: 'status', status: 500 });
      assert.equal((await fetch(`${scoped.url}/v2/`)).status, 200);
      assert.equal((await fetch(scoped.url + manifestPath, { headers: { accept: ACCEPT_ALL_MANIFESTS } })).status, 500);
      assert.equal(scoped.requests.length, 2, 'requests outside onlyPaths are recorded too');
    } finally {
      await scoped.stop();
    }
  });
});

describe('registry harness: process safety', () => {
  it('leaves no registry behind when the Node process that started it is killed', async () => {
    const helpers = path.join(__dirname, '..', 'helpers', 'registry', 'index.js');
    const script = `require(${JSON.stringify(helpers)}).startRegistry({ auth: { kind: 'token', users: { a: 'b' } }, tls: true })
      .then((r) => { process.stdout.write(JSON.stringify({ pid: r.pid, dir: r.tempDir }) + '\\n'); setInterval(() => {}, 1000); },
            (e) => { console.error(e); process.exit(2); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    assert.ok(isRunning(pid), 'the registry runs while its parent lives');
    assert.ok(existsSync(dir));
    child.kill('SIGKILL');
    await waitFor('the orphaned registry to exit', () => !isRunning(pid));
    await waitFor('its temp dir to be removed', () => !existsSync(dir));
  });

  it('fails with the install command when a tool is missing', async () => {
    await assert.rejects(assertInstalled('/nonexistent/docker-registry', REGISTRY_INSTALL),
      (err: Error) => err.message.includes('apt-get install -y docker-registry skopeo'));
  });
});
