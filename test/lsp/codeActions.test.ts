/**
 * The quick fixes that need no registry: a suppression comment and the pull policy an allowance
 * requires, both with a versioned edit in the list itself; and which actions a request gets for
 * its `only` kinds (the fix-all source action for codeActionsOnSave).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TextDocumentEdit } from 'vscode-languageserver-protocol';
import { TestClient, rangeOf } from './lspClient';

describe('code actions without a lookup', () => {
  let ws: string;
  let client: TestClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-actions-'));
    fs.mkdirSync(path.join(ws, 'dev'));
    fs.writeFileSync(path.join(ws, 'dev', '.image-pin.yaml'), 'allowances:\n  - images: ["ghcr.io/acme/*"]\n    until: 2999-12-31\n    reason: rapid iteration\n');
    client = await TestClient.start({ folders: [ws] });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('"Ignore this image" inserts the suppression comment above the reference; the finding goes away', async () => {
    const text = 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:latest\n';
    const { uri } = await client.open(path.join(ws, 'ignore.yaml'), text);
    const [finding] = await client.diagnosticsFor(uri, { version: 1 });
    const ignore = (await client.codeActions(uri, finding.range)).find((a) => a.title.startsWith('Ignore this image'))!;
    assert.equal(ignore.title, 'Ignore this image (`# image-pin: ignore floating-tag`)');
    assert.equal(ignore.kind, 'quickfix');
    assert.equal((ignore.edit!.documentChanges![0] as TextDocumentEdit).textDocument.version, 1);
    client.applyLocally(ignore.edit!);
    assert.equal(client.text(uri), 'kind: Pod\nspec:\n  containers:\n    - name: a\n      # image-pin: ignore floating-tag\n      image: nginx:latest\n');
    await client.diagnosticsFor(uri, { version: 2, check: (d) => d.length === 0 });
  });

  it('an allowed floating tag without pull policy Always: "Add `imagePullPolicy: Always`" fixes it', async () => {
    const text = 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: ghcr.io/acme/api:dev\n      ports: [{containerPort: 80}]\n';
    const { uri } = await client.open(path.join(ws, 'dev', 'deploy.yaml'), text);
    const [finding] = await client.diagnosticsFor(uri, { version: 1 });
    assert.equal(finding.code, 'pull-policy');
    const actions = await client.codeActions(uri, finding.range);
    assert.deepEqual(actions.map((a) => a.title), ['Add `imagePullPolicy: Always`', 'Ignore this image (`# image-pin: ignore pull-policy`)']);
    client.applyLocally(actions[0].edit!);
    assert.equal(client.text(uri), text.replace('      ports:', '      imagePullPolicy: Always\n      ports:'));
    await client.diagnosticsFor(uri, { version: 2, check: (d) => d.length === 0 });
  });

  it('the action list follows the request: only the findings at the range, and `only` kinds', async () => {
    const text = 'services:\n  a:\n    image: nginx:latest\n  b:\n    image: redis:7.2\n  c:\n    image: "Bad:Ref"\n';
    const { uri } = await client.open(path.join(ws, 'compose.yaml'), text, 'dockercompose');
    await client.diagnosticsFor(uri, { version: 1 });
    const atRedis = await client.codeActions(uri, rangeOf(text, 'redis'));
    assert.deepEqual(atRedis.map((a) => a.title), [
      'Pin `redis:7.2` to its digest',
      'Pin `redis:7.2` as digest only',
      'Ignore this image (`# image-pin: ignore unpinned-tag`)',
      'Pin all images in this file',
    ]);
    const atInvalid = await client.codeActions(uri, rangeOf(text, 'Bad:Ref'));
    assert.deepEqual(atInvalid.map((a) => a.title), ['Ignore this image (`# image-pin: ignore invalid-reference`)'], 'an invalid reference cannot be pinned');
    const elsewhere = await client.codeActions(uri, rangeOf(text, 'services'));
    assert.deepEqual(elsewhere, []);

    const fixAll = await client.codeActions(uri, rangeOf(text, 'services'), ['source.fixAll']);
    assert.deepEqual(fixAll.map((a) => [a.title, a.kind]), [['Pin all images in this file', 'source.fixAll.imagePin']]);
    assert.equal(fixAll[0].edit, undefined, 'resolved on demand like every pin');
    assert.deepEqual(await client.codeActions(uri, rangeOf(text, 'redis'), ['refactor']), []);
  });

  it('with pinStyle digest the preferred fix writes the digest only and the alternative keeps the tag', async () => {
    fs.mkdirSync(path.join(ws, 'digest'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'digest', '.image-pin.yaml'), 'pinStyle: digest\n');
    const text = 'image: nginx:1.27\n';
    const { uri } = await client.open(path.join(ws, 'digest', 'x.yaml'), text);
    await client.diagnosticsFor(uri, { version: 1 });
    const actions = await client.codeActions(uri, rangeOf(text, 'nginx'));
    assert.deepEqual(
      actions.filter((a) => a.title.startsWith('Pin `')).map((a) => [a.title, a.isPreferred ?? false, (a.data as { style: string }).style]),
      [
        ['Pin `nginx:1.27` to its digest', true, 'digest'],
        ['Pin `nginx:1.27` as tag and digest', false, 'tag-digest'],
      ],
    );
  });
});
