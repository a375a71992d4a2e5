/**
 * Promotion in a real VS Code: the Environments view's data lists the stages, and Promote Stage changes
 * the prod overlay in the editor (one edit, unsaved, undone with one Undo).
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
});
