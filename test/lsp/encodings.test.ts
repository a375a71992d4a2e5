/**
 * Files that are not plain UTF-8, scanned by the language server without being opened: UTF-16 is
 * checked rather than skipped as binary, and positions count characters after a byte order mark,
 * as the editor shows the file.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestClient, fileUri } from './lspClient';

describe('Scan Workspace: encodings', () => {
  let ws: string;
  let client: TestClient;
  const text = 'image: nginx:latest\nspec:\n  containers:\n    - name: a\n      image: redis:7\n';
  const expected = [
    ['floating-tag', { start: { line: 0, character: 7 }, end: { line: 0, character: 19 } }],
    ['unpinned-tag', { start: { line: 4, character: 13 }, end: { line: 4, character: 20 } }],
  ];

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-enc-'));
    fs.writeFileSync(path.join(ws, 'utf16.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    fs.writeFileSync(path.join(ws, 'bom.yaml'), `\uFEFF${text}`);
    fs.writeFileSync(path.join(ws, 'cr.yaml'), text.replace(/\n/g, '\r'));
    client = await TestClient.start({ folders: [ws], env: { XDG_CACHE_HOME: path.join(ws, '.cache') } });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('UTF-16, a UTF-8 byte order mark and lone CR line endings give the same diagnostics at the same positions', async () => {
    const summary = await client.execute<{ files: number; findings: number }>('imagePin.scanWorkspace', []);
    assert.equal(summary.files, 3);
    for (const name of ['utf16.yaml', 'bom.yaml', 'cr.yaml']) {
      const published = client.diagnostics.get(fileUri(path.join(ws, name)))?.diagnostics ?? [];
      const got = [...published].sort((a, b) => a.range.start.line - b.range.start.line).map((d) => [d.code, d.range]);
      assert.deepEqual(got, expected, name);
    }
  });
});
