/**
 * docs/output.md promises CI scripts a shape: its field tables must name exactly the fields that
 * `image-pin check --format json` and `--format sarif` print (no undocumented field, no documented
 * field that is never printed), on output that has every kind of entry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, EXAMPLES, REPO_ROOT } from '../helpers/paths';
import { closedPort } from '../helpers/ports';

const DOC = path.join(REPO_ROOT, 'docs', 'output.md');

/** Backquoted first cells of the table rows in the section under `## <heading…>`. */
function documentedFields(heading: string): Set<string> {
  const text = fs.readFileSync(DOC, 'utf8');
  const start = text.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, `docs/output.md has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return new Set([...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
}

/**
 * Every field path in a value: `a.b` for object keys, `a[]` for the elements of an array. A field
 * holding a plain object is implied by its own fields and not listed; maps keyed by data (rule ids)
 * are listed as `<rule>`.
 */
function producedFields(value: unknown, maps: Set<string>, at = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    if (at) out.add(at);
    for (const item of value) if (item !== null && typeof item === 'object') producedFields(item, maps, `${at}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) producedFields(v, maps, maps.has(at) ? `${at}.<rule>` : at ? `${at}.${key}` : key, out);
  } else {
    out.add(at);
  }
  return out;
}

function check(args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'check', '--no-cache', '--today', '2026-11-26', ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

function assertSameFields(documented: Set<string>, produced: Set<string>, what: string): void {
  const undocumented = [...produced].filter((f) => !documented.has(f));
  const neverPrinted = [...documented].filter((f) => !produced.has(f));
  assert.deepEqual({ undocumented, neverPrinted }, { undocumented: [], neverPrinted: [] }, `${what} and docs/output.md disagree`);
}

describe('docs/output.md', () => {
  let tree: string;
  before(async () => {
    // A finding, a skipped (binary) file and a path that cannot be read: every array has entries.
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-output-doc-'));
    fs.writeFileSync(path.join(tree, 'pod.yaml'), 'spec:\n  containers:\n    - image: nginx:latest\n');
    fs.writeFileSync(path.join(tree, 'blob.yaml'), Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00]));
    // A pin on a loopback port where nothing listens: `--online` reports it, and its summary, at once.
    const port = await closedPort();
    fs.writeFileSync(path.join(tree, 'pinned.yaml'), `image: 127.0.0.1:${port}/app:1.0@sha256:${'a'.repeat(64)}\n`);
    // An environment (a finding placed in its overlay) that names a missing resource (an environment problem).
    fs.mkdirSync(path.join(tree, 'base'));
    fs.writeFileSync(path.join(tree, 'base', 'kustomization.yaml'), 'resources: [pod.yaml]\n');
    fs.writeFileSync(path.join(tree, 'base', 'pod.yaml'), 'kind: Pod\nspec:\n  containers:\n    - name: c\n      image: ghcr.io/acme/api\n');
    fs.mkdirSync(path.join(tree, 'dev'));
    fs.writeFileSync(path.join(tree, 'dev', 'kustomization.yaml'), 'resources: [../base, ../gone]\nimages:\n  - name: ghcr.io/acme/api\n    newTag: dev\n');
  });
  after(() => fs.rmSync(tree, { recursive: true, force: true }));

  it('lists exactly the fields of check --format json, whose version is 1', async () => {
    const r = await check(['--format', 'json', '--online', '.', 'missing-folder'], tree);
    assert.equal(r.code, 2, 'an unreadable path exits 2');
    const report = JSON.parse(r.stdout) as { version: number; findings: unknown[]; skipped: unknown[]; errors: unknown[] };
    assert.equal(report.version, 1);
    assert.ok(report.findings.length && report.skipped.length && report.errors.length, 'the sample output has every kind of entry');
    assertSameFields(documentedFields('JSON'), producedFields(report, new Set(['summary.byRule'])), 'check --format json');
  });

  it('lists exactly the SARIF fields check --format sarif fills', async () => {
    const r = await check(['--format', 'sarif', path.relative(REPO_ROOT, EXAMPLES)], REPO_ROOT);
    assert.equal(r.code, 1);
    // The examples have findings and no notifications; the sample tree has every kind of notification.
    const sample = await check(['--format', 'sarif', '.', 'missing-folder'], tree);
    assert.equal(sample.code, 2);
    const fields = new Set([...producedFields(JSON.parse(r.stdout), new Set()), ...producedFields(JSON.parse(sample.stdout), new Set())]);
    assertSameFields(documentedFields('SARIF'), fields, 'check --format sarif');
  });
});
