/**
 * Promotion in a real VS Code, through the refactor preview as a user goes: the promotion's change
 * needs confirmation, so it waits in the preview unticked; the test ticks it (focus the preview's
 * first row, Toggle Change) and applies it, or discards it. The preview's own copy of the file (a
 * document of scheme `vscode-bulkeditpreview-editor`) shows what the edit would do, so the test waits
 * for that state, not for time. Also: the Environments view (stages in order, `→ next`, tag and
 * digest per stage, drift), its Promote to Next Stage, Promote…, Copy Digest and Reveal, and the
 * CodeLens (off by default).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, extensionApi, reportAfter, waitFor, writeFile } from './helpers';

const A = `sha256:${'a'.repeat(64)}`;
const PREVIEW_SCHEME = 'vscode-bulkeditpreview-editor';

interface PromoteResult {
  moved: Array<{ image: string }>;
  applied?: boolean;
  error?: string;
}

const prodText = 'resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/promo   # keep me\n    newTag: "1.4.1"\n';
const promoted = `resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/promo   # keep me\n    newTag: "1.4.2"\n    digest: ${A}\n`;

/**
 * The refactor preview's copy of `uri`, once the preview shows an edit of it. Its path is the file's
 * (its query names the file as the workbench sees it: a vscode-remote URI in code-server).
 */
function previewOf(uri: vscode.Uri): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.scheme === PREVIEW_SCHEME && d.uri.path === uri.path);
}

/** Starts a command that opens the refactor preview; resolves once the preview shows its edit of `uri`. */
async function inPreview<T>(uri: vscode.Uri, command: string, ...args: unknown[]): Promise<{ result: () => T | undefined; settled: () => boolean }> {
  let settled = false;
  let result: T | undefined;
  void vscode.commands.executeCommand<T>(command, ...args).then((r) => {
    result = r;
    settled = true;
  });
  await waitFor(`the refactor preview to show the edit of ${uri.path}`, () => settled || previewOf(uri), {
    events: [vscode.workspace.onDidOpenTextDocument],
    seen: () => `documents ${vscode.workspace.textDocuments.map((d) => d.uri.toString()).join(', ')}; tabs ${vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)).join(', ')}`,
  });
  assert.ok(!settled, `the command ended without waiting in the preview: ${JSON.stringify(result)}`);
  return { result: () => result, settled: () => settled };
}

/**
 * As the user does: ticks each file's change in the preview (its row focused, Toggle Change) and
 * clicks Apply Refactoring. `files` maps each file to its promoted text; the preview's copy of a
 * ticked file shows it, which is the state each tick waits for before the next.
 */
async function tickAndApply(files: Map<vscode.Uri, string>): Promise<void> {
  const ticked = () => [...files].filter(([uri, expected]) => previewOf(uri)?.getText() === expected).length;
  for (let row = 0; row < files.size; row++) {
    await waitFor(`file ${row + 1} of ${files.size} to be ticked in the preview`, async () => {
      if (ticked() > row) return true;
      // The file rows alone (collapsed), the one at `row` focused.
      await vscode.commands.executeCommand('refactorPreview.focus');
      await vscode.commands.executeCommand('list.collapseAll');
      await vscode.commands.executeCommand('list.focusFirst');
      for (let i = 0; i < row; i++) await vscode.commands.executeCommand('list.focusDown');
      // Ticked now, or the preview's copy updates a moment later: look before toggling again.
      await vscode.commands.executeCommand('refactorPreview.toggleCheckedState');
      return waitFor('the preview to show the ticked change', () => ticked() > row, { timeoutMs: 5_000, events: [vscode.workspace.onDidChangeTextDocument] }).then(
        () => true,
        () => false,
      );
    });
  }
  await vscode.commands.executeCommand('refactorPreview.apply');
}

/**
 * Writes a kustomize tree (base, staging, prod) and opens its files as documents: before a Scan
 * Workspace, the server's model takes files created after its start-up index only from open
 * documents (see the report on workspaceScan.fileChanged), and the suite may start after that index.
 */
