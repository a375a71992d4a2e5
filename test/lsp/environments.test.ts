/**
 * Environments in the editor, over LSP against the built server: open documents are judged through
 * the environments of the workspace (indexed in the background), editing an overlay re-judges the
 * base, hover lists what each environment deploys, the Environments view's request, and files changed
 * on disk followed from the start (no Scan Workspace runs here).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixture } from '../helpers/paths';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { TestClient, fileUri, rangeOf } from './lspClient';

interface EnvironmentsResult {
  complete: boolean;
  environments: Array<{ stage: string; kind: string; root: string; incomplete: string[]; images: Array<{ reference: string; status: string; uri: string; range: { start: { line: number } } }> }>;
}

describe('environments in the language server', () => {
  let ws: string;
  let cache: string;
  let client: TestClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-envs-'));
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-envs-cache-'));
    fs.cpSync(fixture('envs', 'editor'), ws, { recursive: true });
    client = await TestClient.start({ folders: [ws], env: { XDG_CACHE_HOME: cache } });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  const file = (rel: string) => path.join(ws, rel);

  /** The Environments view's answer once the workspace is indexed. */
  async function environments(check: (r: EnvironmentsResult) => boolean = () => true): Promise<EnvironmentsResult> {
    for (;;) {
      const seen = client.environmentChanges;
      const r = await client.connection.sendRequest<EnvironmentsResult>('imagePin/environments');
      if (r.complete && check(r)) return r;
      await client.waitFor('an environment change', () => client.environmentChanges > seen);
    }
  }

  it('lists each environment by stage with its images, status and source', async () => {
    const r = await environments();
    assert.deepEqual(r.environments.map((e) => [e.stage, e.kind, e.root]), [
      ['dev', 'kustomize', 'overlays/dev'],
      ['prod', 'helm', 'charts/web/values-prod.yaml'],
      ['prod', 'kustomize', 'overlays/prod'],
    ]);
    const dev = r.environments[0].images[0];
    assert.equal(dev.reference, 'ghcr.io/acme/api:dev');
    assert.equal(dev.status, 'floating-tag');
    assert.equal(dev.uri, fileUri(file('overlays/dev/kustomization.yaml')));
    assert.equal(dev.range.start.line, 4);
    assert.equal(r.environments[2].images[0].status, 'pinned');
  });

  it('the base is not red for what every overlay overrides; the override is', async () => {
    await environments();
    const base = await client.open(file('base/deploy.yaml'));
    await client.diagnosticsFor(base.uri, { check: (d) => d.length === 0 });
    const dev = await client.open(file('overlays/dev/kustomization.yaml'));
    const diags = await client.diagnosticsFor(dev.uri, { check: (d) => d.some((x) => x.code === 'floating-tag') });
    assert.equal(client.covered(dev.uri, diags[0].range), 'dev');
    assert.equal(diags[0].message, 'floating tag "dev": pin it to a digest; in dev (overlays/dev)');
  });

  it("editing an overlay re-judges the base's diagnostics", async () => {
    const base = fileUri(file('base/deploy.yaml'));
    const dev = fileUri(file('overlays/dev/kustomization.yaml'));
    const text = client.text(dev);
    // Drop the dev override: dev now deploys the base as written, an untagged image.
    await client.change(dev, text.slice(0, text.indexOf('images:')));
    const diags = await client.diagnosticsFor(base, { check: (d) => d.some((x) => x.code === 'missing-tag') });
    assert.equal(client.covered(base, diags[0].range), 'ghcr.io/acme/api');
    assert.match(diags[0].message as string, /; deployed as written by dev \(overlays\/dev\)$/);
    // Put it back: the base is clean again.
    await client.change(dev, text);
    await client.diagnosticsFor(base, { check: (d) => d.length === 0 });
  });

  it('typing in an overlay: every version of it is judged through its environments, and the base follows', async () => {
    const base = fileUri(file('base/deploy.yaml'));
    const dev = fileUri(file('overlays/dev/kustomization.yaml'));
    const text = client.text(dev);
    // Each keystroke's own diagnostics come judged in dev, on the tag as it is now.
    for (const tag of ['d', 'de', 'dev-2']) {
      const version = await client.change(dev, text.replace('newTag: dev', `newTag: ${tag}`));
      const diags = await client.diagnosticsFor(dev, { version });
      const finding = diags.find((d) => client.covered(dev, d.range) === tag);
      assert.ok(finding, `a finding on "${tag}": ${JSON.stringify(diags)}`);
      assert.match(finding.message as string, /; in dev \(overlays\/dev\)$/);
    }
    // A burst that ends without the override: the overlay has nothing left, and the base is judged
    // again with the overlay's last text (dev deploys it as written).
    await client.change(dev, text.replace('newTag: dev', 'newTag: x'));
    const last = await client.change(dev, text.slice(0, text.indexOf('images:')));
    await client.diagnosticsFor(dev, { version: last, check: (d) => d.length === 0 });
    const diags = await client.diagnosticsFor(base, { check: (d) => d.some((x) => x.code === 'missing-tag') });
    assert.match(diags[0].message as string, /; deployed as written by dev \(overlays\/dev\)$/);
    await client.change(dev, text);
    await client.diagnosticsFor(base, { check: (d) => d.length === 0 });
  });

  it('hover on a base reference lists the effective reference in each environment', async () => {
    const base = fileUri(file('base/deploy.yaml'));
    const at = rangeOf(client.text(base), 'ghcr.io/acme/api').start;
    const h = await client.hover(base, at);
    const value = (h!.contents as { value: string }).value;
    assert.match(value, /\*\*Environments\*\* that deploy it:/);
    assert.match(value, /- dev `dev` \(kustomize\): `ghcr\.io\/acme\/api:dev` — not pinned/);
    assert.match(value, /- prod `prod` \(kustomize\): `ghcr\.io\/acme\/api@sha256:1{64}`/);
  });

  it("a values file's tag-only override is reported in it, with a quick fix that pins it there", async () => {
    const prod = await client.open(file('charts/web/values-prod.yaml'));
    const diags = await client.diagnosticsFor(prod.uri, { check: (d) => d.some((x) => x.code === 'unpinned-tag') });
    assert.equal(client.covered(prod.uri, diags[0].range), '2.0.1');
    const actions = await client.codeActions(prod.uri, diags[0].range);
    assert.ok(actions.some((a) => a.title === 'Pin `acme/web:2.0.1` to its digest'), actions.map((a) => a.title).join('\n'));
    const values = await client.open(file('charts/web/values.yaml'));
    await client.diagnosticsFor(values.uri, { check: (d) => d.length === 0 });
  });

  it('typing in an overlay with a value only `yaml` reads (an escaped string): still judged through its environment', async () => {
    // The check reads the overlay with the fast path, whose tree leaves that value to `yaml`: the
    // environment's facts are read from the text parsed again, and each version is judged in dev.
    await environments();
    const dev = fileUri(file('overlays/dev/kustomization.yaml'));
    // Open already when the suite runs whole (an earlier test opened it).
    const open = (() => {
      try {
        return client.text(dev);
      } catch {
        return undefined;
      }
    })();
    if (open === undefined) await client.open(file('overlays/dev/kustomization.yaml'));
    const text = client.text(dev);
    for (const tag of ['d', 'dev-2']) {
      const version = await client.change(dev, text.replace('  - ../../base', '  - "../../b\\x61se"').replace('newTag: dev', `newTag: ${tag}`));
      const diags = await client.diagnosticsFor(dev, { version, check: (d) => d.some((x) => client.covered(dev, x.range) === tag) });
      const finding = diags.find((d) => client.covered(dev, d.range) === tag);
      assert.match(finding!.message as string, /; in dev \(overlays\/dev\)$/);
    }
    await client.change(dev, text);
  });

  // Files changed on disk reach the model without a Scan Workspace (none runs in this suite).
  const images = (r: EnvironmentsResult, root: string) => r.environments.find((e) => e.root === root)?.images.map((i) => i.reference);

  it('a new base manifest on disk shows in every overlay, and a deleted one goes', async () => {
    await environments(() => true);
    const worker = path.join(ws, 'base', 'worker.yaml');
    const kustomization = path.join(ws, 'base', 'kustomization.yaml');
    fs.writeFileSync(
      worker,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          image: ghcr.io/acme/worker:1.0\n',
    );
    fs.writeFileSync(kustomization, 'resources:\n  - deploy.yaml\n  - worker.yaml\n');
    await client.filesChanged([
      { file: worker, type: 1 },
      { file: kustomization, type: 2 },
    ]);
    const r = await environments((r) => (images(r, 'overlays/dev') ?? []).length === 2);
    assert.deepEqual(images(r, 'overlays/dev'), ['ghcr.io/acme/api:dev', 'ghcr.io/acme/worker:1.0']);
    assert.deepEqual(images(r, 'overlays/prod'), [`ghcr.io/acme/api@sha256:${'1'.repeat(64)}`, 'ghcr.io/acme/worker:1.0']);

    fs.rmSync(worker);
    fs.writeFileSync(kustomization, 'resources:\n  - deploy.yaml\n');
    await client.filesChanged([
      { file: worker, type: 3 },
      { file: kustomization, type: 2 },
    ]);
    // Both events handled: one image again, and nothing reported missing.
    const dev = (r: EnvironmentsResult) => r.environments.find((e) => e.root === 'overlays/dev');
    const after = await environments((r) => dev(r)?.images.length === 1 && dev(r)?.incomplete.length === 0);
    assert.deepEqual(images(after, 'overlays/dev'), ['ghcr.io/acme/api:dev']);
  });

  it('a new overlay in a new folder on disk is a new environment', async () => {
    const overlay = path.join(ws, 'regions', 'eu', 'prod', 'kustomization.yaml');
    fs.mkdirSync(path.dirname(overlay), { recursive: true });
    fs.writeFileSync(overlay, 'resources:\n  - ../../../base\nimages:\n  - name: ghcr.io/acme/api\n    newTag: "1.2"\n');
    await client.filesChanged([{ file: overlay, type: 1 }]);
    const r = await environments((r) => images(r, 'regions/eu/prod') !== undefined);
    assert.deepEqual(images(r, 'regions/eu/prod'), ['ghcr.io/acme/api:1.2']);
  });
});

