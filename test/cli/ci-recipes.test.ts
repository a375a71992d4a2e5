/**
 * The README's "In CI" recipes, run as written: the GitHub workflow (its image-pin step through the
 * committed Action with the runner's environment, and its upload step's reference to the SARIF
 * output), the .pre-commit-config.yaml (pre-commit installs this repository as a Node hook and
 * guards real commits), and the shell lines (in bash, with the tarball `npm pack` makes).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { runAction } from '../helpers/actionRunner';
import { run } from '../helpers/cliRun';
import { offlineNpmEnv, packCheckout } from '../helpers/npmPackage';
import { EXAMPLES, REPO_ROOT } from '../helpers/paths';

/** The first fenced block of `lang` under the `### <heading…>` of the README's "## In CI" section. */
function recipe(heading: string, lang: string): string {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const ci = readme.slice(readme.indexOf('\n## In CI\n'));
  const section = ci.slice(0, ci.indexOf('\n## ', 1));
  const at = section.indexOf(`\n### ${heading}`);
  assert.ok(at >= 0, `README "In CI" has no "### ${heading}"`);
  const block = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section.slice(at));
  assert.ok(block, `README "In CI" / ${heading} has no \`\`\`${lang} block`);
  return block[1];
}

const FLOATING = 'spec:\n  containers:\n    - image: nginx:latest\n';
const PINNED = `spec:\n  containers:\n    - image: nginx:1.27@sha256:${'a'.repeat(64)}\n`;

describe('README "In CI" recipes', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-recipes-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('GitHub Action: the image-pin step fails on findings and the upload step finds its SARIF', async () => {
    type Step = { id?: string; uses?: string; if?: string; with?: Record<string, string> };
    const workflow = parse(recipe('GitHub Action', 'yaml')) as { permissions?: unknown; jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }> };
    const [job] = Object.values(workflow.jobs);
    assert.equal(job.permissions['security-events'], 'write', 'uploading SARIF needs security-events: write');
    const check = job.steps.find((s) => /\/image-pin@v/.test(s.uses ?? ''));
    const upload = job.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    assert.ok(check?.id && upload, 'the workflow has an image-pin step with an id and an upload-sarif step');
    assert.equal(upload.if, 'always()', 'the SARIF is uploaded also when the check fails the job');

    // The repository the workflow checks out: a GitOps tree with base/, overlays/ and charts/.
    const workspace = path.join(tmp, 'repository');
    fs.cpSync(EXAMPLES, workspace, { recursive: true });
    const r = await runAction(workspace, path.join(tmp, 'runner-temp'), check.with ?? {});
    assert.equal(r.code, 1, 'the example tree has errors: the step fails');

    const ref = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(upload.with?.sarif_file ?? '');
    assert.ok(ref, `sarif_file is a step output: ${upload.with?.sarif_file}`);
    assert.equal(ref[1], check.id);
    const sarif = JSON.parse(fs.readFileSync(r.outputs[ref[2]], 'utf8')) as { version: string; runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> };
    assert.equal(sarif.version, '2.1.0');
    const uris = new Set(sarif.runs[0].results.map((x) => x.locations[0].physicalLocation.artifactLocation.uri.split('/')[0]));
    assert.deepEqual([...uris].sort(), ['base', 'charts', 'overlays'], 'the listed paths, relative to the repository root');
  });

  it('pre-commit: the hook from this repository blocks a commit with a floating tag and lets a pinned one through', async () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    // The recipe, pointed at this checkout instead of the hosted repository.
    const config = recipe('pre-commit', 'yaml')
      .replace(/repo: https:\/\/github\.com\/OWNER\/image-pin.*/, `repo: ${REPO_ROOT}`)
      .replace(/rev: v\S+/, `rev: ${head}`);
    assert.ok(config.includes(`repo: ${REPO_ROOT}`) && config.includes(`rev: ${head}`), config);

    const repo = path.join(tmp, 'team-repo');
    fs.mkdirSync(repo);
    const env = offlineNpmEnv({
      PRE_COMMIT_HOME: path.join(tmp, 'pre-commit-home'),
      XDG_CACHE_HOME: path.join(tmp, 'cache'),
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
    });
    const git = (...args: string[]) => run('git', args, { cwd: repo, env });
    assert.equal((await git('init', '-q')).code, 0);
    fs.writeFileSync(path.join(repo, '.pre-commit-config.yaml'), config);
    const install = await run('pre-commit', ['install'], { cwd: repo, env });
    assert.equal(install.code, 0, install.stdout + install.stderr);

    fs.mkdirSync(path.join(repo, 'deploy'));
    fs.writeFileSync(path.join(repo, 'deploy', 'pod.yaml'), FLOATING);
    fs.writeFileSync(path.join(repo, 'notes.txt'), 'not YAML: not passed to the hook\n');
    await git('add', '.');
    const blocked = await git('commit', '-m', 'floating');
    assert.notEqual(blocked.code, 0, 'the commit is blocked');
    const said = blocked.stdout + blocked.stderr;
    assert.match(said, /^image-pin\.+Failed$/m, said);
    assert.match(said, /^deploy\/pod\.yaml:3:14 error floating-tag floating tag "latest": pin it to a digest \(nginx:latest\)$/m);
    assert.match(said, /2 files checked/, 'the staged YAML files, passed by name (the config and the manifest)');
    assert.equal((await git('rev-list', '--all')).stdout, '', 'nothing was committed');

    fs.writeFileSync(path.join(repo, 'deploy', 'pod.yaml'), PINNED);
    await git('add', '.');
    const passed = await git('commit', '-m', 'pinned');
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    assert.match(passed.stdout + passed.stderr, /^image-pin\.+Passed$/m);
  });

  it('any shell: the global install works offline and the check exits 1 with a JSON report', async () => {
    const dir = path.join(tmp, 'shell');
    fs.mkdirSync(dir);
    await packCheckout(dir);
    fs.cpSync(path.join(EXAMPLES, 'base'), path.join(dir, 'deploy'), { recursive: true });
    const prefix = path.join(tmp, 'global');
    const env = offlineNpmEnv({ npm_config_prefix: prefix, npm_config_cache: path.join(tmp, 'npm-cache'), PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` });
    const r = await run('bash', ['-c', recipe('Any shell', 'sh')], { cwd: dir, env });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'image-pin.json'), 'utf8')) as { version: number; findings: Array<{ file: string }> };
    assert.equal(report.version, 1);
    assert.ok(report.findings.length > 0 && report.findings.every((f) => f.file.startsWith('deploy/')));
    assert.ok(fs.existsSync(path.join(prefix, 'bin', 'image-pin')), 'installed under the npm prefix');
  });
});
