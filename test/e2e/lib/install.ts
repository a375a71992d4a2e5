import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root: this file compiles to out/test/e2e/lib/install.js. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

/** Where screenshots and other evidence of a UI run go (git-ignored). */
export const artifactsDir = path.join(repoRoot, 'test-artifacts', 'e2e');

export interface E2eInstall {
  /** Node 24, which code-server 4.139 requires. */
  node: string;
  /** code-server's CLI entry point, run as `node entry.js ...`. */
  codeServerEntry: string;
  /** Debian's Chromium, driven by playwright-core. */
  chromium: string;
}

/**
 * Locates what scripts/install-e2e.sh installed under `<root>/.e2e`. Throws (so the calling test fails, never skips)
 * when the install is missing or incomplete.
 */
export function e2eInstall(root: string = repoRoot): E2eInstall {
  const e2eDir = path.join(root, '.e2e');
  const found: E2eInstall = {
    node: path.join(e2eDir, 'node24', 'home', 'bin', 'node'),
    codeServerEntry: path.join(e2eDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: '/usr/bin/chromium',
  };
  // installed.json is written last by the script, so its presence means every step succeeded.
  const required = [path.join(e2eDir, 'installed.json'), found.node, found.codeServerEntry, found.chromium];
  const missing = required.filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `The real-editor test harness is not installed (missing: ${missing.join(', ')}). ` +
        'Run `bash scripts/install-e2e.sh` from the repository root first.',
    );
  }
  return found;
}
