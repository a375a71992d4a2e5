/**
 * `npm run test:electron`: the extension-host suites (suite/*.suite.ts) in a real VS Code downloaded
 * by @vscode/test-electron, against a real docker-registry on loopback — once in a trusted window
 * and once in an untrusted one, for each VS Code version (IMAGE_PIN_VSCODE_VERSIONS, default the
 * minimum the manifest supports and the current stable release).
 *
 * The download needs internet access. Machines without it run the same suites in code-server
 * (test/e2e); this runner is not part of the node test tiers.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { REPO_ROOT } from '../helpers/paths';
import { seedStandard, skopeoDigest, startRecorder, startRegistry } from '../helpers/registry';

const TESTS = path.join(__dirname, 'index');
const DIGESTS_FOR = ['app:dev', 'app:latest', 'app:1.0', 'multi:1.0'];

const made: string[] = [];

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Runs VS Code with the suites and our own arguments (runTests always disables workspace trust). */
function runUntrusted(executable: string, workspace: string, env: NodeJS.ProcessEnv): Promise<void> {
  const profile = tempDir('image-pin-vscode-profile-');
  fs.mkdirSync(path.join(profile, 'User'), { recursive: true });
  // Open the folder in restricted mode without a modal question.
  fs.writeFileSync(path.join(profile, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' }));
  const args = [
    workspace,
    '--no-sandbox',
    '--disable-gpu-sandbox',
    '--disable-updates',
    '--skip-welcome',
    '--skip-release-notes',
    '--disable-extensions',
    `--user-data-dir=${profile}`,
    `--extensions-dir=${tempDir('image-pin-vscode-extensions-')}`,
    `--extensionDevelopmentPath=${REPO_ROOT}`,
    `--extensionTestsPath=${TESTS}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`VS Code (untrusted window) exited with ${code ?? signal}`))));
  });
}

async function main(): Promise<void> {
  const versions = (process.env.IMAGE_PIN_VSCODE_VERSIONS ?? '1.100.0,stable').split(',').map((v) => v.trim()).filter(Boolean);
  const registry = await startRegistry();
  const recorder = await startRecorder();
  try {
    await seedStandard(registry);
    const digests: Record<string, string> = {};
    for (const key of DIGESTS_FOR) digests[key] = await skopeoDigest(registry, key);
    const env = {
      IMAGE_PIN_TEST_DIGESTS: JSON.stringify(digests),
      // No credentials of the machine running the tests are read.
      DOCKER_CONFIG: tempDir('image-pin-vscode-docker-'),
    };
    for (const version of versions) {
      console.log(`--- VS Code ${version}: trusted window`);
      await runTests({
        version,
        extensionDevelopmentPath: REPO_ROOT,
        extensionTestsPath: TESTS,
        launchArgs: [tempDir('image-pin-vscode-ws-'), '--disable-extensions'],
        extensionTestsEnv: { ...env, IMAGE_PIN_TEST_REGISTRY: registry.host },
      });
      console.log(`--- VS Code ${version}: untrusted window`);
      const executable = await downloadAndUnzipVSCode(version);
      // The untrusted window names the recorder as its registry: any request it sent would be counted.
      await runUntrusted(executable, tempDir('image-pin-vscode-ws-'), { ...env, IMAGE_PIN_TEST_REGISTRY: recorder.host });
      if (recorder.requests.length > 0) {
        throw new Error(`the untrusted window sent ${recorder.requests.length} registry request(s): ${recorder.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
      }
    }
  } finally {
    await recorder.stop();
    await registry.stop();
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