async function writeTree(dir: string, prod: string): Promise<{ prodUri: vscode.Uri; stagingUri: vscode.Uri }> {
  const files: Array<[string, string]> = [
    [`${dir}/base/kustomization.yaml`, 'resources:\n  - deploy.yaml\n'],
    [`${dir}/base/deploy.yaml`, `kind: Deployment\nmetadata:\n  name: ${dir}\nspec:\n  template:\n    spec:\n      containers:\n        - name: promo\n          image: ghcr.io/acme/promo\n`],
    [`${dir}/overlays/staging/kustomization.yaml`, `resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/promo\n    newTag: 1.4.2\n    digest: ${A}\n`],
    [`${dir}/overlays/prod/kustomization.yaml`, prod],
  ];
  const uris: vscode.Uri[] = [];
  for (const [file, text] of files) {
    const uri = await writeFile(file, text);
    await vscode.workspace.openTextDocument(uri);
    uris.push(uri);
  }
  return { stagingUri: uris[2], prodUri: uris[3] };
}

type Tree = vscode.TreeDataProvider<unknown>;

/** Every node of the Environments view under `parent`, with its tree item. */
async function children(tree: Tree, parent?: unknown): Promise<Array<{ node: unknown; item: vscode.TreeItem }>> {
  const nodes = (await tree.getChildren(parent)) ?? [];
  return Promise.all(nodes.map(async (node) => ({ node, item: await tree.getTreeItem(node) })));
}

/** The promo image's node under a stage of the view, once the view shows both stages. */
async function promoNode(tree: Tree, stage: string, match: (description: string) => boolean = () => true) {
  return waitFor(`the view to show ghcr.io/acme/promo under ${stage}`, async () => {
    const stages = await children(tree);
    const s = stages.find((x) => x.item.label === stage);
    if (!s || !stages.some((x) => x.item.label === 'prod')) return undefined;
    for (const env of await children(tree, s.node)) {
      const image = (await children(tree, env.node)).find((x) => x.item.label === 'ghcr.io/acme/promo');
      if (image && match(String(image.item.description ?? ''))) return { stages, stage: s, image };
    }
    return undefined;
  });
}

