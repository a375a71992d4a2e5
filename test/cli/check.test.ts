/**
 * `image-pin check` as a separate process: exit codes, the three output formats
 * (golden files), and the workspace walk (gitignore, dot folders, bad files, cache).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, REPO_ROOT, fixture } from '../helpers/paths';
import { tempDir } from '../helpers/tempDir';
import { type ExtractJob, extractMany } from '../../server/src/scan/extractFiles';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `preload`: a module Node loads before the CLI (`-r`). */
function run(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; preload?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...(opts.preload ? ['-r', opts.preload] : []), CLI, ...args], { cwd: opts.cwd ?? REPO_ROOT, env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Writes `text` to `rel` below `dir`, creating folders. */
/** A file of `size` bytes (ASCII) whose one reference is `image`. */
function padded(image: string, size: number): string {
  const head = `image: ${image}\n`;
  return `${head}#${'x'.repeat(size - head.length - 2)}\n`;
}

function writeUnder(dir: string, rel: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

const GOLDEN = fixture('golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (UPDATE) fs.writeFileSync(file, actual);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `output differs from ${path.relative(REPO_ROOT, file)} (UPDATE_GOLDEN=1 rewrites it)`);
}

describe('image-pin check on examples/', () => {
  const common = ['--today', '2026-11-26', '--no-cache'];

  it('text output matches the golden file and exits 1 (findings)', async () => {
    const r = await run(['check', 'examples', ...common]);
    assert.equal(r.code, 1, r.stderr);
    golden('check.txt', r.stdout);
    // The base's shop-api:main is overridden by every overlay that deploys it: not red there.
    assert.doesNotMatch(r.stdout, /^examples\/base\/deployment\.yaml:22:/m);
    // Production's tag-only override of the chart's image is reported where it is written.
    assert.match(r.stdout, /^examples\/charts\/web\/values-prod\.yaml:2:8 warning unpinned-tag tag "2\.8\.1" without a digest .*; in prod \(examples\/charts\/web\/values-prod\.yaml\) \(docker\.io\/acme\/web:2\.8\.1\)$/m);
    // A base reference that one environment deploys as written, naming it.
    assert.match(r.stdout, /^examples\/base\/deployment\.yaml:26:19 warning unpinned-tag tag "1\.27" .*; deployed as written by dev \(examples\/overlays\/dev\) \(nginx:1\.27\)$/m);
  });

  it('json output matches the golden file and has 1-based positions', async () => {
    const r = await run(['check', 'examples', '--format', 'json', ...common]);
    assert.equal(r.code, 1, r.stderr);
    golden('check.json', r.stdout);
    const parsed = JSON.parse(r.stdout) as { findings: Array<Record<string, unknown>>; summary: Record<string, unknown> };
    const first = parsed.findings.find((f) => f.file === 'examples/overlays/prod/kustomization.yaml');
    assert.deepEqual(first, {
      file: 'examples/overlays/prod/kustomization.yaml',
      line: 13,
      column: 13,
      endLine: 13,
      endColumn: 18,
      rule: 'unpinned-tag',
      severity: 'warning',
      image: 'ghcr.io/acme/report-runner:2.0.1',
      message: first!.message,
      environments: [{ stage: 'prod', root: 'examples/overlays/prod' }],
    });
    const ci = parsed.findings.find((f) => f.file === 'examples/.github/workflows/ci.yaml');
    assert.deepEqual(ci!.environments, []);
    assert.equal(parsed.summary.errors, 6);
  });

  it('sarif output matches the golden file and is SARIF 2.1.0 with rules and regions', async () => {
    const r = await run(['check', 'examples', '--format', 'sarif', ...common]);
    assert.equal(r.code, 1, r.stderr);
    const normalized = r.stdout.replace(JSON.stringify(`file://${REPO_ROOT}/`), '"file:///REPO/"');
    golden('check.sarif', normalized);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    const run0 = sarif.runs[0];
    assert.equal(run0.tool.driver.name, 'image-pin');
    assert.ok(run0.tool.driver.rules.every((rule: { id: string; help: { text: string } }) => rule.id && rule.help.text.length > 20));
    for (const result of run0.results) {
      assert.equal(run0.tool.driver.rules[result.ruleIndex].id, result.ruleId);
      const loc = result.locations[0].physicalLocation;
      assert.ok(!path.isAbsolute(loc.artifactLocation.uri) && loc.artifactLocation.uriBaseId === '%SRCROOT%');
      assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
    }
  });

  it('exit 0 on a clean tree, 2 on usage errors and unreadable paths', async () => {
    const dir = tempDir('ip-clean-');
    fs.writeFileSync(path.join(dir, 'ok.yaml'), `image: nginx@sha256:${'c'.repeat(64)}\n`);
    assert.equal((await run(['check', dir, '--no-cache'])).code, 0);
    assert.equal((await run(['check', dir, '--format', 'xml'])).code, 2);
    assert.equal((await run(['check', '--bogus'])).code, 2);
    assert.equal((await run(['frobnicate'])).code, 2);
    const missing = await run(['check', path.join(dir, 'nope.yaml'), '--no-cache']);
    assert.equal(missing.code, 2);
    assert.match(missing.stdout + missing.stderr, /nope\.yaml: cannot read: no such file or folder/);
  });

  it('tag-conflict: one tag pinned to two digests across files is reported at each place, naming the others; offline', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-conflict-'));
    const A = `sha256:${'a'.repeat(64)}`;
    const B = `sha256:${'b'.repeat(64)}`;
    fs.mkdirSync(path.join(dir, 'prod'));
    fs.writeFileSync(path.join(dir, 'base.yaml'), `kind: Pod\nspec:\n  containers:\n    - name: a\n      image: ghcr.io/acme/api:v1.4.2@${A}\n    - name: b\n      image: ghcr.io/acme/api:main@${A}\n`);
    fs.writeFileSync(path.join(dir, 'prod', 'kustomization.yaml'), `images:\n  - name: api\n    newName: ghcr.io/acme/api\n    newTag: v1.4.2\n    digest: ${B}\n  - name: web\n    newName: ghcr.io/acme/api\n    newTag: main\n    digest: ${B}\n`);
    try {
      const r = await run(['check', '.', '--format', 'json', '--no-cache'], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      const findings = (JSON.parse(r.stdout) as { findings: Array<{ file: string; line: number; rule: string; message: string }> }).findings;
      const conflicts = findings.filter((f) => f.rule === 'tag-conflict');
      assert.deepEqual(conflicts.map((f) => [f.file.split(path.sep).join('/'), f.line]), [['base.yaml', 5], ['prod/kustomization.yaml', 4]], 'main is a floating tag: it may move');
      assert.ok(conflicts[0].message.includes(`prod${path.sep}kustomization.yaml:4:`) && conflicts[0].message.includes(B), conflicts[0].message);
      assert.ok(conflicts[1].message.includes('base.yaml:5:14') && conflicts[1].message.includes(A), conflicts[1].message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad config is a located error with exit 2', async () => {
    const dir = tempDir('ip-badcfg-');
    fs.writeFileSync(path.join(dir, '.image-pin.yaml'), 'severity:\n  floating-tag: loud\n');
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'image: nginx:latest\n');
    const r = await run(['check', '.', '--no-cache'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid config: \.image-pin\.yaml:2:17: severity\.floating-tag: must be error, warning, info, hint or off/);
    const explicit = await run(['check', '.', '--config', 'missing.yaml'], { cwd: dir });
    assert.equal(explicit.code, 2);
    assert.match(explicit.stderr, /missing\.yaml:1:1: cannot read the config file \(ENOENT\)/);
  });
});

describe('check --format sarif: what was not checked', () => {
  type Notification = { level: string; descriptor: { id: string }; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }> };
  const sarifOf = async (dir: string, ...paths: string[]) => {
    const r = await run(['check', '--format', 'sarif', '--no-cache', ...paths], { cwd: dir });
    const inv = (JSON.parse(r.stdout) as { runs: Array<{ invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: Notification[] }> }> }).runs[0].invocations[0];
    const notes = inv.toolExecutionNotifications.map((n) => [n.descriptor.id, n.level, n.locations[0].physicalLocation.artifactLocation.uri, n.locations[0].physicalLocation.region?.startLine]);
    return { code: r.code, ok: inv.executionSuccessful, notes, texts: inv.toolExecutionNotifications.map((n) => n.message.text) };
  };

  it('a binary file is a warning notification at the file, so a report without alerts is not clean by omission', async () => {
    const dir = tempDir('ip-sarif-skip-');
    fs.mkdirSync(path.join(dir, 'deploy dir'));
    fs.writeFileSync(path.join(dir, 'deploy dir', 'blob.yaml'), Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00]));
    fs.writeFileSync(path.join(dir, 'ok.yaml'), `image: nginx@sha256:${'c'.repeat(64)}\n`);
    const r = await sarifOf(dir, '.');
    assert.equal(r.code, 0);
    assert.equal(r.ok, true);
    assert.deepEqual(r.notes, [['skipped-file', 'warning', 'deploy%20dir/blob.yaml', undefined]]);
    assert.deepEqual(r.texts, ['deploy dir/blob.yaml: skipped: binary file']);
  });

  it('an unreadable path, an invalid config and an environment problem: unsuccessful, each located', async () => {
    const dir = tempDir('ip-sarif-fail-');
    fs.mkdirSync(path.join(dir, 'bad'));
    fs.writeFileSync(path.join(dir, 'bad', '.image-pin.yaml'), 'severity:\n  floating-tag: loud\n');
    fs.writeFileSync(path.join(dir, 'bad', 'pod.yaml'), 'image: nginx:latest\n');
    fs.mkdirSync(path.join(dir, 'dev'));
    fs.writeFileSync(path.join(dir, 'dev', 'kustomization.yaml'), 'resources:\n  - ../gone\n');
    const r = await sarifOf(dir, '.', 'missing.yaml');
    assert.equal(r.code, 2);
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.notes.map((n) => n.slice(0, 3)),
      [
        ['invalid-config', 'error', 'bad/.image-pin.yaml'],
        ['unreadable-path', 'error', 'missing.yaml'],
        ['environment-problem', 'note', 'dev/kustomization.yaml'],
      ],
    );
    assert.equal(r.notes[0][3], 2, 'the config error is at its line');
    assert.equal(r.notes[2][3], 2, 'the missing resource is at its line');
  });
});

