/**
 * Promotion in a real VS Code: Promote Stage changes the prod overlay in the editor (one edit, unsaved,
 * undone with one Undo); the Environments view lists the stages in order, and Copy Digest copies.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor, writeFile } from './helpers';

const A = `sha256:${'a'.repeat(64)}`;

interface PromoteResult {
  moved: Array<{ image: string }>;
  error?: string;
}

if (vscode.workspace.isTrusted) suite('Promotion in VS Code', () => {
  test('Promote Stage moves staging’s digest into the prod overlay open in the editor, unsaved, one Undo', async () => {
    await writeFile('promo/base/kustomization.yaml', 'resources:\n  - deploy.yaml\n');
    await writeFile('promo/base/deploy.yaml', 'kind: Deployment\nmetadata:\n  name: promo\nspec:\n  template:\n    spec:\n      containers:\n        - name: promo\n          image: ghcr.io/acme/promo\n');
    await writeFile('promo/overlays/staging/kustomization.yaml', `resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/promo\n    newTag: 1.4.2\n    digest: ${A}\n`);
    const prodText = 'resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/promo   # keep me\n    newTag: "1.4.1"\n';
    const prodUri = await writeFile('promo/overlays/prod/kustomization.yaml', prodText);
    const doc = await vscode.workspace.openTextDocument(prodUri);
    await vscode.window.showTextDocument(doc);
    await waitFor('the extension to activate', () => vscode.extensions.getExtension(EXTENSION_ID)?.isActive);

    // The server indexes the new files from their file events; ask until it knows both stages.
    const result = await waitFor('a promotion that moves the image', async () => {
      const r = await vscode.commands.executeCommand<PromoteResult>('imagePin.promoteStage', { from: 'staging', to: 'prod', images: ['ghcr.io/acme/promo'], confirm: false });
      return r && !r.error && r.moved.length === 1 ? r : undefined;
    });
    assert.equal(result.moved[0].image, 'ghcr.io/acme/promo');
    const expected = `resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/promo   # keep me\n    newTag: "1.4.2"\n    digest: ${A}\n`;
    await waitFor('the overlay to change in the editor', () => doc.getText() === expected);
    assert.equal(doc.isDirty, true, 'left unsaved');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await waitFor('one Undo to restore the overlay', () => doc.getText() === prodText);
  });

  test('the Environments view lists the stages in promotion order, with the promotion actions on them', async () => {
    const api = vscode.extensions.getExtension<{ environmentsView?: vscode.TreeDataProvider<unknown> }>(EXTENSION_ID)!.exports;
    const tree = api.environmentsView!;
    const label = async (node: unknown) => String((await tree.getTreeItem(node)).label);
    const stages = await waitFor('the view to list staging and prod', async () => {
      const roots = (await tree.getChildren()) ?? [];
      const labels = await Promise.all(roots.map(label));
      return labels.includes('staging') && labels.includes('prod') ? { roots, labels } : undefined;
    });
    assert.ok(stages.labels.indexOf('staging') < stages.labels.indexOf('prod'), `stages in promotion order: ${stages.labels.join(', ')}`);
    const staging = stages.roots[stages.labels.indexOf('staging')];
    assert.equal((await tree.getTreeItem(staging)).contextValue, 'imagePin.stage');
    const envs = (await tree.getChildren(staging)) ?? [];
    const images = (await Promise.all(envs.map(async (e) => (await tree.getChildren(e)) ?? []))).flat();
    const promo = (await Promise.all(images.map(async (n) => ({ n, item: await tree.getTreeItem(n) })))).find((x) => String(x.item.label).startsWith('ghcr.io/acme/promo'));
    assert.ok(promo, 'the staging image is listed');
    assert.equal(promo.item.contextValue, 'imagePin.image.pinned', 'Copy Digest is offered on a pinned image');
    await vscode.commands.executeCommand('imagePin.copyDigest', promo.n);
    assert.equal(await vscode.env.clipboard.readText(), A);
  });
});
