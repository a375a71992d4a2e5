/**
 * The GitHub Action: action.yml's contract, the committed bundle against a fresh build, and the
 * committed entry script run with the environment the runner gives it (inputs, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE): exit codes per `fail-on`, annotations, report files, outputs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkArgs, readInputs } from '../../server/src/action/action';
import { ACTION_MANIFEST, runAction } from '../helpers/actionRunner';
import { run } from '../helpers/cliRun';
import { EXAMPLES, REPO_ROOT } from '../helpers/paths';
import { closedPort } from '../helpers/ports';

const FLOATING = 'spec:\n  containers:\n    - image: nginx:latest\n';
const UNPINNED = 'spec:\n  containers:\n    - image: nginx:1.27\n';
const PINNED = `spec:\n  containers:\n    - image: nginx:1.27@sha256:${'a'.repeat(64)}\n`;

describe('action.yml', () => {
  it('runs the committed bundle on node20 with the documented inputs and outputs', () => {
    assert.deepEqual(ACTION_MANIFEST.runs, { using: 'node20', main: 'action/index.js' });
    assert.deepEqual(Object.keys(ACTION_MANIFEST.inputs), ['paths', 'format', 'config', 'online', 'fail-on']);
    assert.equal(ACTION_MANIFEST.inputs.format.default, 'sarif');
    assert.equal(ACTION_MANIFEST.inputs['fail-on'].default, 'error');
    assert.equal(ACTION_MANIFEST.inputs.online.default, 'false');
    assert.deepEqual(Object.keys(ACTION_MANIFEST.outputs), ['sarif-file', 'json-file', 'errors', 'warnings']);
  });

  it('the committed action/ bundle equals a fresh build (else: npm run build:action, and commit action/)', async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-action-build-'));
    try {
      const r = await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'bundle.js'), '--action', '--outdir', fresh]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(fs.readdirSync(fresh).sort(), ['index.js', 'worker.js']);
      for (const name of fs.readdirSync(fresh)) {
        const same = fs.readFileSync(path.join(fresh, name)).equals(fs.readFileSync(path.join(REPO_ROOT, 'action', name)));
        assert.ok(same, `action/${name} is stale: run \`npm run build:action\` and commit action/`);
      }
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('the action inputs', () => {
  const env = (inputs: Record<string, string>) => Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));

  it('reads one path per line and passes them after --, with --online only when asked', () => {
    const inputs = readInputs(env({ paths: 'deploy/\n  charts/my chart\n\n', format: 'sarif', 'fail-on': 'error', online: 'true', config: 'ci/.image-pin.yaml' }));
    assert.deepEqual(checkArgs(inputs), ['check', '--format', 'sarif', '--config', 'ci/.image-pin.yaml', '--online', '--', 'deploy/', 'charts/my chart']);
    assert.deepEqual(checkArgs(readInputs(env({ online: 'False' }))), ['check', '--format', 'sarif', '--', '.']);
  });

  it('text is read as JSON, to annotate each finding at its position', () => {
    assert.deepEqual(checkArgs(readInputs(env({ format: 'text', paths: '--help' }))), ['check', '--format', 'json', '--', '--help']);
  });
});

describe('the action, run as the runner runs it', () => {
  let tmp: string;
  let workspace: string;
  let n = 0;
  const job = () => path.join(tmp, `job-${++n}`);
  /** A checked-out repository holding `files`. */
  const repo = (files: Record<string, string>): string => {
    const dir = path.join(tmp, `repo-${++n}`);
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
  };

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-action-'));
    workspace = path.join(tmp, 'workspace');
    fs.cpSync(EXAMPLES, path.join(workspace, 'examples'), { recursive: true });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('by default writes SARIF, names it in sarif-file, and fails on errors', async () => {
    const temp = job();
    const r = await runAction(workspace, temp, { paths: 'examples' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.outputs['sarif-file'], path.join(temp, 'image-pin.sarif'));
    assert.equal(r.outputs.errors, '6');
    assert.equal(r.outputs.warnings, '6');
    const sarif = JSON.parse(fs.readFileSync(r.outputs['sarif-file'], 'utf8')) as {
      runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }>;
    };
    const results = sarif.runs[0].results;
    assert.equal(results.length, 12);
    // Relative to the workspace (the repository root), which is what code scanning needs.
    assert.ok(results.some((x) => x.ruleId === 'unpinned-tag' && x.locations[0].physicalLocation.artifactLocation.uri === 'examples/charts/web/values-prod.yaml' && x.locations[0].physicalLocation.region.startLine === 2));
    assert.doesNotMatch(r.stdout, /^::(error|warning) /m, 'code scanning shows SARIF findings; no annotations besides');
    assert.match(r.summary, /^### Image Pin$/m);
    assert.match(r.summary, /6 errors, 6 warnings/);
    assert.match(r.summary, /^\| `floating-tag` \| 4 \|$/m);
  });

  it('format text annotates every finding at its file, line and column', async () => {
    const r = await runAction(workspace, job(), { paths: 'examples', format: 'text' });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.stdout.includes(
        '::warning file=examples/charts/web/values-prod.yaml,line=2,endLine=2,col=8,endColumn=13,title=image-pin unpinned-tag::' +
          'tag "2.8.1" without a digest can be pushed again: pin it to a digest; in prod (examples/charts/web/values-prod.yaml)\n',
      ),
      r.stdout,
    );
    assert.equal(r.stdout.match(/^::error file=/gm)?.length, 6);
    assert.equal(r.stdout.match(/^::warning file=/gm)?.length, 6);
    assert.equal(r.outputs['sarif-file'], undefined);
    assert.deepEqual([r.outputs.errors, r.outputs.warnings], ['6', '6']);
  });

  it('format json writes the JSON report and names it in json-file', async () => {
    const r = await runAction(workspace, job(), { paths: 'examples', format: 'json', 'fail-on': 'never' });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(r.outputs['json-file'], 'utf8')) as { version: number; summary: { errors: number } };
    assert.equal(report.version, 1);
    assert.equal(report.summary.errors, 6);
  });

  it('fail-on: error passes warnings, warning fails on them, never passes everything', async () => {
    const warnings = repo({ 'deploy/pod.yaml': UNPINNED });
    const errors = repo({ 'deploy/pod.yaml': FLOATING });
    const codes = async (dir: string) => {
      const out: Record<string, number> = {};
      for (const failOn of ['error', 'warning', 'never']) out[failOn] = (await runAction(dir, job(), { 'fail-on': failOn, format: 'text' })).code;
      return out;
    };
    assert.deepEqual(await codes(warnings), { error: 0, warning: 1, never: 0 });
    assert.deepEqual(await codes(errors), { error: 1, warning: 1, never: 0 });
    assert.deepEqual(await codes(repo({ 'deploy/pod.yaml': PINNED })), { error: 0, warning: 0, never: 0 });
  });

  it('checks only the listed paths, one per line, relative to the workspace', async () => {
    const dir = repo({ 'a b/pod.yaml': FLOATING, 'deploy/pod.yaml': UNPINNED, 'vendor/pod.yaml': FLOATING });
    const r = await runAction(dir, job(), { paths: 'a b\ndeploy/pod.yaml\n', format: 'text' });
    assert.deepEqual(r.stdout.match(/^::\w+ file=[^,]+/gm), ['::error file=a b/pod.yaml', '::warning file=deploy/pod.yaml']);
  });

  it('shows a file it could not check as a notice in every format, which does not fail the step', async () => {
    const dir = repo({ 'pod.yaml': PINNED });
    fs.mkdirSync(path.join(dir, 'odd dir'));
    fs.writeFileSync(path.join(dir, 'odd dir', 'blob.yaml'), Buffer.from([0, 1, 2, 0xff, 0]));
    for (const format of ['text', 'json', 'sarif']) {
      const r = await runAction(dir, job(), { format, 'fail-on': 'warning' });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^::notice file=odd dir\/blob\.yaml,title=image-pin%3A not checked::odd dir\/blob\.yaml: skipped: binary file$/m, format);
    }
  });

  it('escapes commas and colons in annotated file names', async () => {
    const r = await runAction(repo({ 'x,y:z.yaml': FLOATING }), job(), { format: 'text' });
    assert.match(r.stdout, /^::error file=x%2Cy%3Az\.yaml,line=3,/m);
  });

  it('online: true passes --online, so a pin its registry cannot confirm is a registry-error', async () => {
    const dir = repo({ 'pod.yaml': `spec:\n  containers:\n    - image: 127.0.0.1:${await closedPort()}/app:1.0@sha256:${'a'.repeat(64)}\n` });
    const offline = await runAction(dir, job(), { format: 'text', 'fail-on': 'warning' });
    assert.equal(offline.code, 0, 'without online no registry is asked, and the pin is clean');
    const online = await runAction(dir, job(), { format: 'text', 'fail-on': 'warning', online: 'true' });
    assert.equal(online.code, 1, online.stdout + online.stderr);
    assert.match(online.stdout, /^::warning file=pod\.yaml,line=3,.*title=image-pin registry-error::.*could not be verified/m);
  });

  it('uses the config input', async () => {
    const dir = repo({ 'pod.yaml': FLOATING, 'ci/strict.yaml': 'severity: {floating-tag: warning}\n' });
    const r = await runAction(dir, job(), { format: 'text', config: 'ci/strict.yaml' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^::warning file=pod\.yaml,.*title=image-pin floating-tag::/m);
  });

  it('an invalid config fails the step even with fail-on: never', async () => {
    const dir = repo({ 'pod.yaml': FLOATING, 'ci/bad.yaml': 'severity: {floating-tag: loud}\n' });
    const r = await runAction(dir, job(), { config: 'ci/bad.yaml', 'fail-on': 'never' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid config/);
    assert.match(r.stdout, /^::error::image-pin check failed \(exit 2\)/m);
    assert.deepEqual(r.outputs, {});
  });

  it('a path that cannot be read fails the step, and the report of the other paths is kept', async () => {
    const r = await runAction(repo({ 'pod.yaml': FLOATING }), job(), { paths: 'pod.yaml\nmissing', 'fail-on': 'never' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing: cannot read/);
    assert.match(r.stdout, /^::error::image-pin check failed \(exit 2\)/m);
    assert.equal(r.outputs.errors, '1');
    const sarif = JSON.parse(fs.readFileSync(r.outputs['sarif-file'], 'utf8')) as { runs: Array<{ results: unknown[] }> };
    assert.equal(sarif.runs[0].results.length, 1);
  });

  for (const [input, value] of [
    ['format', 'xml'],
    ['fail-on', 'sometimes'],
    ['online', 'yes please'],
  ] as const) {
    it(`rejects ${input}: ${value} with an error annotation and exit 2`, async () => {
      const r = await runAction(workspace, job(), { [input]: value });
      assert.equal(r.code, 2);
      assert.match(r.stdout, new RegExp(`^::error::image-pin: input "${input}" must be `, 'm'));
    });
  }
});
