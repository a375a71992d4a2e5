/**
 * What the language server's environment model builds per keystroke, counted (EnvironmentService's
 * `counts`, in process): a keystroke in a file environments read computes those environments again
 * from the kept graph, and does not read the whole graph again — also after a file joined or left the
 * model's files (a document the index did not list opened or closed, a file it did not list appearing
 * on disk), which costs one whole build, not one per keystroke until typing pauses. A values file
 * whose facts the fast path cannot give is read with `yaml` while it is open (one parse a keystroke).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { EnvironmentService } from '../../server/src/lsp/environments';
import { EditorConfigResolver } from '../../server/src/lsp/policy';
import { extractLocated } from '../../server/src/scan/checkText';
import type { Doc } from '../../server/src/core/env/read';
import { scan } from '../../server/src/scan/scanner';
import type { PolicyService } from '../../server/src/lsp/policy';
import type { WorkspaceFolders } from '../../server/src/lsp/workspaceFolders';
import { fixture } from '../helpers/paths';
import { tempDir } from '../helpers/tempDir';

/** The editor fixture indexed as the server indexes a folder, its files saved an hour before. */
async function indexedService(): Promise<{ ws: string; service: EnvironmentService; resolver: EditorConfigResolver }> {
  const ws = tempDir('ip-env-builds-');
  fs.cpSync(fixture('envs', 'editor'), ws, { recursive: true });
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const rel of fs.readdirSync(ws, { recursive: true, encoding: 'utf8' })) fs.utimesSync(path.join(ws, rel), hourAgo, hourAgo);
  const resolver = new EditorConfigResolver(ws, {});
  const startedAt = Date.now();
  const scanned = await scan([ws], { resolver, cacheDir: false, environments: false });
  const connection = { sendNotification: async () => undefined } as unknown as Connection;
  const fail = () => (err: Error) => {
    throw err;
  };
  const service = new EnvironmentService({ connection, folders: {} as WorkspaceFolders, policy: {} as PolicyService, fail });
  service.scanned({ uri: `file://${ws}`, path: ws, name: 'ws' }, resolver, scanned.files, startedAt);
  return { ws, service, resolver };
}

/** A document checked as validation checks it: its sites handed to the model, then its own judgement. */
function check(service: EnvironmentService, file: string, text: string) {
  const { sites } = extractLocated(text, { path: file });
  service.documentChecked(file, text, sites);
  return service.documentJudgement(file);
}

describe("the environment model's builds per keystroke in the editor", () => {
  /** Types `n` tags into the prod values file; what each keystroke's build did, and what the model made of the tag. */
  function type(service: EnvironmentService, values: string, n: number, from: number) {
    const perKeystroke: Array<{ graphs: number; environments: number; reference?: string }> = [];
    for (let i = from; i < from + n; i++) {
      const before = { ...service.counts };
      const j = check(service, values, `image:\n  tag: 2.0.${i}\n`);
      const prod = j?.model.environments.find((e) => e.root.endsWith('values-prod.yaml'));
      perKeystroke.push({ graphs: service.counts.graphs - before.graphs, environments: service.counts.environments - before.environments, reference: prod?.images[0]?.reference });
      assert.equal(prod?.images[0]?.reference, `acme/web:2.0.${i}`, `keystroke ${i}: the prod environment deploys what was typed`);
    }
    return perKeystroke;
  }

  /** After at most one whole build, each keystroke computes the one environment that reads the file, from the kept graph. */
  function assertPartial(perKeystroke: ReturnType<typeof type>, what: string) {
    const rest = perKeystroke.slice(1);
    assert.ok(perKeystroke[0].graphs <= 1, `${what}: the first keystroke reads the graph at most once`);
    assert.deepEqual(
      rest.map((k) => [k.graphs, k.environments]),
      rest.map(() => [0, 1]),
      `${what}: every later keystroke reads no graph and computes only the environment that reads the file`,
    );
  }

  it('a keystroke computes only the environments that read the file, from the kept graph', async () => {
    const { ws, service } = await indexedService();
    const values = path.join(ws, 'charts/web/values-prod.yaml');
    service.judgement(values);
    assert.equal(service.counts.graphs, 1);
    assertPartial(type(service, values, 8, 0), 'typing');
    service.dispose();
  });

  it('a document the index did not list, opened and then closed: one whole build each, not one per keystroke', async () => {
    const { ws, service } = await indexedService();
    const values = path.join(ws, 'charts/web/values-prod.yaml');
    service.judgement(values);
    // A new, unsaved manifest in the folder: it joins the model's files while it is open.
    const extra = path.join(ws, 'base/extra.yaml');
    check(service, extra, 'apiVersion: v1\nkind: Pod\nmetadata: {name: extra}\nspec:\n  containers:\n    - name: x\n      image: busybox:1.36\n');
    assertPartial(type(service, values, 8, 0), 'after opening a document the index did not list');
    service.documentClosed(extra);
    assertPartial(type(service, values, 8, 10), 'after closing it');
    service.dispose();
  });

  it('a values file with a value only `yaml` reads is checked with `yaml` while open, its facts right', async () => {
    const { ws, service } = await indexedService();
    const values = path.join(ws, 'charts/web/values-prod.yaml');
    service.judgement(values);
    assert.equal(service.readsFast(values), true);
    // A plain scalar over two lines: the fast path's tree leaves its value to `yaml`.
    const text = 'note: a long\n  description\nimage:\n  tag: 2.0.9\n';
    const parsed: Doc[] = [];
    const { sites } = extractLocated(text, { path: values, fast: true, onDocument: (doc, source, offset, workloads) => parsed.push({ doc, source, offset, workloads }) });
    service.documentChecked(values, text, sites, parsed);
    const j = service.documentJudgement(values);
    assert.equal(j?.model.environments.find((e) => e.root.endsWith('values-prod.yaml'))?.images[0]?.reference, 'acme/web:2.0.9');
    assert.equal(service.readsFast(values), false, 'checked with yaml while open');
    service.documentClosed(values);
    assert.equal(service.readsFast(values), true);
    service.dispose();
  });

  it('a file the index did not list appears on disk: one whole build, not one per keystroke', async () => {
    const { ws, service, resolver } = await indexedService();
    const values = path.join(ws, 'charts/web/values-prod.yaml');
    service.judgement(values);
    const added = path.join(ws, 'base/added.yaml');
    fs.writeFileSync(added, 'apiVersion: v1\nkind: Pod\nmetadata: {name: added}\nspec:\n  containers:\n    - name: x\n      image: busybox:1.36\n');
    const scanned = await scan([added], { resolver, cacheDir: false, environments: false });
    service.fileChanged(added, scanned.files[0]);
    assertPartial(type(service, values, 8, 0), 'after a new file on disk');
    service.dispose();
  });
});
