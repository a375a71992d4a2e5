/**
 * Entry point VS Code loads as `extensionTestsPath`: runs the mocha suites in suite/*.suite.js
 * inside the extension host, with the real `vscode` API. The same module runs under
 * @vscode/test-electron (runElectron.ts) and in code-server.
 *
 * What the host must provide:
 * - one workspace folder (the suites write their files into it);
 * - IMAGE_PIN_TEST_REGISTRY: `host:port` of a registry on loopback holding the standard test images
 *   (test/helpers/registry seedStandard), or for an untrusted window any loopback host whose
 *   requests are counted by the runner;
 * - IMAGE_PIN_TEST_DIGESTS: JSON object of `name:tag` → digest as skopeo reports it (trusted runs).
 * The suites pick their checks by `vscode.workspace.isTrusted`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000 });
  // While working on one test: IMAGE_PIN_TEST_GREP=<part of its title>.
  if (process.env.IMAGE_PIN_TEST_GREP) mocha.grep(process.env.IMAGE_PIN_TEST_GREP);
  const dir = path.join(__dirname, 'suite');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.suite.js')).sort()) mocha.addFile(path.join(dir, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}
