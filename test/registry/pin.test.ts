/**
 * `image-pin pin` as a user runs it, against a real docker-registry on loopback: dry-run diff,
 * --write in every shape, digests checked against the pushed bytes and skopeo, idempotence,
 * --update after a tag moves, and unresolvable references left alone.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { writeEdits } from '../../server/src/pin/writeFile';
import { PushedImage, RunningRegistry, pushImage, seedStandard, skopeoDigest, startFaultProxy, startRegistry } from '../helpers/registry';
import { runCli, writeTree } from '../helpers/cliRun';

const run = (args: string[], cwd: string) => runCli(args, cwd, { DOCKER_CONFIG: path.join(cwd, '.no-docker-config') });

describe('image-pin pin against a real registry', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let ws: string;
  let host: string;
  const files: Record<string, string> = {};

  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
    host = reg.host;
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-'));
    files['deploy.yaml'] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app   # a comment that must stay
spec:
  template:
    spec:
      containers:
        - name: app
          image: "${host}/app:dev"
        - name: multi
          image: ${host}/multi
        - name: nested
          image: '${host}/org/team/app:main'
        - name: gone
          image: ${host}/app:no-such-tag
`;
    files['chart/Chart.yaml'] = 'apiVersion: v2\nname: c\nversion: 0.1.0\nappVersion: "1.0"\n';
    files['chart/values.yaml'] = `image:\n  registry: ${host}\n  repository: app\n  tag: ""\n  pullPolicy: IfNotPresent\nlegacy:\n  image:\n    repository: ${host}/legacy-multi\n    tag: stable\n    digest: ""\n`;
    files['kustomization.yaml'] = `resources: [deploy.yaml]\nimages:\n  - name: busybox\n    newName: ${host}/library/busybox\n    newTag: "1.36"   # keep\n`;
    files['argocd.yaml'] = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        image:\n          repository: ${host}/app\n          tag: latest\n`;
    files['templates/job.yaml'] = `metadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: t\n      image: ${host}/app:1.0\n`;
    files['crlf.yaml'] = `kind: Pod\r\nspec:\r\n  containers:\r\n    - name: c\r\n      image: ${host}/library/busybox:latest\r\n`;
    writeTree(ws, files);
  });
  after(async () => {
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');

  it('without --write prints a unified diff and changes nothing; the unresolvable tag makes exit 1', async () => {
    const r = await run(['pin', '.'], ws);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`^-          image: "${host}/app:dev"$`, 'm'));
    assert.match(r.stdout, new RegExp(`^\\+          image: "${host}/app:dev@${seeded['app:dev'].digest}"$`, 'm'));
    assert.match(r.stdout, /no-such-tag.*not found/);
    for (const [rel, text] of Object.entries(files)) assert.equal(read(rel), text, `${rel} must be unchanged`);
  });

  it('--write pins every shape with the digest skopeo sees, keeping quotes, comments and line endings', async () => {
    const r = await run(['pin', '.', '--write', '--format', 'json'], ws);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { references: Array<{ old: string; new: string | null; digest: string | null; error: string | null; mediaType: string | null }>; summary: { pinned: number; failed: number } };
    assert.equal(report.summary.failed, 1);
    assert.ok(report.references.find((x) => x.old.endsWith('no-such-tag'))!.error!.includes('no-such-tag'));

    const dev = await skopeoDigest(reg, 'app:dev');
    assert.equal(dev, seeded['app:dev'].digest);
    const deploy = read('deploy.yaml');
    assert.ok(deploy.includes(`image: "${host}/app:dev@${dev}"`), deploy);
    assert.ok(deploy.includes(`image: ${host}/multi:latest@${seeded['multi:latest'].digest}`), 'a missing tag is written as :latest; multi-arch pins the index');
    assert.ok(deploy.includes(`image: '${host}/org/team/app:main@${seeded['org/team/app:main'].digest}'`));
    assert.ok(deploy.includes(`image: ${host}/app:no-such-tag\n`), 'the unresolvable reference is left as it was');
    assert.ok(deploy.includes('name: app   # a comment that must stay'));
    assert.equal(report.references.find((x) => x.old.endsWith('/multi'))!.mediaType, 'application/vnd.oci.image.index.v1+json');

    // Helm: an empty tag resolves the chart's appVersion; a digest key is filled in.
    const values = read('chart/values.yaml');
    assert.ok(values.includes(`  tag: "1.0@${seeded['app:1.0'].digest}"`), values);
    assert.ok(values.includes(`    digest: "${seeded['legacy-multi:stable'].digest}"`), values);
    // Kustomize: a digest key is added to the entry.
    assert.equal(read('kustomization.yaml'), files['kustomization.yaml'] + `    digest: ${seeded['library/busybox:1.36'].digest}\n`);
    // Argo CD helm.values: edited inside the string.
    assert.ok(read('argocd.yaml').includes(`          tag: latest@${seeded['app:latest'].digest}\n`));
    // A literal reference in a chart template; the template actions are untouched.
    assert.equal(read('templates/job.yaml'), files['templates/job.yaml'].replace(`${host}/app:1.0`, `${host}/app:1.0@${seeded['app:1.0'].digest}`));
    // CRLF stays CRLF.
    assert.equal(read('crlf.yaml'), files['crlf.yaml'].replace('busybox:latest', `busybox:latest@${seeded['library/busybox:latest'].digest}`));
  });

  it('the pinned YAML has the same structure with only the references changed', () => {
    const before = parse(files['deploy.yaml']);
    const afterDoc = parse(read('deploy.yaml'));
    const strip = (v: string) => v.replace(/@sha256:[0-9a-f]{64}$/, '').replace(/\/multi:latest$/, '/multi');
    afterDoc.spec.template.spec.containers.forEach((c: { image: string }) => (c.image = strip(c.image)));
    assert.deepEqual(afterDoc, before);
    assert.equal(parseAllDocuments(read('chart/values.yaml')).length, 1);
  });

  it('pinning again changes nothing (only the unresolvable reference is left)', async () => {
    const snapshot = Object.fromEntries(Object.keys(files).map((rel) => [rel, read(rel)]));
    const r = await run(['pin', '.', '--write', '--format', 'json'], ws);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.summary, { pinned: 0, unchanged: 0, failed: 1 });
    for (const rel of Object.keys(files)) assert.equal(read(rel), snapshot[rel], rel);
  });

  it('--update rewrites the digest when the tag has moved, and only then', async () => {
    const moved = await pushImage(reg, { name: 'app', tags: ['dev'], kind: 'docker-v2', seed: 'app-dev-rebuilt' });
    assert.notEqual(moved.digest, seeded['app:dev'].digest);
    const r = await run(['pin', 'deploy.yaml', '--update', '--write', '--format', 'json'], ws);
    const report = JSON.parse(r.stdout) as { references: Array<{ old: string; new: string; changed: boolean }> };
    const dev = report.references.find((x) => x.old.includes('/app:dev@'))!;
    assert.equal(dev.changed, true);
    assert.ok(read('deploy.yaml').includes(`image: "${host}/app:dev@${moved.digest}"`));
    assert.equal(report.references.find((x) => x.old.includes('/org/team/app:main@'))!.changed, false);
  });

  it('--style digest writes repo@sha256 only', async () => {
    fs.writeFileSync(path.join(ws, 'digest-style.yaml'), `image: ${host}/app:1.0\n`);
    const r = await run(['pin', 'digest-style.yaml', '--write', '--style', 'digest'], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(read('digest-style.yaml'), `image: ${host}/app@${seeded['app:1.0'].digest}\n`);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await run(['pin', '--style', 'short'], ws)).code, 2);
    assert.equal((await run(['pin', '--format', 'sarif'], ws)).code, 2);
  });
});

describe('image-pin pin when the registry misbehaves', () => {
  let reg: RunningRegistry;
  before(async () => {
    reg = await startRegistry();
    await seedStandard(reg);
  });
  after(async () => reg?.stop());

  const faults: Array<[string, Parameters<Awaited<ReturnType<typeof startFaultProxy>>['setFault']>[0], string[], RegExp]> = [
    ['a registry whose digest header lies (with --verify-digests)', { kind: 'wrong-digest' }, ['--verify-digests'], /bytes hash to sha256:[0-9a-f]{64} although it named .* not pinning it/],
    ['a registry that answers 500', { kind: 'status', status: 500 }, [], /HTTP 500/],
    ['a registry that resets every connection', { kind: 'reset' }, [], /could not reach|reset|connection/i],
  ];
  for (const [name, fault, flags, expected] of faults) {
    it(`${name}: reported, exit 1, and the file is left untouched`, async () => {
      const proxy = await startFaultProxy(reg.url);
      proxy.setFault(fault);
      const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-fault-'));
      const text = `kind: Pod\nspec:\n  containers:\n    - name: a   # keep\n      image: ${proxy.host}/app:dev\n`;
      fs.writeFileSync(path.join(ws, 'pod.yaml'), text);
      try {
        const r = await run(['pin', '.', '--write', ...flags], ws);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stdout, expected);
        assert.doesNotMatch(r.stdout, /at .*\.js:\d+/, 'no stack trace');
        assert.equal(fs.readFileSync(path.join(ws, 'pod.yaml'), 'utf8'), text);
      } finally {
        await proxy.stop();
        fs.rmSync(ws, { recursive: true, force: true });
      }
    });
  }
});

describe('atomic writes', () => {
  it('a file that changed since it was read is left alone; otherwise replaced with its mode kept', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-write-'));
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, 'image: a:1\n', { mode: 0o640 });
    assert.deepEqual(writeEdits({ file, original: Buffer.from('image: a:0\n'), text: 'image: a:0\n', edits: [{ start: 0, end: 10, newText: 'x' }] }), { ok: false, reason: 'it changed on disk since it was read; left as it is' });
    assert.equal(fs.readFileSync(file, 'utf8'), 'image: a:1\n');
    assert.deepEqual(writeEdits({ file, original: Buffer.from('image: a:1\n'), text: 'image: a:1\n', edits: [{ start: 9, end: 10, newText: '2' }] }), { ok: true });
    assert.equal(fs.readFileSync(file, 'utf8'), 'image: a:2\n');
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(dir), ['a.yaml'], 'no temporary file is left behind');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
