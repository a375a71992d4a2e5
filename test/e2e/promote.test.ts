// Promotion as a person does it in a real VS Code (the packaged .vsix in code-server, Chromium driven
// by keyboard and mouse): the Environments view lists the stages, what each runs of an image and
// where a stage drifted from the one before; right-click → Promote to Next Stage opens the refactor
// preview, where the promotion is ticked and applied; the prod overlay open in the editor changes,
// unsaved, with the count in the message, and one Undo restores it. Promote Stage… with its
// multi-select of images moves only the images left ticked. A promotion across two files is undone in
// both when the question Undo asks is answered. No registry: promotion is a Git change.
// Needs `bash scripts/install-e2e.sh`; packages the extension itself (scripts/package.js).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { editorText, editorTextWhere, openFile, openWorkbench, runCommand, screenshot, selectors, waitFor, waitUntil, type Workbench } from './lib/browser';
import { startCodeServer, type CodeServer } from './lib/codeServer';
import { repoRoot } from './lib/install';

const STEP_TIMEOUT_MS = 120_000;
const hex = (c: string) => `sha256:${c.repeat(64)}`;
const [A, B, C, D] = [hex('a'), hex('b'), hex('c'), hex('d')];

const PROD = 'overlays/prod/kustomization.yaml';
const FILES: Record<string, string> = {
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
  'base/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: shop',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: api',
    '          image: ghcr.io/acme/api',
    '        - name: worker',
    '          image: ghcr.io/acme/worker',
    '',
  ].join('\n'),
  'overlays/staging/kustomization.yaml': [
    'resources:',
    '  - ../../base',
    'images:',
    '  - name: ghcr.io/acme/api',
    '    newTag: 1.4.2',
    `    digest: ${A}`,
    '  - name: ghcr.io/acme/worker',
    '    newTag: "2.1"',
    `    digest: ${C}`,
    '',
  ].join('\n'),
  [PROD]: [
    'resources:',
    '  - ../../base',
    'images:',
    '  - name: ghcr.io/acme/api   # released on Monday',
    '    newTag: 1.4.1',
    `    digest: ${B}`,
    '  - name: ghcr.io/acme/worker',
    '    newTag: "2.0"',
    `    digest: ${D}`,
    '',
  ].join('\n'),
};

/** The prod overlay with the api image (and the worker, if asked) promoted from staging. */
function promotedProd(worker: boolean): string {
  let text = FILES[PROD].replace('newTag: 1.4.1', 'newTag: 1.4.2').replace(B, A);
  if (worker) text = text.replace('newTag: "2.0"', 'newTag: "2.1"').replace(D, C);
  return text;
}

const VIEW = '.pane:has(.pane-header[aria-label*="Image Pin: Environments"])';
const ROW = `${VIEW} .monaco-list-row`;

/** The view's row whose text holds every part, once it shows. */
function rowWith(page: Page, ...parts: string[]): Locator {
  let row = page.locator(ROW);
  for (const part of parts) row = row.filter({ hasText: part });
  return row.first();
}

/** The view's rendered rows as `label [description]`. */
async function viewRows(page: Page): Promise<string[]> {
  const rows = await page.locator(ROW).all();
  return Promise.all(
    rows.map(async (row) => {
      const part = (selector: string) => row.locator(selector).first().innerText().catch(() => '');
      return `${(await part('.label-name')).trim()} [${(await part('.label-description')).trim()}]`;
    }),
  );
}

/**
 * Waits until the view shows the row holding `parts`, under the environment row holding `env`,
 * expanding that environment (its twistie) while it is collapsed. The view refreshes whenever the
 * server's model changes, so expanding is retried, never assumed.
 */
async function imageRow(page: Page, step: string, env: string, ...parts: string[]): Promise<Locator> {
  const envRow = rowWith(page, env);
  const row = rowWith(page, ...parts);
  await waitUntil(page, { step, timeoutMs: 60_000, describe: () => viewRows(page).then((r) => JSON.stringify(r)) }, async () => {
    if (await row.isVisible()) return true;
    if ((await envRow.isVisible()) && (await envRow.getAttribute('aria-expanded')) === 'false') await envRow.locator('.monaco-tl-twistie').click();
    return false;
  });
  return row;
}

