/**
 * `npm run package` still makes the .vsix it made before package.json gained "files" for npm: vsce
 * runs in a staging copy, and .vscodeignore alone decides what the extension holds.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../helpers/cliRun';
import { REPO_ROOT } from '../helpers/paths';

describe('the .vsix', () => {
  let tmp: string;
  let vsix: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-vsix-test-'));
    vsix = path.join(tmp, 'image-pin.vsix');
    const r = await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.js'), '--out', vsix]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('holds the extension, its server and workers, and its documents, not the CLI', () => {
    const listed = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(listed, [
      '[Content_Types].xml',
      'extension.vsixmanifest',
      'extension/LICENSE.txt',
      'extension/changelog.md',
      'extension/dist/extension.js',
      'extension/dist/largeDocumentWorker.js',
      'extension/dist/server.js',
      'extension/dist/undici.js',
      'extension/dist/worker.js',
      'extension/docs/rules.md',
      'extension/images/icon.png',
      'extension/images/screenshot-hover.png',
      'extension/images/screenshot-preview.png',
      'extension/images/screenshot-quickfix.png',
      'extension/images/screenshot-rule.png',
      'extension/images/screenshot-scan.png',
      'extension/package.json',
      'extension/readme.md',
      'extension/schemas/image-pin.schema.json',
      'extension/walkthrough/ci.md',
      'extension/walkthrough/mirror.md',
      'extension/walkthrough/open.md',
      'extension/walkthrough/pin.md',
      'extension/walkthrough/policy.md',
      'extension/walkthrough/scan.md',
    ]);
  });

  it('its manifest is the repository manifest without the npm "files" list', () => {
    const packaged = JSON.parse(execFileSync('unzip', ['-p', vsix, 'extension/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    const { files, ...rest } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.ok(Array.isArray(files));
    assert.equal(packaged.files, undefined);
    assert.deepEqual(packaged.contributes, rest.contributes);
    assert.equal(packaged.main, './dist/extension.js');
  });
});
