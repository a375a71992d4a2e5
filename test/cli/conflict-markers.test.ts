/**
 * No file we ship or build from carries a merge-conflict marker. The rule help in VS Code renders
 * docs/rules.md as it is, so a marker left by a merge there is shown to users (one was, in the
 * pull-policy section); in source it would break the build only sometimes (inside a template string
 * or a comment it compiles).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/paths';

/** Generated, installed or fetched trees: not ours to check. */
const SKIPPED = new Set(['.git', 'node_modules', 'out', 'dist', '.e2e', '.vscode-test', 'action']);
const TEXT = /\.(ts|js|json|md|ya?ml|sh|txt)$/;

function textFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIPPED.has(e.name)) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return textFiles(p);
    return e.isFile() && TEXT.test(e.name) ? [p] : [];
  });
}

describe('conflict markers', () => {
  it('no source, document or fixture holds a line that starts a conflict marker', () => {
    const files = textFiles(REPO_ROOT);
    assert.ok(files.some((f) => f.endsWith(path.join('docs', 'rules.md'))), 'the walk reaches docs/');
    const found: string[] = [];
    for (const file of files) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^(<{7}|>{7}) /.test(line) || /^={7}$/.test(line)) found.push(`${path.relative(REPO_ROOT, file)}:${i + 1}: ${line}`);
      });
    }
    assert.deepEqual(found, []);
  });
});