describe('workspace walk', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-walk-'));
    const write = (rel: string, text: string | Buffer) => writeUnder(dir, rel, text);
    write('.gitignore', 'generated/\n*.tmp.yaml\n');
    write('deploy.yaml', 'image: app:dev\n');
    write('generated/out.yaml', 'image: gen:dev\n');
    write('scratch.tmp.yaml', 'image: tmp:dev\n');
    write('.github/workflows/ci.yml', 'jobs:\n  t:\n    container: node:20\n');
    write('node_modules/pkg/x.yaml', 'image: nm:dev\n');
    write('sub/.gitignore', 'local.yaml\n');
    write('sub/local.yaml', 'image: local:dev\n');
    write('sub/kept.yml', 'image: kept:dev\n');
    write('notes.txt', 'image: txt:dev\n');
    write('binary.yaml', Buffer.from([0x69, 0x6d, 0x00, 0x01, 0x02]));
    write('huge/.image-pin.yaml', 'maxFileSize: 64\n');
    write('huge/big.yaml', `image: big:dev\n# ${'x'.repeat(100)}\n`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('honours .gitignore at every level, enters dot folders, skips node_modules and non-YAML', async () => {
    const r = await run(['check', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    const out = JSON.parse(r.stdout) as { findings: Array<{ file: string; image: string }>; skipped: Array<{ file: string; reason: string }> };
    assert.deepEqual(out.findings.map((f) => f.image).sort(), ['app:dev', 'kept:dev', 'node:20']);
    assert.deepEqual(
      out.skipped.map((s) => [s.file, s.reason]).sort(),
      [
        ['binary.yaml', 'skipped: binary file'],
        ['huge/big.yaml', 'skipped: 118 bytes is over the 64 bytes limit (maxFileSize)'],
      ],
    );
    assert.equal(r.code, 1);
  });

  it('a file named on the command line is checked whatever its name', async () => {
    const r = await run(['check', 'notes.txt', '--format', 'json', '--no-cache'], { cwd: dir });
    assert.deepEqual(JSON.parse(r.stdout).findings.map((f: { image: string }) => f.image), ['txt:dev']);
  });

  it('a file named twice, or named beside a folder that holds it, is checked once; one folder lists each file once', async () => {
    const root = tempDir('ip-twice-');
    writeUnder(root, 'deploy.yaml', 'image: app:dev\n');
    writeUnder(root, 'sub/other.yaml', 'image: other:dev\n');
    const images = async (args: string[]) => {
      const r = await run(['check', ...args, '--format', 'json', '--no-cache'], { cwd: root });
      return (JSON.parse(r.stdout).findings as Array<{ image: string }>).map((f) => f.image).sort();
    };
    assert.deepEqual(await images(['.']), ['app:dev', 'other:dev']);
    assert.deepEqual(await images(['deploy.yaml', 'deploy.yaml']), ['app:dev']);
    assert.deepEqual(await images(['.', 'deploy.yaml', 'sub', 'sub/other.yaml']), ['app:dev', 'other:dev']);
    assert.deepEqual(await images(['sub/other.yaml', '.']), ['app:dev', 'other:dev']);
  });

  it('the result cache serves unchanged files and notices changed ones', async () => {
    const cacheHome = tempDir('ip-cache-');
    const env = { XDG_CACHE_HOME: cacheHome };
    const first = await run(['check', '.', '--format', 'json'], { cwd: dir, env });
    assert.equal(fs.readdirSync(path.join(cacheHome, 'image-pin')).length, 1, 'a cache file was written');
    const second = await run(['check', '.', '--format', 'json'], { cwd: dir, env });
    assert.equal(second.stdout, first.stdout);
    fs.writeFileSync(path.join(dir, 'deploy.yaml'), 'image: app:canary\n');
    const future = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(dir, 'deploy.yaml'), future, future);
    const third = await run(['check', '.', '--format', 'json'], { cwd: dir, env });
    assert.ok(JSON.parse(third.stdout).findings.some((f: { image: string }) => f.image === 'app:canary'));
  });
});

describe('the stats taken to decide on workers (a scan without the cache)', () => {
  it('a listed file that can no longer be stat-ed is reported by its read, and the scan goes on', async () => {
    // extractMany as the scan calls it: jobs without sizes. The first batch (256 files of 1,000 bytes)
    // projects past the threshold, so the rest are stat-ed; the last job's path is a link loop (ELOOP),
    // as an unreadable folder would be for a user other than root (EACCES). The bytes do not reach the
    // threshold, so everything is read on this thread.
    const tree = tempDir('ip-stat-error-');
    const jobs: ExtractJob[] = [];
    for (let i = 0; i < 300; i++) {
      const rel = `f${String(i).padStart(3, '0')}.yaml`;
      writeUnder(tree, rel, padded(`app${i}:1`, i < 256 ? 1000 : 100));
      jobs.push({ absolute: path.join(tree, rel), imageKeys: [], maxFileSize: 1e6 });
    }
    fs.symlinkSync('loop', path.join(tree, 'loop'));
    jobs.push({ absolute: path.join(tree, 'loop', 'gone.yaml'), imageKeys: [], maxFileSize: 1e6 });
    const saved = process.env.IMAGE_PIN_WORKER_MIN_BYTES;
    process.env.IMAGE_PIN_WORKER_MIN_BYTES = '280000';
    try {
      const outcomes = await extractMany(jobs, { workers: 2 });
      assert.equal(outcomes.filter((o) => o.kind === 'extracted').length, 300);
      assert.match(JSON.stringify(outcomes[300]), /^\{"kind":"error","reason":"cannot read: /);
    } finally {
      if (saved === undefined) delete process.env.IMAGE_PIN_WORKER_MIN_BYTES;
      else process.env.IMAGE_PIN_WORKER_MIN_BYTES = saved;
    }
  });
});

/** A preload that prints how many worker threads the CLI started. */
const COUNT_WORKERS = path.join(__dirname, '..', 'helpers', 'countWorkers.js');

describe('parallel scan', () => {
  // Every kind of file a read can meet: text in each encoding, binary, over the size limit, many small ones.
  let dir: string;
  before(() => {
    dir = tempDir('ip-many-');
    for (let i = 0; i < 400; i++) writeUnder(dir, `f${i}.yaml`, `kind: Pod\nspec:\n  containers:\n    - {name: c, image: "app${i}:${i % 2 ? 'dev' : '1.0'}"}\n`);
    writeUnder(dir, 'binary.yaml', Buffer.from([0x69, 0x6d, 0x00, 0x01, 0x02]));
    writeUnder(dir, 'u16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('image: wide:dev\n', 'utf16le')]));
    writeUnder(dir, 'empty.yaml', '');
    writeUnder(dir, 'huge/.image-pin.yaml', 'maxFileSize: 64\n');
    writeUnder(dir, 'huge/big.yaml', `image: big:dev\n# ${'x'.repeat(100)}\n`);
  });
  const check = (env: NodeJS.ProcessEnv) => run(['check', '.', '--format', 'json', '--no-cache'], { cwd: dir, env });
  const oneThread = { IMAGE_PIN_WORKER_MIN_BYTES: String(2 ** 40) };

  it('one thread: every file reported', async () => {
    const r = await check(oneThread);
    const out = JSON.parse(r.stdout) as { findings: Array<{ image: string; rule: string }>; skipped: Array<{ file: string }> };
    assert.equal(out.findings.length, 401);
    assert.equal(out.findings.filter((f) => f.rule === 'floating-tag').length, 201);
    assert.deepEqual(out.skipped.map((s) => s.file).sort(), ['binary.yaml', 'huge/big.yaml']);
  });

  it('worker threads give the same report as one thread', async () => {
    // A few KiB: workers start only because the threshold is lowered to nothing. The preload counts them.
    const counted = (env: NodeJS.ProcessEnv) => run(['check', '.', '--format', 'json', '--no-cache'], { cwd: dir, env, preload: COUNT_WORKERS });
    const [one, workers] = await Promise.all([counted(oneThread), counted({ IMAGE_PIN_WORKER_MIN_BYTES: '0' })]);
    assert.match(one.stderr, /^worker threads started: 0$/m);
    assert.match(workers.stderr, /^worker threads started: [1-9]\d*$/m, 'the parallel path ran');
    assert.equal(workers.code, one.code);
    assert.equal(workers.stdout, one.stdout);
  });

  it('without the cache the files are not stat-ed up front: workers start when the bytes read project past the threshold and the rest confirm it', async () => {
    // 256 files of 1,000 bytes sort first (the first batch), then 200 of 100: 276,000 bytes in all,
    // projected from the first batch to 456,000.
    const tree = tempDir('ip-project-');
    for (let i = 0; i < 256; i++) writeUnder(tree, `a${String(i).padStart(3, '0')}.yaml`, padded(`big${i}:dev`, 1000));
    for (let i = 0; i < 200; i++) writeUnder(tree, `b${String(i).padStart(3, '0')}.yaml`, padded(`small${i}:1`, 100));
    const counted = (threshold: number) =>
      run(['check', '.', '--format', 'json', '--no-cache'], { cwd: tree, env: { IMAGE_PIN_WORKER_MIN_BYTES: String(threshold) }, preload: COUNT_WORKERS });
    const [above, misjudged, below] = await Promise.all([counted(200_000), counted(300_000), counted(500_000)]);
    assert.match(above.stderr, /^worker threads started: [1-9]\d*$/m, 'the tree is above the threshold: workers');
    // The projection (456,000) passes 300,000, the files' real sizes (276,000) do not: no workers.
    assert.match(misjudged.stderr, /^worker threads started: 0$/m, 'projected past the threshold, but not there');
    assert.match(below.stderr, /^worker threads started: 0$/m, 'below the threshold: one thread');
    assert.equal(JSON.parse(below.stdout).findings.length, 456);
    assert.equal(above.stdout, below.stdout);
    assert.equal(misjudged.stdout, below.stdout);
    assert.equal(above.code, 1);
  });
});

describe('reading: nothing unchecked looks clean', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-read-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const check = async (name: string, content: string | Buffer) => {
    fs.writeFileSync(path.join(dir, name), content);
    const r = await run(['check', name, '--format', 'json', '--no-cache'], { cwd: dir });
    const out = JSON.parse(r.stdout) as { findings: Array<{ rule: string; line: number; column: number; image?: string }>; skipped: unknown[] };
    return { code: r.code, findings: out.findings.map((f) => [f.rule, f.line, f.column, f.image]), skipped: out.skipped };
  };
  const pod = 'image: nginx:latest\nspec:\n  containers:\n    - name: a\n      image: redis:7\n';
  const podFindings = [
    ['floating-tag', 1, 8, 'nginx:latest'],
    ['unpinned-tag', 5, 14, 'redis:7'],
  ];

  it('a file with {{ in a comment and a real syntax error exits 1 with the error and its references', async () => {
    const r = await check('commented.yaml', '# see {{ .Values.x }}\nxxxx\nimage: nginx:latest\nfoo: [\n');
    assert.equal(r.code, 1);
    assert.deepEqual(r.findings.map((f) => f[0]), ['yaml-syntax', 'floating-tag']);
  });

  it('UTF-16 files with a byte order mark are decoded and checked, at the same lines and columns', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pod, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    for (const [name, bytes] of [['le.yaml', le], ['be.yaml', be]] as const) {
      const r = await check(name, bytes);
      assert.equal(r.code, 1, name);
      assert.deepEqual(r.skipped, [], name);
      assert.deepEqual(r.findings, podFindings, name);
    }
  });

  it('a UTF-8 byte order mark does not shift columns', async () => {
    const r = await check('bom.yaml', `\uFEFF${pod}`);
    assert.deepEqual(r.findings, podFindings);
  });

  it('lone CR line endings are line breaks: no false syntax error, references on their own lines', async () => {
    const r = await check('cr.yaml', pod.replace(/\n/g, '\r'));
    assert.deepEqual(r.findings, podFindings);
  });
});

describe('test fixtures are excluded by default', () => {
  it('Go testdata folders and helm-unittest suites are not scanned unless the config says otherwise', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-fixtures-'));
    const write = (rel: string, text: string) => writeUnder(dir, rel, text);
    write('deploy.yaml', 'image: app:dev\n');
    write('pkg/testdata/pod.yaml', 'image: fixture:dev\n');
    write('testdata/top.yaml', 'image: top:dev\n');
    write('charts/web/tests/deployment_test.yaml', 'image: unittest:dev\n');
    write('charts/web/tests/values.yaml', 'image: kept:dev\n');
    const images = async () => {
      const r = await run(['check', '.', '--format', 'json', '--no-cache'], { cwd: dir });
      return (JSON.parse(r.stdout).findings as Array<{ image: string }>).map((f) => f.image).sort();
    };
    assert.deepEqual(await images(), ['app:dev', 'kept:dev']);
    // Named from another folder, with no config file above it: the same files as from inside.
    const elsewhere = tempDir('ip-elsewhere-');
    const fromOutside = await run(['check', dir, '--format', 'json', '--no-cache'], { cwd: elsewhere });
    assert.deepEqual((JSON.parse(fromOutside.stdout).findings as Array<{ image: string }>).map((f) => f.image).sort(), ['app:dev', 'kept:dev']);
    write('.image-pin.yaml', 'exclude: []\n');
    assert.deepEqual(await images(), ['app:dev', 'fixture:dev', 'kept:dev', 'top:dev', 'unittest:dev']);
    const named = await run(['check', 'pkg/testdata/pod.yaml', '--format', 'json', '--no-cache'], { cwd: dir });
    assert.equal(JSON.parse(named.stdout).findings.length, 1, 'a file named on the command line is checked');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

