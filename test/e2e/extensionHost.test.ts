// The extension-host suites of test/vscode (mocha, the real `vscode` API) run inside a real VS Code:
// code-server's extension host, loading this checkout as the extension under development (its
// package.json `main`, the esbuild bundle in dist/). The same suites run under @vscode/test-electron
// with `npm run test:electron` where VS Code can be downloaded; this is how CI runs them offline.
// Needs `bash scripts/install-e2e.sh` and `npm run build` (which bundles dist/).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { seedStandard, skopeoDigest, startRecorder, startRegistry, type Recorder, type RunningRegistry } from '../helpers/registry';
import { runExtensionTests, type ExtensionTestsResult } from './lib/extensionHost';
import { repoRoot } from './lib/install';

const TESTS_MODULE = path.join(repoRoot, 'out', 'test', 'vscode', 'index.js');
/** The tags whose digests the trusted suite compares its pins with (test/vscode/index.ts documents the variable). */
const DIGESTS_FOR = ['app:dev', 'app:latest', 'app:1.0', 'multi:1.0'];
const RUN_TIMEOUT_MS = 240_000;

const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A workspace like a small GitOps repository; the suites add their own files next to it. */
function fixtureWorkspace(registryHost: string): string {
  const workspace = tempDir('image-pin-exthost-ws-');
  fs.mkdirSync(path.join(workspace, 'base'));
  fs.writeFileSync(
    path.join(workspace, 'base', 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\nimages:\n  - name: ${registryHost}/app\n    newTag: "1.0"\n`,
  );
  return workspace;
}

/** Mocha's summary from the run's log: `N passing`, `N failing`, `N pending` (absent counts are 0). */
function mochaCounts(result: ExtensionTestsResult): { passing: number; failing: number; pending: number } {
  const count = (word: string) => {
    const line = result.log.map((l) => new RegExp(`\\b(\\d+) ${word}\\b`).exec(l)).find(Boolean);
    return line ? Number(line[1]) : 0;
  };
  return { passing: count('passing'), failing: count('failing'), pending: count('pending') };
}

/** Lines the suites' wait helpers log (e.g. a code action that came only with a later answer), shown with the test's output. */
function waitNotes(result: ExtensionTestsResult): string[] {
  return result.log.filter((line) => line.includes('codeActionsWhere:'));
}

function describeRun(result: ExtensionTestsResult): string {
  return `exit code ${result.exitCode}; extension-host log:\n${result.log.join('\n')}`;
}

describe('test/vscode suites in the code-server extension host', () => {
  let registry: RunningRegistry;
  let recorder: Recorder;
  let digests: Record<string, string>;
  // No credentials of the machine running the tests are read.
  let dockerConfig: string;

  before(async () => {
    registry = await startRegistry();
    recorder = await startRecorder();
    await seedStandard(registry);
    digests = {};
    for (const key of DIGESTS_FOR) digests[key] = await skopeoDigest(registry, key);
    dockerConfig = tempDir('image-pin-exthost-docker-');
    assert.ok(fs.existsSync(TESTS_MODULE), `${TESTS_MODULE} is missing: run npm run build`);
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'extension.js')), 'dist/extension.js is missing: run npm run build');
  });

  after(async () => {
    await recorder?.stop();
    await registry?.stop();
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('trusted workspace: every test of the trusted suite passes against a real registry', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    const started = Date.now();
    const result = await runExtensionTests({
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: TESTS_MODULE,
      workspace: fixtureWorkspace(registry.host),
      env: { IMAGE_PIN_TEST_REGISTRY: registry.host, IMAGE_PIN_TEST_DIGESTS: JSON.stringify(digests), DOCKER_CONFIG: dockerConfig },
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const counts = mochaCounts(result);
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.ok(result.log.some((l) => l.includes('(trusted workspace)')), `the trusted suite did not run. ${describeRun(result)}`);
    assert.ok(!result.log.some((l) => l.includes('(untrusted workspace)')), `the untrusted suite ran in a trusted window. ${describeRun(result)}`);
    assert.ok(counts.passing > 0, `no passing test in the log. ${describeRun(result)}`);
    assert.deepEqual([counts.failing, counts.pending], [0, 0], describeRun(result));
    console.log(`extension host (trusted): ${counts.passing} passing in ${Date.now() - started} ms`);
    for (const note of waitNotes(result)) console.log(`extension host (trusted): ${note}`);
  });

  test('untrusted workspace: findings still show and no request reaches the registry host', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    const started = Date.now();
    const before = recorder.requests.length;
    const result = await runExtensionTests({
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: TESTS_MODULE,
      // The window names the recorder as its registry: any request the extension sent would be counted.
      workspace: fixtureWorkspace(recorder.host),
      env: { IMAGE_PIN_TEST_REGISTRY: recorder.host, IMAGE_PIN_TEST_DIGESTS: JSON.stringify(digests), DOCKER_CONFIG: dockerConfig },
      trust: true,
      // Restricted mode without the modal question a person would answer.
      userSettings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' },
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const counts = mochaCounts(result);
    assert.equal(result.exitCode, 0, describeRun(result));
    assert.ok(result.log.some((l) => l.includes('(untrusted workspace)')), `the untrusted suite did not run. ${describeRun(result)}`);
    assert.ok(!result.log.some((l) => l.includes('(trusted workspace)')), `the trusted suite ran in an untrusted window. ${describeRun(result)}`);
    assert.ok(counts.passing > 0, `no passing test in the log. ${describeRun(result)}`);
    assert.deepEqual([counts.failing, counts.pending], [0, 0], describeRun(result));
    const sent = recorder.requests.slice(before);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.path}`), [], 'registry requests from the untrusted window');
    console.log(`extension host (untrusted): ${counts.passing} passing in ${Date.now() - started} ms`);
    for (const note of waitNotes(result)) console.log(`extension host (untrusted): ${note}`);
  });
});
