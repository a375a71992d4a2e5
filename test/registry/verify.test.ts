/**
 * `image-pin check --online` as a user runs it, against a real docker-registry on loopback: pins
 * that stay true, a tag pushed again (moved-tag), a manifest deleted through the registry API and a
 * mistyped digest (unknown-digest), a platform manifest of the tag's index (not moved), every shape
 * that carries a digest, Basic and token auth, a stopped registry (registry-error, file untouched),
 * and a 429 the client retries through. skopeo is the oracle for what the tags point to.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PushedImage, RunningRegistry, deleteManifest, pushImage, seedStandard, skopeoDigest, startFaultProxy, startRegistry } from '../helpers/registry';
import { CLI } from '../helpers/paths';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, DOCKER_CONFIG: path.join(cwd, '.no-docker-config'), ...env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface JsonFinding {
  file: string;
  line: number;
  rule: string;
  severity: string;
  image: string | null;
  message: string;
}
interface JsonReport {
  findings: JsonFinding[];
  summary: { errors: number; warnings: number; byRule: Record<string, number>; online?: { pins: number; verified: number; moved: number; unknown: number; registryErrors: number } };
}

function workspace(files: Record<string, string>): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-verify-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    fs.writeFileSync(path.join(ws, rel), text);
  }
  return ws;
}

const MISTYPED = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image-pin check --online against a real registry', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let ws: string;
  let host: string;
  let relV1: PushedImage;
  let relV2: PushedImage;
  let doomed: PushedImage;
  const files: Record<string, string> = {};

  before(async () => {
    reg = await startRegistry();
    host = reg.host;
    seeded = await seedStandard(reg);
    relV1 = await pushImage(reg, { name: 'rel', tags: ['v1.4.2'], kind: 'docker-v2', seed: 'rel-first-build' });
    doomed = await pushImage(reg, { name: 'doomed', tags: ['1.0'], kind: 'oci-manifest', seed: 'doomed' });
    const amd64 = seeded['multi:1.0'].children!.find((c) => c.platform.architecture === 'amd64')!.digest;
    files['deploy.yaml'] = `apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: moved
          image: ${host}/rel:v1.4.2@${relV1.digest}
        - name: current
          image: "${host}/app:1.0@${seeded['app:1.0'].digest}"
        - name: mistyped
          image: ${host}/app@${MISTYPED}
        - name: deleted
          image: ${host}/doomed:1.0@${doomed.digest}
        - name: platform
          image: ${host}/multi:1.0@${amd64}
        - name: unpinned
          image: ${host}/app:1.0
`;
    files['values.yaml'] = `image:\n  registry: ${host}\n  repository: org/team/app\n  tag: "1.0.0"\n  digest: ${MISTYPED}\nother:\n  image:\n    repository: ${host}/legacy-multi\n    tag: "2.0"\n    digest: "${seeded['legacy-multi:2.0'].digest}"\n`;
    files['kustomization.yaml'] = `images:\n  - name: busybox\n    newName: ${host}/library/busybox\n    newTag: "1.36@${seeded['library/busybox:1.36'].digest}"\n  - name: app\n    newName: ${host}/app\n    digest: ${MISTYPED}\n`;
    ws = workspace(files);
    // After pinning: the release tag is pushed again, and one pinned manifest is deleted.
    relV2 = await pushImage(reg, { name: 'rel', tags: ['v1.4.2'], kind: 'docker-v2', seed: 'rel-second-build' });
    await deleteManifest(reg, 'doomed', doomed.digest);
  });
  after(async () => {
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  const byImage = (report: JsonReport, fragment: string) => report.findings.filter((f) => f.image?.includes(fragment));

  it('finds the moved tag, the deleted and mistyped digests; pins that are true pass, including a platform of the index', async () => {
    assert.equal(await skopeoDigest(reg, 'rel:v1.4.2'), relV2.digest, 'the oracle sees the tag on the second build');
    const r = await run(['check', '.', '--online', '--format', 'json', '--no-cache'], ws);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;

    const moved = byImage(report, '/rel:v1.4.2');
    assert.deepEqual(moved.map((f) => [f.rule, f.severity, f.line]), [['moved-tag', 'warning', 8]]);
    assert.ok(moved[0].message.includes(relV1.digest) && moved[0].message.includes(relV2.digest), moved[0].message);

    const deleted = byImage(report, '/doomed:1.0');
    assert.deepEqual(deleted.map((f) => [f.rule, f.severity]), [['unknown-digest', 'error']]);
    assert.match(deleted[0].message, new RegExp(`${doomed.digest} does not exist in ${host.replace(/\./g, '\\.')}`));

    const mistyped = report.findings.filter((f) => f.image?.includes(MISTYPED));
    assert.deepEqual(mistyped.map((f) => [f.file, f.rule]).sort(), [
      ['deploy.yaml', 'unknown-digest'],
      ['kustomization.yaml', 'unknown-digest'],
      ['values.yaml', 'unknown-digest'],
    ]);
    assert.deepEqual(byImage(report, '/multi:1.0'), [], 'a platform manifest listed in the index the tag points to is not moved');
    assert.deepEqual(byImage(report, '/legacy-multi'), [], 'Helm digest: key, current');
    assert.deepEqual(byImage(report, '/library/busybox'), [], 'Kustomize newTag: tag@sha256, current');
    assert.deepEqual(
      report.findings.filter((f) => f.image === `${host}/app:1.0@${seeded['app:1.0'].digest}`),
      [],
      'the current pin has no finding',
    );
    assert.deepEqual(byImage(report, `${host}/app:1.0`).map((f) => f.rule), ['unpinned-tag'], 'the offline rules still apply');
    assert.deepEqual(report.summary.online, { pins: 9, verified: 4, moved: 1, unknown: 4, registryErrors: 0 });
  });

  it("an environment's effective reference is verified too: a digest set per environment over a tag set in the chart's values", async () => {
    const dir = workspace({
      'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "1.0"\n',
      'chart/values.yaml': `image:\n  repository: ${host}/app\n  tag: "1.0"\n`,
      'chart/values-prod.yaml': `image:\n  digest: ${MISTYPED}\n`,
      'chart/values-staging.yaml': `image:\n  digest: ${seeded['app:1.0'].digest}\n`,
      'chart/templates/deploy.yaml': 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
    });
    try {
      const r = await run(['check', '.', '--online', '--format', 'json', '--no-cache'], dir);
      const report = JSON.parse(r.stdout) as JsonReport;
      const unknown = report.findings.filter((f) => f.rule === 'unknown-digest');
      assert.deepEqual(unknown.map((f) => [f.file.split(path.sep).join('/'), f.line]), [['chart/values-prod.yaml', 2]], r.stdout);
      assert.match(unknown[0].message, /^In environment prod: .*does not exist/);
      assert.equal(report.summary.online?.unknown, 1);
      assert.ok((report.summary.online?.verified ?? 0) >= 1, 'the staging digest is verified');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('offline check sends nothing and reports none of the online rules', async () => {
    const proxy = await startFaultProxy(reg.url);
    const dir = workspace(Object.fromEntries(Object.entries(files).map(([rel, text]) => [rel, text.split(host).join(proxy.host)])));
    try {
      const r = await run(['check', '.', '--format', 'json', '--no-cache'], dir);
      const report = JSON.parse(r.stdout) as JsonReport;
      assert.deepEqual(report.findings.filter((f) => ['unknown-digest', 'moved-tag', 'registry-error'].includes(f.rule)), []);
      assert.equal(report.summary.online, undefined);
      assert.equal(proxy.requests.length, 0);
      const online = await run(['check', '.', '--online', '--format', 'json', '--no-cache'], dir);
      assert.ok(proxy.requests.length > 0, 'the same files online do reach the registry');
      assert.equal((JSON.parse(online.stdout) as JsonReport).summary.online?.moved, 1);
    } finally {
      await proxy.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('text output ends with the verification summary', async () => {
    const r = await run(['check', 'deploy.yaml', '--online', '--no-cache'], ws);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /deploy\.yaml:8:18 warning moved-tag /);
    assert.match(r.stdout, /^online: 5 pins verified, 1 moved, 2 unknown$/m);
  });

  it('a registry that stopped is registry-error: said why, counted, the file untouched, exit 1', async () => {
    const other = await startRegistry();
    const image = await pushImage(other, { name: 'svc', tags: ['2.1.0'], kind: 'docker-v2', seed: 'svc' });
    const text = `image: ${other.host}/svc:2.1.0@${image.digest}\n`;
    const dir = workspace({ 'pod.yaml': text });
    try {
      const ok = await run(['check', '.', '--online', '--format', 'json'], dir);
      assert.equal(ok.code, 0, ok.stdout);
      await other.stop();
      const r = await run(['check', '.', '--online', '--format', 'json', '--no-cache'], dir);
      assert.equal(r.code, 1);
      const report = JSON.parse(r.stdout) as JsonReport;
      assert.deepEqual(report.findings.map((f) => [f.rule, f.severity]), [['registry-error', 'warning']]);
      assert.match(report.findings[0].message, /could not be verified: could not reach .*ECONNREFUSED/);
      assert.equal(report.summary.online?.registryErrors, 1);
      assert.equal(fs.readFileSync(path.join(dir, 'pod.yaml'), 'utf8'), text);
      const t = await run(['check', '.', '--online', '--no-cache'], dir);
      assert.match(t.stdout, /online: 1 pin verified, 0 moved, 0 unknown, 1 could not be checked/);
    } finally {
      await other.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one request per unique tag and per unique digest, and a 429 is retried through', async () => {
    const proxy = await startFaultProxy(reg.url, { onlyPaths: /\/manifests\// });
    try {
      const p = proxy.host;
      const app = seeded['app:1.0'].digest;
      // 7 references: 4 unique tags (app:1.0, app:dev, rel:v1.4.2, multi:1.0), digest-only pins of 2 unique digests.
      const text = [
        `${p}/app:1.0@${app}`,
        `${p}/app:1.0@${app}`,
        `${p}/app:dev@${seeded['app:dev'].digest}`,
        `${p}/app@${app}`,
        `${p}/app@${MISTYPED}`,
        `${p}/rel:v1.4.2@${relV2.digest}`,
        `${p}/multi:1.0@${seeded['multi:1.0'].children![0].digest}`,
      ]
        .map((image, i) => `c${i}:\n  image: ${image}\n`)
        .join('');
      const dir = workspace({ 'many.yaml': text });
      try {
        proxy.setFault({ kind: 'status', status: 429, retryAfter: '0', times: 1 });
        const r = await run(['check', '.', '--online', '--format', 'json'], dir);
        const report = JSON.parse(r.stdout) as JsonReport;
        assert.deepEqual(report.findings.map((f) => f.rule), ['unknown-digest'], r.stdout);
        assert.deepEqual(report.summary.online, { pins: 7, verified: 6, moved: 0, unknown: 1, registryErrors: 0 });
        const manifests = proxy.requests.filter((q) => q.path.includes('/manifests/'));
        // 4 tag HEADs + 2 digest HEADs (the mistyped one and the platform manifest; the other digests are
        // proven by their tags' answers) + one GET of multi's index by digest (is the pin one of its
        // platforms?) + the 429'd attempt.
        const shown = manifests.map((q) => `${q.method} ${q.path}`).join('\n');
        assert.equal(manifests.length, 8, shown);
        assert.deepEqual(manifests.filter((q) => q.method === 'GET').map((q) => q.path), [`/v2/multi/manifests/${seeded['multi:1.0'].digest}`], shown);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await proxy.stop();
    }
  });
});

describe('image-pin check --online with registry auth', () => {
  for (const kind of ['basic', 'token'] as const) {
    it(`${kind} auth: credentials from the Docker config verify the pin; wrong ones are registry-error`, async () => {
      const user = { username: 'reader', password: 'reader-secret-42' };
      const reg = await startRegistry({ auth: { kind, users: { [user.username]: user.password } } });
      const image = await pushImage(reg, { name: 'team/api', tags: ['3.2.1'], kind: 'oci-manifest', seed: `auth-${kind}` });
      const dir = workspace({ 'pod.yaml': `image: ${reg.host}/team/api:3.2.1@${image.digest}\n` });
      const dockerConfig = (password: string) => {
        const d = fs.mkdtempSync(path.join(dir, 'docker-'));
        const auth = Buffer.from(`${user.username}:${password}`).toString('base64');
        fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth } } }));
        return d;
      };
      try {
        const ok = await run(['check', 'pod.yaml', '--online', '--format', 'json'], dir, { DOCKER_CONFIG: dockerConfig(user.password) });
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
        assert.deepEqual((JSON.parse(ok.stdout) as JsonReport).summary.online, { pins: 1, verified: 1, moved: 0, unknown: 0, registryErrors: 0 });
        const bad = await run(['check', 'pod.yaml', '--online', '--format', 'json'], dir, { DOCKER_CONFIG: dockerConfig('wrong') });
        assert.equal(bad.code, 1);
        const report = JSON.parse(bad.stdout) as JsonReport;
        assert.deepEqual(report.findings.map((f) => f.rule), ['registry-error']);
        assert.match(report.findings[0].message, /unauthorized|denied|refused/i);
        assert.ok(!(bad.stdout + bad.stderr).includes(Buffer.from(`${user.username}:wrong`).toString('base64')), 'no credential in the output');
      } finally {
        await reg.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
