/**
 * Diagnostics from the built language server over stdio: every fixture shape with the exact text
 * each range covers, the fields an editor shows (source, code, link, severity), the data code
 * actions rely on, and the newest-version-wins publishing under fast typing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { fixture } from '../helpers/paths';
import { SHAPE_FINDINGS as EXPECTED } from '../helpers/shapes';
import { TestClient } from './lspClient';

const shape = (name: string) => fixture('shapes', name);

/** [rule, 1-based line, covered text] of every diagnostic, in line order. */
function triples(client: TestClient, uri: string): Array<[string, number, string]> {
  const published = [...client.diagnostics.get(uri)!.diagnostics].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return published.map((d) => [String(d.code), d.range.start.line + 1, client.covered(uri, d.range)] as [string, number, string]);
}


const LANGUAGE: Record<string, string> = { 'docker-compose.yaml': 'dockercompose', 'chart/templates/deployment.yaml': 'helm' };

describe('diagnostics over LSP', () => {
  let client: TestClient;
  before(async () => {
    client = await TestClient.start({ folders: [fixture('shapes')] });
  });
  after(() => client?.stop());

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: one diagnostic per finding, each range exactly the reference text`, async () => {
      const { uri } = await client.open(shape(name), undefined, LANGUAGE[name] ?? 'yaml');
      await client.diagnosticsFor(uri, { version: 1 });
      assert.deepEqual(triples(client, uri), expected);
    });
  }

  it('malformed YAML: the syntax error is located and what parsed is still reported', async () => {
    const { uri } = await client.open(shape('broken.yaml'));
    await client.diagnosticsFor(uri, { version: 1 });
    assert.deepEqual(triples(client, uri).map(([rule, line]) => [rule, line]), [['unpinned-tag', 6], ['floating-tag', 13], ['yaml-syntax', 14]]);
    const syntax = client.diagnostics.get(uri)!.diagnostics.find((d) => d.code === 'yaml-syntax')!;
    assert.match(String(syntax.message), /^YAML syntax error: /);
  });

  it('fields: source, rule code, a link to the rule in the shipped docs, severity per rule, data for code actions', async () => {
    const { uri } = await client.open(shape('workloads.yaml'));
    const [missing, floating, unpinned] = await client.diagnosticsFor(uri, { version: 1 });
    assert.deepEqual(missing.range, { start: { line: 11, character: 17 }, end: { line: 11, character: 24 } });
    for (const d of [missing, floating, unpinned]) {
      assert.equal(d.source, 'image-pin');
      const href = d.codeDescription?.href ?? '';
      assert.ok(href.endsWith(`/docs/rules.md#${d.code}`), href);
      const doc = fs.readFileSync(fileURLToPath(href.replace(/#.*$/, '')), 'utf8');
      assert.match(doc, new RegExp(`^## ${d.code}$`, 'm'), 'the anchor names a section of the docs');
      assert.deepEqual(d.data, { uri, version: 1, site: (d.data as { site: number }).site });
      assert.equal(typeof (d.data as { site: unknown }).site, 'number');
    }
    assert.equal(missing.severity, DiagnosticSeverity.Error);
    assert.equal(floating.severity, DiagnosticSeverity.Error);
    assert.equal(unpinned.severity, DiagnosticSeverity.Warning);
    assert.equal(floating.message, 'floating tag "dev": pin it to a digest');
  });

  it('edits re-validate: the new version is published with ranges in the new text', async () => {
    const file = path.join(fixture('shapes'), 'virtual-edit.yaml');
    const { uri } = await client.open(file, 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n');
    const first = await client.diagnosticsFor(uri, { version: 1 });
    assert.deepEqual(first.map((d) => d.code), ['unpinned-tag']);
    const v2 = await client.change(uri, 'latest', { start: { line: 4, character: 19 }, end: { line: 4, character: 23 } });
    const second = await client.diagnosticsFor(uri, { version: v2 });
    assert.deepEqual(second.map((d) => [d.code, client.covered(uri, d.range)]), [['floating-tag', 'nginx:latest']]);
    const v3 = await client.change(uri, '\n# an inserted line\n', { start: { line: 1, character: 5 }, end: { line: 1, character: 5 } });
    const third = await client.diagnosticsFor(uri, { version: v3 });
    assert.equal(third[0].range.start.line, 6, 'the range follows the inserted lines');
    assert.equal(client.covered(uri, third[0].range), 'nginx:latest');
  });

  it('fast typing: published versions never go backwards and the last one matches the final text', async () => {
    const file = path.join(fixture('shapes'), 'virtual-typing.yaml');
    const { uri } = await client.open(file, 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: app:v0\n');
    await client.diagnosticsFor(uri, { version: 1 });
    let version = 1;
    for (let i = 1; i <= 30; i++) {
      const line = client.text(uri).split('\n')[4];
      version = await client.change(uri, `app:v${i}`, { start: { line: 4, character: 13 }, end: { line: 4, character: line.length } });
    }
    const final = await client.diagnosticsFor(uri, { version });
    assert.equal(client.covered(uri, final[0].range), 'app:v30');
    const versions = client.published.filter((p) => p.uri === uri).map((p) => p.version!);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), `published versions in order: ${versions.join(',')}`);
  });

  it('an untitled YAML document is checked too', async () => {
    await client.openUntitled('Untitled-1', 'services:\n  web:\n    image: nginx\n');
    const diagnostics = await client.diagnosticsFor('untitled:Untitled-1', { version: 1 });
    assert.deepEqual(diagnostics.map((d) => d.code), ['missing-tag']);
  });

  it('closing a document clears its diagnostics', async () => {
    const { uri } = await client.open(shape('action.yml'));
    await client.diagnosticsFor(uri, { version: 1, check: (d) => d.length === 1 });
    await client.close(uri);
    await client.waitFor('cleared diagnostics', () => client.diagnostics.get(uri)?.diagnostics.length === 0);
  });
});

