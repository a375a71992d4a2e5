/**
 * The npm package: `npm pack` of this checkout installs into an empty folder with no network, and
 * its two commands work from there on this Node: `image-pin check` (with its worker threads) and
 * `image-pin-language-server --stdio`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXAMPLES, REPO_ROOT, fixture } from '../helpers/paths';
import { run } from '../helpers/cliRun';
import { Packed, installTarball, packCheckout } from '../helpers/npmPackage';
import { TestClient, fileUri } from '../lsp/lspClient';

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

describe('the npm package', () => {
  let tmp: string;
  let packed: Packed;
  let bin: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-package-'));
    packed = await packCheckout(tmp);
    bin = await installTarball(packed.tarball, path.join(tmp, 'project'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('npm pack prints only the tarball name on stdout (pre-commit reads it)', () => {
    assert.equal(packed.packStdout, `${path.basename(packed.tarball)}\n`);
  });

  it('holds the bundles, the docs they link and the manifest, and nothing else', () => {
    const listed = execFileSync('tar', ['-tzf', packed.tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(
      listed,
      [
        'CHANGELOG.md',
        'LICENSE',
        'README.md',
        'dist/cli.js',
        'dist/largeDocumentWorker.js',
        'dist/server.js',
        'dist/undici.js',
        'dist/worker.js',
        'docs/output.md',
        'docs/rules.md',
        'package.json',
        'schemas/image-pin.schema.json',
      ].map((f) => `package/${f}`),
    );
    const packaged = JSON.parse(execFileSync('tar', ['-xzOf', packed.tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    assert.equal(packaged.private, false);
    assert.equal(packaged.dependencies, undefined, 'the bundles need no run-time dependency');
    assert.deepEqual(packaged.bin, { 'image-pin': 'dist/cli.js', 'image-pin-language-server': 'dist/server.js' });
  });

  it('installs its two commands', () => {
    assert.deepEqual(fs.readdirSync(bin).sort(), ['image-pin', 'image-pin-language-server']);
    assert.deepEqual(fs.readdirSync(path.join(bin, '..')).filter((n) => !n.startsWith('.')), ['image-pin'], 'nothing else is installed');
  });

  it('image-pin --version prints the package version', async () => {
    const r = await run(path.join(bin, 'image-pin'), ['--version']);
    assert.equal(r.stdout, `${manifest.version}\n`);
  });

  it('image-pin check examples/ exits 1 with the findings of the development build', async () => {
    const r = await run(path.join(bin, 'image-pin'), ['check', path.relative(REPO_ROOT, EXAMPLES), '--today', '2026-11-26', '--no-cache'], { cwd: REPO_ROOT });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, fs.readFileSync(fixture('golden', 'check.txt'), 'utf8'));
  });

  it('image-pin pin and check --online load the registry client and its HTTP stack (dist/undici.js, loaded on demand) from inside the package', async () => {
    // A registry on a closed loopback port: the request is made and refused, so the whole client ran.
    const tree = path.join(tmp, 'registry-commands');
    fs.mkdirSync(tree, { recursive: true });
    fs.writeFileSync(path.join(tree, 'tag.yaml'), 'image: 127.0.0.1:9/app:1.0\n');
    fs.writeFileSync(path.join(tree, 'pinned.yaml'), `image: 127.0.0.1:9/app:1.0@sha256:${'a'.repeat(64)}\n`);
    const env = { ...process.env, DOCKER_CONFIG: path.join(tree, '.no-docker') };
    const pin = await run(path.join(bin, 'image-pin'), ['pin', 'tag.yaml', '--timeout', '1'], { cwd: tree, env });
    assert.equal(pin.code, 1, pin.stdout + pin.stderr);
    assert.match(pin.stdout, /^tag\.yaml:1:8 not pinned: could not reach 127\.0\.0\.1:9 .*connection was refused/m);
    const online = await run(path.join(bin, 'image-pin'), ['check', 'pinned.yaml', '--online', '--no-cache', '--timeout', '1'], { cwd: tree, env });
    assert.equal(online.code, 1, online.stdout + online.stderr);
    assert.match(online.stdout, /^online: 1 pin verified, 0 moved, 0 unknown, 1 could not be checked$/m);
  });

  it('image-pin check starts its worker threads from inside the package on a large tree', async () => {
    // 400 small files are below the scanner's worker threshold (by bytes), lowered here so that with
    // two or more cores they are split over workers, which load worker.js next to the bundle: a
    // missing file would fail the run.
    assert.ok(os.availableParallelism() >= 2, 'this test needs two cores to exercise the worker threads');
    const tree = path.join(tmp, 'tree');
    const deployment = fs.readFileSync(path.join(EXAMPLES, 'base', 'deployment.yaml'));
    for (let i = 0; i < 400; i++) {
      fs.mkdirSync(path.join(tree, `app-${i}`), { recursive: true });
      fs.writeFileSync(path.join(tree, `app-${i}`, 'deployment.yaml'), deployment);
    }
    const one = await run(path.join(bin, 'image-pin'), ['check', '--format', 'json', '--no-cache', path.join(EXAMPLES, 'base', 'deployment.yaml')]);
    const all = await run(path.join(bin, 'image-pin'), ['check', '--format', 'json', '--no-cache', '.'], { cwd: tree, env: { ...process.env, IMAGE_PIN_WORKER_MIN_BYTES: '0' } });
    assert.equal(all.code, 1, all.stderr);
    const perFile = (JSON.parse(one.stdout) as { findings: unknown[] }).findings.length;
    const summary = (JSON.parse(all.stdout) as { summary: { files: number; findings: number } }).summary;
    assert.ok(perFile > 0);
    assert.deepEqual(summary, { ...summary, files: 400, findings: 400 * perFile });
  });

  it('image-pin-language-server answers initialize over stdio and publishes diagnostics', async () => {
    const client = await TestClient.start({ executable: path.join(bin, 'image-pin-language-server'), folders: [EXAMPLES] });
    try {
      assert.equal(client.initializeResult.serverInfo?.name, 'image-pin-language-server');
      assert.equal(client.initializeResult.serverInfo?.version, manifest.version);
      const file = path.join(EXAMPLES, 'base', 'deployment.yaml');
      await client.open(file);
      const diagnostics = await client.diagnosticsFor(fileUri(file), { check: (d) => d.length > 0 });
      assert.ok(diagnostics.some((d) => d.code === 'floating-tag' && d.range.start.line === 21), JSON.stringify(diagnostics));

      // A document over the large-document size is checked on the worker thread the server starts
      // from largeDocumentWorker.js beside its bundle.
      const padding = '# padding\n'.repeat(40_000);
      const large = path.join(tmp, 'large.yaml');
      fs.writeFileSync(large, `${padding}spec:\n  containers:\n    - image: nginx:latest\n`);
      await client.open(large);
      const far = await client.diagnosticsFor(fileUri(large), { check: (d) => d.length > 0 });
      assert.deepEqual(far.map((d) => [d.code, d.range.start.line]), [['floating-tag', 40_002]]);
    } finally {
      await client.stop();
    }
  });
});
