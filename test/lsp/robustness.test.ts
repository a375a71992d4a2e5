/**
 * Hostile documents: the server keeps answering. After each one a hover on a small document must
 * come back within a bound, and the process must still be running. A multi-megabyte document must
 * not hold up requests about other documents while it is checked.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { TestClient } from './lspClient';

const ANSWER_WITHIN_MS = 2000;

describe('the server survives hostile documents', () => {
  let ws: string;
  let client: TestClient;
  let probeUri: string;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-robust-'));
    client = await TestClient.start({ folders: [ws] });
    ({ uri: probeUri } = await client.open(path.join(ws, 'probe.yaml'), 'image: nginx:1.27\n'));
    await client.diagnosticsFor(probeUri, { version: 1 });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  /** A hover on the small document: answered, correctly, within the bound. */
  async function probe(): Promise<number> {
    const started = Date.now();
    const hover = await client.hover(probeUri, { line: 0, character: 9 });
    const ms = Date.now() - started;
    assert.match((hover?.contents as { value: string }).value, /docker\.io\/library\/nginx/);
    assert.ok(ms < ANSWER_WITHIN_MS, `hover answered after ${ms} ms`);
    assert.equal(client.process.exitCode, null, 'the server is still running');
    return ms;
  }

  async function openHostile(name: string, text: string) {
    const { uri } = await client.open(path.join(ws, name), text);
    const diagnostics = await client.diagnosticsFor(uri, { version: 1, timeoutMs: 60_000 });
    await probe();
    return diagnostics;
  }

  it('malformed YAML', async () => {
    const diagnostics = await openHostile('malformed.yaml', 'a: [unclosed\n  - : : :\n\t\tb: {\nimage: "nginx:latest\n---\n? ? ?\n');
    assert.ok(diagnostics.some((d) => d.code === 'yaml-syntax'));
  });

  it('binary content', async () => {
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    const diagnostics = await openHostile('binary.yaml', bytes.toString('latin1'));
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity, d.message]), [['skipped', DiagnosticSeverity.Information, 'Image Pin skipped: binary file.']]);
  });

  it('a 20 MB document is skipped with one information diagnostic', async () => {
    const pod = 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:latest\n---\n';
    const text = pod.repeat(Math.ceil((20 * 1024 * 1024) / pod.length));
    const diagnostics = await openHostile('huge.yaml', text);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['skipped', DiagnosticSeverity.Information]]);
    assert.match(String(diagnostics[0].message), /skipped: 20\.0 MiB is over the 10\.0 MiB limit \(maxFileSize\)/);
  });

  it('an alias bomb', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 16; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    lines.push('spec: {containers: [{name: c, image: &img "nginx:latest"}], initContainers: [{name: i, image: *img}]}');
    const diagnostics = await openHostile('bomb.yaml', lines.join('\n'));
    assert.deepEqual(diagnostics.map((d) => d.code), ['floating-tag']);
  });

  it('absurd nesting', async () => {
    const diagnostics = await openHostile('nested.yaml', `image: nginx:latest\nx: ${'['.repeat(100_000)}\n`);
    assert.ok(diagnostics.length >= 1);
  });

  it('a 5 MB manifest being checked does not hold up a hover elsewhere', async () => {
    const container = (i: number) => `      - name: c${i}\n        image: registry.example.com/team/app-${i}:v1.${i % 9}\n        env: [{name: A, value: "${i}"}]\n`;
    let text = 'apiVersion: v1\nkind: Pod\nspec:\n  template:\n    containers:\n';
    for (let i = 0; text.length < 5 * 1024 * 1024; i++) text += container(i);
    const { uri } = await client.open(path.join(ws, 'big.yaml'), text);
    const started = Date.now();
    const hoverMs = await probe();
    const published = client.diagnostics.get(uri)?.version === 1;
    const diagnostics = await client.diagnosticsFor(uri, { version: 1, timeoutMs: 60_000 });
    const checkedMs = Date.now() - started;
    assert.ok(diagnostics.length > 40_000);
    assert.ok(!published, `the hover (${hoverMs} ms) came back before the big document was checked (${checkedMs} ms)`);
    assert.ok(hoverMs < 250, `hover took ${hoverMs} ms while a 5 MB document was checked`);
  });
});
