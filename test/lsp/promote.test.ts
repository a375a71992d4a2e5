/**
 * `imagePin/promote` over LSP against the built server: one WorkspaceEdit stamped with the open
 * document's version (null for a file that is not open), under a change annotation that needs
 * confirmation; applying it gives what `image-pin promote --write` writes; a second request moves nothing.
 * The environment list marks drift (what promotion from the stage before would change).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TextDocumentEdit, type WorkspaceEdit } from 'vscode-languageserver-protocol';
import { fixture } from '../helpers/paths';
import { TestClient, fileUri } from './lspClient';

interface PromoteResult {
  edit?: WorkspaceEdit;
  moved: Array<{ image: string; environment: string; from: string; to: string; uri: string; range: { start: { line: number } } }>;
  equal: number;
  skipped: string[];
  error?: string;
}

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('promotion in the language server', () => {
  let ws: string;
  let cache: string;
  let client: TestClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-promote-'));
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-promote-cache-'));
    fs.cpSync(fixture('promote', 'kustomize'), path.join(ws, 'k'), { recursive: true });
    fs.cpSync(fixture('promote', 'helm'), path.join(ws, 'h'), { recursive: true });
    client = await TestClient.start({ folders: [ws], env: { XDG_CACHE_HOME: cache } });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  /** Waits until the workspace is indexed. */
  async function indexed(): Promise<void> {
    for (;;) {
      const seen = client.environmentChanges;
      const r = await client.connection.sendRequest<{ complete: boolean; environments: unknown[] }>('imagePin/environments');
      if (r.complete && r.environments.length > 0) return;
      await client.waitFor('an environment change', () => client.environmentChanges > seen);
    }
  }

  it('the environment list marks drift: what promoting from the stage before would bring, per environment and image', async () => {
    await indexed();
    const r = await client.connection.sendRequest<{ environments: Array<{ stage: string; root: string; images: Array<{ image: string; drift?: { stage: string; reference: string } }> }> }>('imagePin/environments');
    const drift = r.environments.flatMap((e) => e.images.filter((i) => i.drift).map((i) => [e.stage, e.root, i.image, i.drift!.stage, i.drift!.reference]));
    assert.deepEqual(drift.filter((d) => d[1] === 'k/overlays/prod').sort(), [
      ['prod', 'k/overlays/prod', 'ghcr.io/acme/api', 'staging', `ghcr.io/acme/api:1.4.2@${A}`],
      ['prod', 'k/overlays/prod', 'ghcr.io/acme/worker', 'staging', `ghcr.io/acme/worker@${B}`],
    ]);
    assert.ok(!drift.some((d) => d[0] === 'staging'), `the first stage drifts from nothing: ${JSON.stringify(drift)}`);
  });

  it('returns one version-stamped WorkspaceEdit under an annotation that needs confirmation', async () => {
    await indexed();
    const prodFile = path.join(ws, 'k/overlays/prod/kustomization.yaml');
    const prod = await client.open(prodFile);
    // Edited in the editor and not saved: the plan is made on the open text, at its version.
    const version = await client.change(prod.uri, client.text(prod.uri).replace('# production', '# prod (unsaved)'));
    await client.diagnosticsFor(prod.uri, { version });

    const r = await client.connection.sendRequest<PromoteResult>('imagePin/promote', { from: 'staging', to: 'prod' });
    assert.equal(r.error, undefined);
    assert.ok(r.edit, 'an edit');
    const changes = (r.edit.documentChanges ?? []).filter(TextDocumentEdit.is);
    const byUri = new Map(changes.map((c) => [c.textDocument.uri, c]));
    assert.equal(byUri.get(prod.uri)?.textDocument.version, version, 'the open overlay is stamped with its version');
    const webValues = fileUri(path.join(ws, 'h/charts/web/values-prod.yaml'));
    assert.equal(byUri.get(webValues)?.textDocument.version, null, 'a file that is not open has no version');
    const annotation = r.edit.changeAnnotations?.['imagePin.promote'];
    assert.equal(annotation?.needsConfirmation, true);
    assert.match(annotation!.label, /Promote staging → prod/);
    for (const c of changes) for (const e of c.edits) assert.equal((e as { annotationId?: string }).annotationId, 'imagePin.promote');
    assert.deepEqual(
      r.moved.map((m) => [m.environment, m.image, m.to]).sort(),
      [
        ['h/charts/cache/values-prod.yaml', 'ghcr.io/acme/cache', `ghcr.io/acme/cache:7.4@sha256:${'e'.repeat(64)}`],
        ['h/charts/web/values-prod.yaml', 'ghcr.io/acme/web', `ghcr.io/acme/web:2.1.0@sha256:${'c'.repeat(64)}`],
        ['k/overlays/prod', 'ghcr.io/acme/api', `ghcr.io/acme/api:1.4.2@${A}`],
        ['k/overlays/prod', 'ghcr.io/acme/worker', `ghcr.io/acme/worker@${B}`],
      ],
    );
    assert.deepEqual(r.skipped, ['source is not pinned: ghcr.io/acme/proxy:1.9 in staging']);

    client.applyLocally(r.edit);
    const after = client.text(prod.uri);
    assert.match(after, /^# prod \(unsaved\)/);
    assert.match(after, new RegExp(`newTag: "1\\.4\\.2"   # last release\\r\\n    digest: '${A}'\\r\\n`));
    assert.match(after, new RegExp(`newTag: "2\\.0"\\r\\n    digest: ${B}\\r\\n`));
    assert.equal(fs.readFileSync(prodFile, 'utf8').includes(A), false, 'nothing is saved by the server');

    // Once the editor holds the promoted text, the overlay moves nothing more.
    await client.diagnosticsFor(prod.uri, { version: version + 1 });
    const again = await client.connection.sendRequest<PromoteResult>('imagePin/promote', { from: 'staging', to: 'prod', images: ['ghcr.io/acme/*'] });
    const stillProd = (again.edit?.documentChanges ?? []).filter(TextDocumentEdit.is).filter((c) => c.textDocument.uri === prod.uri);
    assert.deepEqual(stillProd, []);
  });

  it('promotion lenses: over an override the previous stage would change, what that stage runs', async () => {
    await indexed();
    const uri = fileUri(path.join(ws, 'h/charts/cache/values-prod.yaml'));
    const lenses = await client.connection.sendRequest<Array<{ range: { start: { line: number } }; image: string; from: string; to: string; runs: string }>>('imagePin/promotionLenses', { uri });
    assert.deepEqual(lenses, [{ range: { start: { line: 3, character: 10 }, end: { line: 3, character: 10 } }, image: 'ghcr.io/acme/cache', from: 'staging', to: 'prod', runs: `7.4@sha256:${'e'.repeat(64)}` }]);
    const staging = fileUri(path.join(ws, 'h/charts/cache/values-staging.yaml'));
    assert.deepEqual(await client.connection.sendRequest('imagePin/promotionLenses', { uri: staging }), [], 'the first stage has nothing to promote from');
  });

  it('an unknown stage is an error, with the stages there are', async () => {
    const r = await client.connection.sendRequest<PromoteResult>('imagePin/promote', { from: 'staging', to: 'nowhere' });
    assert.match(r.error ?? '', /unknown stage "nowhere" \(stages: staging, prod\)/);
    assert.equal(r.edit, undefined);
  });
});
