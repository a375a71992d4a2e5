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
import { encodeText } from '../../server/src/core/text';
import { readForCheck } from '../../server/src/scan/readFile';
import { PushedImage, RunningRegistry, pushImage, seedStandard, skopeoDigest, startFaultProxy, startRegistry } from '../helpers/registry';
import { runCliWithoutDockerConfig, writeTree } from '../helpers/cliRun';

const run = runCliWithoutDockerConfig;

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
    for (const bad of ['0', 'abc', '-1', '99999']) {
      const r = await run(['pin', `--timeout=${bad}`], ws);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /--timeout must be a number of seconds between 0 and 3600/);
    }
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
    // A byte every 200 ms keeps every idle timer happy; --timeout bounds the whole request.
    ['a registry that trickles its answer a byte at a time', { kind: 'trickle', intervalMs: 200 }, ['--verify-digests', '--timeout', '1'], /did not answer in time .*no complete response within 1000 ms/],
  ];
  for (const [name, fault, flags, expected] of faults) {
    it(`${name}: reported, exit 1, and the file is left untouched`, { timeout: 60_000 }, async () => {
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

describe('image-pin pin --write keeps what it does not pin', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let ws: string;
  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-bytes-'));
  });
  after(async () => {
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('a Latin-1 comment survives byte for byte; a read-only file and a link out of the folder are reported, not counted as pinned', async () => {
    const latin1 = Buffer.concat([Buffer.from('# r'), Buffer.from([0xe9]), Buffer.from(`sum'\nimage: ${reg.host}/app:dev\n`)]);
    fs.writeFileSync(path.join(ws, 'latin1.yaml'), latin1);
    fs.writeFileSync(path.join(ws, 'locked.yaml'), `image: ${reg.host}/app:1.0\n`, { mode: 0o444 });
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-outside-'));
    fs.writeFileSync(path.join(outside, 'elsewhere.yaml'), `image: ${reg.host}/app:1.0\n`);
    fs.symlinkSync(path.join(outside, 'elsewhere.yaml'), path.join(ws, 'link-out.yaml'));
    try {
      // Named one by one: the link is then read, and refused only when it comes to writing.
      const r = await run(['pin', 'latin1.yaml', 'locked.yaml', 'link-out.yaml', '--write'], ws);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const at = latin1.indexOf('app:dev') + 'app:dev'.length;
      assert.deepEqual(
        fs.readFileSync(path.join(ws, 'latin1.yaml')),
        Buffer.concat([latin1.subarray(0, at), Buffer.from(`@${seeded['app:dev'].digest}`), latin1.subarray(at)]),
      );
      assert.equal(fs.readFileSync(path.join(ws, 'locked.yaml'), 'utf8'), `image: ${reg.host}/app:1.0\n`);
      assert.match(r.stderr, /locked\.yaml: not written: it is read-only \(mode 0444\); not written/);
      assert.match(r.stderr, /link-out\.yaml: not written: it is a symbolic link to .*elsewhere\.yaml, outside the folder being pinned/);
      assert.equal(fs.readFileSync(path.join(outside, 'elsewhere.yaml'), 'utf8'), `image: ${reg.host}/app:1.0\n`);
      assert.match(r.stdout, /^1 pinned, 0 could not be resolved, 2 resolved but not written$/m);
      assert.doesNotMatch(r.stdout, /locked\.yaml:1:8 pinned/);
      // Found in the folder, the link is not even read, and says so.
      const walked = await run(['pin', '.', '--write'], ws);
      assert.match(walked.stderr, /link-out\.yaml: skipped: symbolic link to a file outside the scanned folder/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('image-pin pin with credential helpers', () => {
  const USER = { username: 'carol', password: 'carol-Secret-4h8w' };
  let reg: RunningRegistry;
  let image: PushedImage;
  let home: string;
  before(async () => {
    reg = await startRegistry({ auth: { kind: 'basic', users: { [USER.username]: USER.password } } });
    image = await pushImage(reg, { name: 'team/api', tags: ['dev'], kind: 'oci-manifest', seed: 'helper' });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-helper-'));
    fs.mkdirSync(path.join(home, 'bin'));
    // A helper as docker-credential-* helpers work: `get`, the server on stdin, JSON on stdout.
    fs.writeFileSync(
      path.join(home, 'bin', 'docker-credential-pintest'),
      `#!/bin/sh\nread -r server\necho "$1 $server" >> "${home}/asked"\n` +
        `printf '{"ServerURL":"%s","Username":"${USER.username}","Secret":"${USER.password}"}' "$server"\n`,
      { mode: 0o755 },
    );
  });
  after(async () => {
    await reg?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  for (const [name, config] of [
    ['credsStore', () => ({ credsStore: 'pintest' })],
    ['credHelpers', () => ({ credHelpers: { [reg.host]: 'pintest' } })],
  ] as const) {
    it(`runs the ${name} helper and pins with its credentials`, async () => {
      const dockerConfig = fs.mkdtempSync(path.join(home, 'docker-'));
      fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify(config()));
      const ws = fs.mkdtempSync(path.join(home, 'ws-'));
      fs.writeFileSync(path.join(ws, 'pod.yaml'), `image: ${reg.host}/team/api:dev\n`);
      fs.rmSync(path.join(home, 'asked'), { force: true });
      const r = await run(['pin', '.', '--write'], ws, { DOCKER_CONFIG: dockerConfig, PATH: `${path.join(home, 'bin')}:${process.env.PATH}` });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(fs.readFileSync(path.join(ws, 'pod.yaml'), 'utf8'), `image: ${reg.host}/team/api:dev@${image.digest}\n`);
      assert.equal(fs.readFileSync(path.join(home, 'asked'), 'utf8').trim(), `get ${reg.host}`);
      assert.ok(!(r.stdout + r.stderr).includes(USER.password), 'the secret is not printed');
    });
  }

  it('a helper that is missing is named in the message; no "untrusted workspace" in a terminal', async () => {
    const dockerConfig = fs.mkdtempSync(path.join(home, 'docker-'));
    fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'not-installed' }));
    const ws = fs.mkdtempSync(path.join(home, 'ws-'));
    fs.writeFileSync(path.join(ws, 'pod.yaml'), `image: ${reg.host}/team/api:dev\n`);
    const r = await run(['pin', '.', '--write'], ws, { DOCKER_CONFIG: dockerConfig });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /credential helper docker-credential-not-installed was not found on PATH/);
    assert.doesNotMatch(r.stdout + r.stderr, /untrusted/);
  });
});

describe('atomic writes', () => {
  it('a file that changed since it was read is left alone; otherwise replaced with its mode kept', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-write-'));
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, 'image: a:1\n', { mode: 0o640 });
    const edit = [{ start: 9, end: 10, newText: '2' }];
    assert.deepEqual(writeEdits({ file, original: Buffer.from('image: a:0\n'), text: 'image: a:0\n', edits: edit }), { ok: false, reason: 'it changed on disk since it was read; left as it is' });
    assert.equal(fs.readFileSync(file, 'utf8'), 'image: a:1\n');
    assert.deepEqual(writeEdits({ file, original: Buffer.from('image: a:1\n'), text: 'image: a:1\n', edits: edit }), { ok: true });
    assert.equal(fs.readFileSync(file, 'utf8'), 'image: a:2\n');
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(dir), ['a.yaml'], 'no temporary file is left behind');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('writes keep the encoding the file was read in', () => {
  it('UTF-16 (both byte orders), UTF-32 and a UTF-8 byte order mark are written back as they were', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-enc-'));
    const file = path.join(dir, 'a.yaml');
    for (const encoding of ['utf8', 'utf8-bom', 'utf16le', 'utf16be', 'utf32le', 'utf32be'] as const) {
      fs.writeFileSync(file, encodeText('# é ✓ 𝄞\nimage: a:1\n', encoding));
      const read = readForCheck(file, 1 << 20);
      assert.ok(read.kind === 'text' && read.encoding === encoding, encoding);
      assert.equal(read.text, '# é ✓ 𝄞\nimage: a:1\n', encoding);
      assert.ok(read.kind === 'text');
      const at = read.text.indexOf('a:1');
      const edits = [{ start: at, end: at + 3, newText: 'a:2' }];
      assert.deepEqual(writeEdits({ file, original: read.bytes, text: read.text, edits }), { ok: true }, encoding);
      assert.deepEqual(fs.readFileSync(file), Buffer.from(encodeText('# é ✓ 𝄞\nimage: a:2\n', encoding)), encoding);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