if (vscode.workspace.isTrusted) suite('Promotion in VS Code', () => {
  let prodUri: vscode.Uri;
  let stagingUri: vscode.Uri;
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    ({ prodUri, stagingUri } = await writeTree('promo', prodText));
    doc = await vscode.workspace.openTextDocument(prodUri);
    await vscode.window.showTextDocument(doc);
    await waitFor('the extension to activate', () => vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  test('Promote Stage waits in the refactor preview; ticked and applied, the prod overlay changes in the editor, unsaved, with the count; one Undo', async () => {
    const api = await extensionApi();
    // The server indexes the new files from their file events; until it knows both stages the command answers with an error.
    const params = { from: 'staging', to: 'prod', images: ['ghcr.io/acme/promo'] };
    await waitFor('the server to plan a promotion that moves the image', async () => {
      const r = await vscode.commands.executeCommand<{ moved: unknown[]; error?: string }>('imagePin.promoteStage', { ...params, images: ['no-such-image'] });
      return r && !r.error;
    });
    const since = api.reports.length;
    const run = await inPreview<PromoteResult>(prodUri, 'imagePin.promoteStage', params);
    assert.equal(doc.getText(), prodText, 'nothing is applied while the preview waits');
    await tickAndApply(new Map([[prodUri, promoted]]));
    await waitFor('the command to end', () => run.settled());
    assert.equal(run.result()?.applied, true);
    assert.deepEqual(run.result()?.moved.map((m) => m.image), ['ghcr.io/acme/promo']);
    await waitFor('the overlay to change in the editor', () => doc.getText() === promoted, { events: [vscode.workspace.onDidChangeTextDocument] });
    assert.equal(doc.isDirty, true, 'left unsaved');
    const report = await reportAfter(api, since, 'the promotion summary', (r) => /promoted/.test(r.message));
    assert.equal(report.message, 'Image Pin: promoted 1 image reference from staging to prod in 1 file. Not saved: save the files to keep them (Undo reverts).');
    assert.deepEqual(report.buttons, ['Save All']);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await waitFor('one Undo to restore the overlay', () => doc.getText() === prodText, { events: [vscode.workspace.onDidChangeTextDocument] });
  });

  test('discarding the preview applies nothing, and the command says so', async () => {
    const api = await extensionApi();
    // The server has the undone text once the view shows prod drifting from staging again.
    await promoNode(api.environmentsView!, 'prod', (d) => d.includes('≠ staging'));
    const since = api.reports.length;
    const run = await inPreview<PromoteResult>(prodUri, 'imagePin.promoteStage', { from: 'staging', to: 'prod' });
    await vscode.commands.executeCommand('refactorPreview.discard');
    await waitFor('the command to end', () => run.settled());
    assert.equal(run.result()?.applied, false);
    assert.equal(doc.getText(), prodText);
    const report = await reportAfter(api, since, 'nothing promoted', (r) => r.kind === 'warning');
    assert.match(report.message, /^Image Pin: nothing was promoted from staging to prod: the preview was discarded/);
  });

  test('the Environments view: stages in order, each naming its next stage; tag and digest per stage; drift marked', async () => {
    const tree = (await extensionApi()).environmentsView!;
    const { stages, stage, image } = await promoNode(tree, 'staging');
    const labels = stages.map((s) => String(s.item.label));
    assert.ok(labels.indexOf('staging') < labels.indexOf('prod'), `stages in promotion order: ${labels.join(', ')}`);
    assert.match(String(stage.item.description), /^→ prod · /, 'staging says where Promote to Next Stage goes');
    assert.equal(stage.item.contextValue, 'imagePin.stage.toNext');
    assert.equal(image.item.description, '1.4.2@sha256:aaaa…', 'what staging runs: tag and short digest');
    assert.equal(image.item.contextValue, 'imagePin.image.pinned.toNext', 'Copy Digest and Promote to Next Stage are offered');
    assert.match(String(image.item.tooltip), /Promote to Next Stage: staging → prod/);
    const prod = await promoNode(tree, 'prod', (d) => d.includes('≠ staging'));
    assert.equal(prod.image.item.description, '≠ staging · 1.4.1 · unpinned-tag');
    assert.match(String(prod.image.item.tooltip), new RegExp(`Drift: staging runs ghcr\\.io/acme/promo:1\\.4\\.2@${A}`));
    // The workspace holds other environments too: the last stage is whichever the view lists last.
    const last = prod.stages[prod.stages.length - 1];
    assert.equal(last.item.contextValue, 'imagePin.stage', `the last stage (${String(last.item.label)}) offers no Promote to Next Stage`);
    assert.doesNotMatch(String(last.item.description), /→/);
  });

  test('the view\'s context actions: Promote to Next Stage from an image, Promote… (quick picks), Copy Digest, Reveal', async () => {
    const tree = (await extensionApi()).environmentsView!;
    const { image } = await promoNode(tree, 'staging');

    const next = await inPreview<PromoteResult>(prodUri, 'imagePin.promoteToNext', image.node);
    await tickAndApply(new Map([[prodUri, promoted]]));
    await waitFor('Promote to Next Stage to end', () => next.settled());
    assert.equal(next.result()?.applied, true);
    await waitFor('the overlay to change', () => doc.getText() === promoted, { events: [vscode.workspace.onDidChangeTextDocument] });
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await waitFor('Undo to restore the overlay', () => doc.getText() === prodText, { events: [vscode.workspace.onDidChangeTextDocument] });
    await promoNode(tree, 'prod', (d) => d.includes('≠ staging'));

    // Promote…: source (the node's stage offered first), then target; each quick pick accepted as shown.
    let settled = false;
    void vscode.commands.executeCommand('imagePin.promotePick', image.node).then(() => (settled = true));
    await waitFor('the quick picks to be answered and the preview to show the edit', async () => {
      if (previewOf(prodUri) || settled) return true;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return false;
    });
    assert.ok(!settled, 'Promote… waits in the preview');
    await vscode.commands.executeCommand('refactorPreview.discard');
    await waitFor('Promote… to end', () => settled);
    assert.equal(doc.getText(), prodText);

    await vscode.commands.executeCommand('imagePin.copyDigest', image.node);
    assert.equal(await vscode.env.clipboard.readText(), A);

    await vscode.commands.executeCommand('imagePin.reveal', image.node);
    const editor = await waitFor('Reveal to open the staging overlay', () => vscode.window.activeTextEditor?.document.uri.toString() === stagingUri.toString() && vscode.window.activeTextEditor);
    assert.equal(editor.document.getText(editor.selection), '1.4.2', 'the selection is the decisive part: the overlay\'s newTag');
    await vscode.window.showTextDocument(doc);
  });

  test('the promotion CodeLens is off by default; on, it says what staging runs over the prod override', async () => {
    const lenses = async () => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', prodUri, 10)) ?? []).map((l) => l.command?.title ?? '');
    assert.deepEqual((await lenses()).filter((t) => t.includes('Promote from')), []);
    const config = vscode.workspace.getConfiguration('imagePin');
    await config.update('codeLens.promotion', true, vscode.ConfigurationTarget.Workspace);
    try {
      const titles = await waitFor('the promotion CodeLens', async () => {
        const t = await lenses();
        return t.some((x) => x.includes('Promote from')) ? t : undefined;
      });
      assert.deepEqual(titles.filter((t) => t.includes('Promote from')), ['staging runs 1.4.2@sha256:aaaa… · Promote from staging']);
    } finally {
      await config.update('codeLens.promotion', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  // (Undo of an edit across files asks VS Code's modal "undo in all files?" question, which a test in
  // the extension host cannot answer: the files are reverted instead.)
  test('a promotion of several files applies to each and leaves every one unsaved', async () => {
    const api = await extensionApi();
    // A second tree deploying the same image: each prod overlay gets its own staging's digest.
    const { prodUri: prod2Uri } = await writeTree('promo2', prodText);
    const prod2 = await vscode.workspace.openTextDocument(prod2Uri);
    let seenRows: string[] = [];
    await waitFor('the server to plan both prod overlays', async () => {
      const r = await vscode.commands.executeCommand<{ edit?: { documentChanges: unknown[] }; error?: string }>('imagePin.promoteStage', { from: 'staging', to: 'prod', images: ['no-such-image'] });
      const tree = api.environmentsView!;
      const stages = await children(tree);
      const prod = stages.find((x) => x.item.label === 'prod');
      const env = (prod ? await children(tree, prod.node) : []).find((e) => e.item.label === 'promo2/overlays/prod');
      // Drift marked: the server would move this overlay's image from its staging.
      const images = env ? await children(tree, env.node) : [];
      seenRows = [...(prod ? await children(tree, prod.node) : []).map((e) => String(e.item.label)), ...images.map((i) => `${String(i.item.label)} ${String(i.item.description)}`)];
      return r && !r.error && images.some((i) => String(i.item.description).startsWith('≠ staging'));
    }, { seen: () => JSON.stringify(seenRows) });
    const since = api.reports.length;
    const run = await inPreview<PromoteResult>(prod2Uri, 'imagePin.promoteStage', { from: 'staging', to: 'prod', images: ['ghcr.io/acme/promo'] });
    await waitFor('the preview to show both overlays', () => previewOf(prodUri) && previewOf(prod2Uri));
    await tickAndApply(new Map([[prodUri, promoted], [prod2Uri, promoted]]));
    await waitFor('the command to end', () => run.settled());
    assert.equal(run.result()?.applied, true);
    await waitFor('both overlays to change', () => doc.getText() === promoted && prod2.getText() === promoted, { events: [vscode.workspace.onDidChangeTextDocument] });
    assert.deepEqual([doc.isDirty, prod2.isDirty], [true, true], 'both left unsaved');
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(prod2Uri)), prodText, 'nothing written to disk');
    const report = await reportAfter(api, since, 'the promotion summary', (r) => /promoted/.test(r.message));
    assert.match(report.message, /^Image Pin: promoted 2 image references from staging to prod in 2 files\. Not saved/);
    for (const d of [doc, prod2]) {
      await vscode.window.showTextDocument(d);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await waitFor('both overlays reverted', () => doc.getText() === prodText && prod2.getText() === prodText, { events: [vscode.workspace.onDidChangeTextDocument] });
  });
});