/**
 * A document opened with the text the index read leaves the model's input as it was (no file of the
 * model is judged again for it), and closing it does too; the model must still be the one of the
 * files' current texts: a file changed on disk after the index read it (its event not yet seen) is not
 * taken as indexed, an edit that was not saved goes when the document closes, and a change on disk of
 * a closed file reaches the model like an edit.
 */
describe('documents opened as the index read them', () => {
  let ws: string;
  let cache: string;
  let client: TestClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-envs-asindexed-'));
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-envs-cache-'));
    fs.cpSync(fixture('envs', 'editor'), ws, { recursive: true });
    // Files saved an hour ago: what the index reads of them stands until they change.
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const rel of fs.readdirSync(ws, { recursive: true, encoding: 'utf8' })) fs.utimesSync(path.join(ws, rel), hourAgo, hourAgo);
    client = await TestClient.start({ folders: [ws], env: { XDG_CACHE_HOME: cache } });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  const overlay = () => path.join(ws, 'overlays/dev/kustomization.yaml');
  const devImages = async (check: (refs: string[]) => boolean) => {
    for (;;) {
      const seen = client.environmentChanges;
      const r = await client.connection.sendRequest<EnvironmentsResult>('imagePin/environments');
      const refs = r.environments.find((e) => e.root === 'overlays/dev')?.images.map((i) => i.reference) ?? [];
      if (r.complete && check(refs)) return refs;
      await client.waitFor('an environment change', () => client.environmentChanges > seen);
    }
  };
  /** The tags the open overlay's floating-tag findings cover, once one covers and names `tag`. */
  const flagged = async (uri: string, tag: string) => {
    const names = (x: Diagnostic) => x.code === 'floating-tag' && client.covered(uri, x.range) === tag && String(x.message).startsWith(`floating tag "${tag}"`);
    const diags = await client.diagnosticsFor(uri, { check: (d) => d.some(names) });
    return diags.filter((x) => x.code === 'floating-tag').map((x) => client.covered(uri, x.range));
  };

  it('opened and closed as indexed, unsaved edits dropped on close, disk changes followed', async () => {
    await devImages((refs) => refs.length === 1);
    const base = await client.open(path.join(ws, 'base/deploy.yaml'));
    await client.diagnosticsFor(base.uri, { check: (d) => d.length === 0 });
    const dev = await client.open(overlay());
    assert.deepEqual(await flagged(dev.uri, 'dev'), ['dev']);
    await client.close(dev.uri);
    assert.deepEqual(await devImages(() => true), ['ghcr.io/acme/api:dev']);

    // An edit not saved: the model follows it while open, and forgets it on close.
    const again = await client.open(overlay());
    await client.change(again.uri, client.text(again.uri).replace('newTag: dev', 'newTag: unsaved'));
    await devImages((refs) => refs[0] === 'ghcr.io/acme/api:unsaved');
    await client.close(again.uri);
    await devImages((refs) => refs[0] === 'ghcr.io/acme/api:dev');

    // Saved by another program while closed: the model follows, and so does the document opened next.
    fs.writeFileSync(overlay(), fs.readFileSync(overlay(), 'utf8').replace('newTag: dev', 'newTag: edge'));
    await client.filesChanged([{ file: overlay(), type: 2 }]);
    await devImages((refs) => refs[0] === 'ghcr.io/acme/api:edge');
    const third = await client.open(overlay());
    assert.deepEqual(await flagged(third.uri, 'edge'), ['edge']);
    await client.close(third.uri);
  });

  it('a file changed on disk after the index read it, its event not seen yet, is not taken as indexed when opened', async () => {
    // A server of its own, so that nothing it did before has read the file.
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-envs-race-'));
    fs.cpSync(ws, fresh, { recursive: true, preserveTimestamps: true });
    const other = await TestClient.start({ folders: [fresh], env: { XDG_CACHE_HOME: cache } });
    try {
      // Indexed once the base is judged through its environments (clean: every overlay overrides its image).
      const base = await other.open(path.join(fresh, 'base/deploy.yaml'));
      await other.diagnosticsFor(base.uri, { check: (d) => d.length === 0 });
      const prod = path.join(fresh, 'overlays/prod/kustomization.yaml');
      fs.writeFileSync(prod, fs.readFileSync(prod, 'utf8').replace(/digest: sha256:1+/, 'newTag: nightly'));
      const opened = await other.open(prod);
      const diags = await other.diagnosticsFor(opened.uri, { check: (d) => d.some((x) => x.code === 'floating-tag') });
      assert.equal(other.covered(opened.uri, diags[0].range), 'nightly');
      assert.equal(diags[0].message, 'floating tag "nightly": pin it to a digest; in prod (overlays/prod)');
    } finally {
      await other.stop();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});
