/**
 * Hostile documents: the server keeps answering. After each one a hover on a small document must
 * come back within a bound, and the process must still be running. A document of 200,000 YAML
 * documents must not hold up requests about other documents while it is checked or published.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
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

  it('a file of 200,000 YAML documents does not hold up hovers elsewhere while it is checked', async () => {
    const text = Array.from({ length: 200_000 }, (_, i) => `---\nimage: registry.example.com/app-${i}:dev\n`).join('');
    const { uri } = await client.open(path.join(ws, 'many.yaml'), text);
    const checked = () => client.diagnostics.get(uri)?.version === 1;
    // Hovers one after another until the big file is published: each must be answered promptly,
    // and the first before the big file's diagnostics (it does not wait for that check).
    const answered: Array<{ ms: number; afterPublish: boolean }> = [];
    const deadline = Date.now() + 120_000;
    while (!checked()) {
      if (Date.now() > deadline) assert.fail(`the big file was not checked within 120 s (${answered.length} hovers answered meanwhile)`);
      const started = Date.now();
      const hover = await client.hover(probeUri, { line: 0, character: 9 });
      assert.match((hover?.contents as { value: string }).value, /docker\.io\/library\/nginx/);
      answered.push({ ms: Date.now() - started, afterPublish: checked() });
    }
    assert.equal(answered[0]?.afterPublish, false, 'the first hover was answered before the big file was checked');
    const slowest = Math.max(...answered.map((a) => a.ms));
    assert.ok(slowest < ANSWER_WITHIN_MS, `${answered.length} hovers during the check; the slowest took ${slowest} ms`);
    // What the editor shows of it: the first 1,000 findings and how many there are.
    const diagnostics = client.diagnostics.get(uri)!.diagnostics;
    assert.equal(diagnostics.length, 1001);
    assert.match(String(diagnostics[0].message), /shows 1,000 of the 200,000 findings/);
    assert.equal(client.covered(uri, diagnostics[1000].range), 'registry.example.com/app-999:dev');
    // The last document, far beyond what is published, still answers a hover.
    const hover = await client.hover(uri, { line: 399_999, character: 10 });
    assert.match((hover?.contents as { value: string }).value, /app-199999/);
    await probe();
  });
});

describe('a repository that plants FIFOs where the environment model reads', () => {
  let ws: string;
  let client: TestClient | undefined;

  after(async () => {
    await client?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('a FIFO a kustomization names, as a resource or as the kustomization of a folder it names, does not hang the server', async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-fifo-'));
    fs.mkdirSync(path.join(ws, 'overlay', 'sub'), { recursive: true });
    const overlay = path.join(ws, 'overlay', 'kustomization.yaml');
    fs.writeFileSync(overlay, 'resources:\n  - sub\n  - pipe.yaml\nimages:\n  - name: nginx\n    newTag: "1.2"\n');
    // Not listed by the folder's index (a FIFO is no file to check): the model reads them from disk when the overlay names them.
    execFileSync('mkfifo', [path.join(ws, 'overlay', 'sub', 'kustomization.yaml')]);
    execFileSync('mkfifo', [path.join(ws, 'overlay', 'pipe.yaml')]);
    client = await TestClient.start({ folders: [ws] });
    const c = client;
    // The Environments view's answer once the folder is indexed: the model has read what the overlay names.
    // A server blocked in a read of a FIFO answers nothing more: the wait times out and the test fails.
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the server did not answer within 30 s: blocked on a FIFO?')), 30_000);
    });
    let environments: { complete: boolean; environments: Array<{ root: string; images: Array<{ reference: string }> }> };
    for (;;) {
      const seen = c.environmentChanges;
      environments = await Promise.race([c.connection.sendRequest<typeof environments>('imagePin/environments'), done]);
      if (environments.complete) break;
      await Promise.race([c.waitFor('an environment change', () => c.environmentChanges > seen, 30_000), done]);
    }
    clearTimeout(timer);
    assert.deepEqual(
      environments.environments.map((e) => [e.root, e.images.map((i) => i.reference)]),
      [['overlay', []]],
    );
    const { uri } = await c.open(overlay);
    const diagnostics = await c.diagnosticsFor(uri, { version: 1 });
    assert.deepEqual(
      diagnostics.map((d) => [d.range.start.line, d.message]),
      [[5, 'tag "1.2" without a digest can be pushed again: pin it to a digest']],
    );
    assert.equal(c.process.exitCode, null, 'the server is still running');
  });
});