describe('debounce', () => {
  it('with the default debounce, a burst of keystrokes is checked once, after it ends', async () => {
    const client = await TestClient.start({ folders: [fixture('shapes')], initializationOptions: { debounceMs: undefined } });
    try {
      const { uri } = await client.open(path.join(fixture('shapes'), 'virtual-burst.yaml'), 'image: nginx:1.0\n');
      await client.diagnosticsFor(uri, { version: 1 });
      // The server indexes the folder for environments when it starts; a burst typed while that work
      // holds the main thread can see the debounce expire before the rest of the burst is read.
      await client.waitFor('the folder indexed for environments', () => client.environmentChanges > 0);
      // Five changes written back to back (no pause between them that a loaded machine could stretch
      // past the debounce): the server must check only the last.
      const sent: Array<Promise<number>> = [];
      for (let i = 1; i <= 5; i++) sent.push(client.change(uri, `nginx:1.${i}`, { start: { line: 0, character: 7 }, end: { line: 0, character: 16 } }));
      const version = (await Promise.all(sent))[4];
      const final = await client.diagnosticsFor(uri, { version });
      assert.equal(client.covered(uri, final[0].range), 'nginx:1.5');
      const versions = client.published.filter((p) => p.uri === uri).map((p) => p.version);
      assert.deepEqual(versions, [1, version], 'only the open and the last keystroke were checked');
    } finally {
      await client.stop();
    }
  });
});

describe('large documents', () => {
  it('a multi-megabyte file (checked off the main thread): the most severe 1,000 findings on the right lines, a notice of the rest, fixes everywhere', async () => {
    const client = await TestClient.start({ folders: [fixture('shapes')] });
    try {
      const doc = (i: number) => `---\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  containers: [{name: c, image: "app${i}:dev"}]\n`;
      const text = Array.from({ length: 12_000 }, (_, i) => doc(i)).join('');
      assert.ok(text.length > 800 * 1024);
      const { uri } = await client.open(path.join(fixture('shapes'), 'virtual-large.yaml'), text);
      const diagnostics = await client.diagnosticsFor(uri, { version: 1, timeoutMs: 30_000 });
      const [notice, ...findings] = diagnostics;
      assert.deepEqual([notice.code, notice.severity], ['truncated', DiagnosticSeverity.Information]);
      assert.match(String(notice.message), /shows 1,000 of the 12,000 findings of this file, the most severe first; `image-pin check` lists them all/);
      // The client's status bar counts from this.
      assert.deepEqual(notice.data, { total: 12_000, shown: 1000 });
      assert.equal(findings.length, 1000);
      assert.equal(findings[999].range.start.line, 999 * 5 + 4);
      assert.equal(client.covered(uri, findings[999].range), 'app999:dev');
      // The first document's tag becomes a mere warning: the errors of the next 1,000 are shown instead.
      const line = 4;
      const v2 = await client.change(uri, 'app0:1.0', { start: { line, character: 33 }, end: { line, character: 41 } });
      const after = (await client.diagnosticsFor(uri, { version: v2, timeoutMs: 30_000 })).slice(1);
      assert.deepEqual([after.length, after[0].code, client.covered(uri, after[0].range)], [1000, 'floating-tag', 'app1:dev']);
      assert.ok(after.every((d) => d.severity === DiagnosticSeverity.Error));
      // Quick fixes and hovers work on references beyond the published ones too (asked of the worker).
      const unpublished = { start: { line, character: 33 }, end: { line, character: 41 } };
      const actions = await client.codeActions(uri, unpublished);
      assert.equal(actions.find((a) => a.isPreferred)?.title, 'Pin `app0:1.0` to its digest');
      const last = { start: { line: 11_999 * 5 + 4, character: 33 }, end: { line: 11_999 * 5 + 4, character: 45 } };
      assert.equal(client.covered(uri, last), 'app11999:dev');
      assert.equal((await client.codeActions(uri, last)).find((a) => a.isPreferred)?.title, 'Pin `app11999:dev` to its digest');
      const hover = await client.hover(uri, last.start);
      assert.match((hover?.contents as { value: string }).value, /Name: `docker\.io\/library\/app11999`/);
    } finally {
      await client.stop();
    }
  });
});