/** What the editor shows, as a person would read it: Monaco's rendered lines (nbsp as spaces). */
async function editorShows(page: Page, step: string, expected: string): Promise<void> {
  // Only the visible lines are rendered; these files are short enough to show whole.
  const lines = expected.trimEnd().split('\n');
  await editorTextWhere(page, { step, timeoutMs: 30_000 }, (text) => lines.every((line) => text.includes(line)) && text.split('\n').filter((l) => l.trim()).length === lines.length);
}

/**
 * Opens one of several files of the same name via Quick Open: waits for the row in its folder (the
 * list first shows recently opened files), then Enter; the breadcrumbs then name the folder.
 */
async function openPath(page: Page, relative: string): Promise<void> {
  const dir = path.posix.dirname(relative);
  await page.keyboard.press('Control+P');
  const input = await waitFor(page, selectors.quickInputBox, { step: `quick-open-${relative}` });
  await input.fill(relative);
  const row = page.locator(selectors.quickInputRow).first();
  await waitUntil(page, { step: `quick-open-first-${relative}`, describe: async () => (await row.getAttribute('aria-label')) ?? '(no row)' }, async () =>
    ((await row.getAttribute('aria-label')) ?? '').includes(dir),
  );
  await page.keyboard.press('Enter');
  const crumbs = page.locator('.editor-group-container.active .breadcrumbs-control');
  await waitUntil(page, { step: `opened-${relative}`, describe: () => crumbs.innerText().catch(() => '(no breadcrumbs)') }, async () =>
    ((await crumbs.innerText().catch(() => '')) ?? '').replace(/\s+/g, '').includes(dir.split('/').join('')),
  );
}

/** Ticks every file row of the refactor preview (changes that need confirmation start unticked) and clicks Apply. */
async function tickAndApply(page: Page, step: string, files: number): Promise<void> {
  const fileRows = `${selectors.previewPanel} .monaco-list-row[aria-level="1"]`;
  await waitUntil(page, { step, timeoutMs: 60_000, describe: () => page.locator(selectors.previewPanel).innerText().catch(() => '(no preview)') }, async () =>
    (await page.locator(fileRows).count()) === files,
  );
  await screenshot(page, step);
  for (let i = 0; i < files; i++) await page.locator(fileRows).nth(i).locator('.edit-checkbox').click();
  await page.locator(`${selectors.previewPanel} .monaco-button:has-text("Apply")`).click();
}

describe('Promotion in a real VS Code (code-server + Chromium)', () => {
  let root: string;
  let workspace: string;
  let server: CodeServer;
  let workbench: Workbench;
  let page: Page;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-promote-e2e-'));
    workspace = path.join(root, 'gitops');
    for (const [relative, text] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(path.join(workspace, relative)), { recursive: true });
      fs.writeFileSync(path.join(workspace, relative), text);
    }
    const vsix = path.join(root, 'image-pin.vsix');
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'package.js'), '--out', vsix], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    server = await startCodeServer({
      workspace,
      vsixPath: vsix,
      // No credentials of the machine running the tests are read (and no registry is asked).
      env: { DOCKER_CONFIG: path.join(root, 'docker') },
      // VS Code in a browser saves after a second by default (the desktop does not); off, as on the
      // desktop, so that what stays unsaved is the extension's doing.
      userSettings: { 'workbench.editor.enablePreview': false, 'files.autoSave': 'off' },
    });
    workbench = await openWorkbench(server.url, workspace);
    page = workbench.page;
  }, { timeout: STEP_TIMEOUT_MS });

  after(async () => {
    await workbench?.close();
    await server?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('1. the view lists the stages, what each runs and the drift; Promote to Next Stage → preview → Apply changes the open overlay, unsaved; one Undo', { timeout: STEP_TIMEOUT_MS }, async () => {
    await openFile(page, PROD);
    await editorShows(page, 'prod-open', FILES[PROD]);

    await runCommand(page, 'Explorer: Focus on Image Pin: Environments View');
    // The folder's file tree collapsed, so that the view has the height to show both stages.
    const folderHeader = page.locator('.explorer-viewlet .pane-header').filter({ hasText: 'gitops' }).first();
    if ((await folderHeader.getAttribute('aria-expanded')) === 'true') await folderHeader.click();
    // Stages in promotion order, each naming where it promotes to; what each runs of an image, drift marked.
    const staging = await imageRow(page, 'view-staging-image', 'overlays/staging', 'ghcr.io/acme/api', '1.4.2@sha256:aaaa…');
    await imageRow(page, 'view-prod-image', 'overlays/prod', 'ghcr.io/acme/api', '≠ staging · 1.4.1@sha256:bbbb…');
    const rows = await viewRows(page);
    const stageRows = rows.filter((r) => /^(staging|prod) \[/.test(r));
    assert.deepEqual(stageRows, ['staging [→ prod · all pinned]', 'prod [all pinned]'], JSON.stringify(rows));
    assert.ok(rows.includes('ghcr.io/acme/api [1.4.2@sha256:aaaa…]'), `staging runs its digest, drifting from nothing: ${JSON.stringify(rows)}`);
    assert.ok(rows.includes('ghcr.io/acme/worker [≠ staging · 2.0@sha256:dddd…]'), `prod's worker drifts too: ${JSON.stringify(rows)}`);
    await screenshot(page, 'promote-1-view');

    // Right-click the staging image → Promote to Next Stage.
    await staging.click({ button: 'right' });
    const item = await waitFor(page, '.context-view .monaco-menu .action-item:has-text("Promote to Next Stage")', { step: 'promote-context-menu' });
    await screenshot(page, 'promote-1-menu');
    await item.click();
    // The preview lists the file of the target stage (prod's overlay) and applies nothing by itself.
    const previewText = async () => page.locator(selectors.previewPanel).innerText().catch(() => '');
    await waitUntil(page, { step: 'promote-preview', timeoutMs: 30_000, describe: previewText }, async () => /overlays\/prod/.test(await previewText()));
    assert.equal(await editorText(page).then((t) => t.includes(A)), false, 'nothing applied before Apply');
    await tickAndApply(page, 'promote-1-preview', 1);

    await editorShows(page, 'promote-1-applied', promotedProd(false));
    assert.equal(fs.readFileSync(path.join(workspace, PROD), 'utf8'), FILES[PROD], 'not saved');
    const tab = page.locator(selectors.tab('kustomization.yaml')).first();
    await waitUntil(page, { step: 'promote-1-dirty', describe: async () => `tab class: ${await tab.getAttribute('class')}; on disk: ${fs.readFileSync(path.join(workspace, PROD), 'utf8')}` }, async () => /\bdirty\b/.test((await tab.getAttribute('class')) ?? ''));
    const message = await waitFor(page, `${selectors.notification}:has-text("promoted 1 image reference from staging to prod in 1 file")`, { step: 'promote-1-message' });
    assert.match(await message.innerText(), /Not saved: save the files to keep them/);
    assert.equal(await message.locator('.monaco-button:has-text("Save All")').count(), 1);
    await screenshot(page, 'promote-1-applied');

    // One Undo in the editor restores the overlay.
    await page.locator(selectors.editorText).click();
    await page.keyboard.press('Control+Z');
    await editorShows(page, 'promote-1-undone', FILES[PROD]);
    await waitUntil(page, { step: 'promote-1-clean' }, async () => (await page.locator(`${selectors.tab('kustomization.yaml')}.dirty`).count()) === 0);
  });

  test('2. Promote Stage…: source, target and a multi-select of images; only the ticked image moves', { timeout: STEP_TIMEOUT_MS }, async () => {
    await runCommand(page, 'Image Pin: Promote Stage…', { opensPicker: true });
    const pickRow = (label: string) => page.locator(selectors.quickInputRow).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.]/g, '\\.')}$`) }) }).first();
    // Each pick's title says what it asks; the source, then the target.
    await waitFor(page, `${selectors.quickInput}:has-text("Promote from stage")`, { step: 'pick-source' });
    await pickRow('staging').click();
    await waitFor(page, `${selectors.quickInput}:has-text("Promote staging to stage")`, { step: 'pick-target' });
    await pickRow('prod').click();
    await waitFor(page, `${selectors.quickInput}:has-text("Images to promote from staging to prod")`, { step: 'pick-images' });
    // Both start ticked; a click on the worker's row unticks it, then OK.
    await pickRow('ghcr.io/acme/worker').click();
    await waitFor(page, `${selectors.quickInput} :text("1 Selected")`, { step: 'pick-images-one' });
    await screenshot(page, 'promote-2-images');
    await page.locator(`${selectors.quickInput} .monaco-button:has-text("OK")`).click();
    await tickAndApply(page, 'promote-2-preview', 1);
    await editorShows(page, 'promote-2-applied', promotedProd(false));
    await waitFor(page, `${selectors.notification}:has-text("promoted 1 image reference from staging to prod")`, { step: 'promote-2-message' });
    await page.locator(selectors.editorText).click();
    await page.keyboard.press('Control+Z');
    await editorShows(page, 'promote-2-undone', FILES[PROD]);
  });

  test('3. a promotion across two files: one Undo, with no question asked, puts both editors back, clean and unsaved', { timeout: STEP_TIMEOUT_MS }, async () => {
    // A second prod environment, written on disk; Scan Workspace reads it (code-server's file watcher
    // is not relied on here: its events did not arrive in this harness; the lsp tier covers them).
    const PROD_EU = 'regions/eu/prod/kustomization.yaml';
    const euText = FILES[PROD].replace('../../base', '../../../base');
    fs.mkdirSync(path.dirname(path.join(workspace, PROD_EU)), { recursive: true });
    fs.writeFileSync(path.join(workspace, PROD_EU), euText);
    await runCommand(page, 'Image Pin: Scan Workspace');
    await waitUntil(page, { step: 'view-prod-eu', timeoutMs: 60_000, describe: () => viewRows(page).then((r) => JSON.stringify(r)) }, async () => rowWith(page, 'regions/eu/prod').isVisible());
    await openPath(page, PROD_EU);
    await editorShows(page, 'eu-open', euText);
    await openPath(page, PROD);
    await editorShows(page, 'prod-open-again', FILES[PROD]);

    await runCommand(page, 'Image Pin: Promote Stage…', { opensPicker: true });
    const pickRow = (label: string) => page.locator(selectors.quickInputRow).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
    await waitFor(page, `${selectors.quickInput}:has-text("Promote from stage")`, { step: 'two-pick-source' });
    await pickRow('staging').click();
    await waitFor(page, `${selectors.quickInput}:has-text("Promote staging to stage")`, { step: 'two-pick-target' });
    await pickRow('prod').click();
    await waitFor(page, `${selectors.quickInput}:has-text("Images to promote from staging to prod")`, { step: 'two-pick-images' });
    await page.locator(`${selectors.quickInput} .monaco-button:has-text("OK")`).click();
    await tickAndApply(page, 'promote-3-preview', 2);
    await waitFor(page, `${selectors.notification}:has-text("promoted 4 image references from staging to prod in 2 files")`, { step: 'promote-3-message' });
    await editorShows(page, 'promote-3-applied-prod', promotedProd(true));
    await openPath(page, PROD_EU);
    await editorShows(page, 'promote-3-applied-eu', promotedProd(true).replace('../../base', '../../../base'));

    // One Undo in one editor undoes the promotion in both files.
    await page.locator(selectors.editorText).click();
    await page.keyboard.press('Control+Z');
    await editorShows(page, 'promote-3-undone-eu', euText);
    await screenshot(page, 'promote-3-undone');
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no question was asked');
    await openPath(page, PROD);
    await editorShows(page, 'promote-3-undone-prod', FILES[PROD]);
    await waitUntil(page, { step: 'promote-3-clean' }, async () => (await page.locator(`${selectors.tab('kustomization.yaml')}.dirty`).count()) === 0);
    assert.equal(fs.readFileSync(path.join(workspace, PROD_EU), 'utf8'), euText, 'nothing was saved');
    assert.equal(fs.readFileSync(path.join(workspace, PROD), 'utf8'), FILES[PROD], 'nothing was saved');
  });
});
