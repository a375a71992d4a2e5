// Image Pin as a person uses it: the packaged .vsix installed into a fresh code-server profile, a
// GitOps workspace whose images live in a real registry on loopback, and Chromium driven by keyboard
// and mouse only. Each step saves a screenshot in test-artifacts/e2e/ and fails, naming the
// screenshot of what the editor showed, when what it waits for does not happen in a bounded time.
// Needs `bash scripts/install-e2e.sh`; packages the extension itself (scripts/package.js).
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { seedStandard, skopeoDigest, startRegistry, type RunningRegistry } from '../helpers/registry';
import {
  editorTextWhere,
  hoverShowing,
  openFile,
  openWorkbench,
  problemRowWhere,
  problemRows,
  problemRowsWhere,
  quickFixMenuWhere,
  readProblems,
  recordTexts,
  boxOf,
  runCommand,
  screenshot,
  selectors,
  waitFor,
  waitUntil,
  type Clip,
  type Workbench,
} from './lib/browser';
import { startCodeServer, type CodeServer } from './lib/codeServer';
import { repoRoot } from './lib/install';

const STEP_TIMEOUT_MS = 120_000;
/**
 * Files of pinned manifests (20,000 references) that make the workspace scan take long enough to be
 * seen: VS Code shows window progress only once it has lasted 150 ms. They add no finding.
 */
const FILLER_FILES = 400;

/** A `image-pin check --format json` finding: the CLI's view of the same workspace, 1-based. */
interface CliFinding {
  file: string;
  line: number;
  column: number;
  rule: string;
  severity: string;
  image: string;
  message: string;
}

interface Fixture {
  root: string;
  workspace: string;
  /** Text of each fixture file as written, by workspace-relative path. */
  files: Record<string, string>;
  /** Digest skopeo reports for each `name:tag` the tests pin. */
  digests: Record<string, string>;
  host: string;
}

const DEPLOYMENT = 'apps/web/deployment.yaml';
const VALUES = 'charts/api/values.yaml';
const OVERLAY = 'overlays/staging/kustomization.yaml';
const COMPOSE = 'compose/docker-compose.yaml';

function fixtureFiles(host: string, digests: Record<string, string>): Record<string, string> {
  const files: Record<string, string> = {
    [DEPLOYMENT]: [
      '# Web front end, rolled out by Argo CD from this folder.',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  labels:',
      '    app.kubernetes.io/name: web',
      'spec:',
      '  replicas: 2',
      '  selector:',
      '    matchLabels:',
      '      app.kubernetes.io/name: web',
      '  template:',
      '    metadata:',
      '      labels:',
      '        app.kubernetes.io/name: web',
      '    spec:',
      '      containers:',
      '        - name: web',
      `          image: ${host}/app:dev`,
      '          ports:',
      '            - containerPort: 8080',
      '          resources:',
      '            limits: {cpu: 500m, memory: 256Mi}',
      '        - name: metrics',
      `          image: "${host}/org/team/app:1.0.0@${digests['org/team/app:1.0.0']}"  # pinned by the release job`,
      '',
    ].join('\n'),
    [VALUES]: [
      '# Default values for the api chart.',
      'replicaCount: 1',
      'image:',
      `  repository: ${host}/org/team/app`,
      '  tag: main',
      '  pullPolicy: IfNotPresent',
      'service:',
      '  port: 80',
      '',
    ].join('\n'),
    [OVERLAY]: [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '  - ../../apps/web',
      'images:',
      `  - name: ${host}/app`,
      '    newTag: latest',
      '',
    ].join('\n'),
    [COMPOSE]: [
      'services:',
      '  api:',
      `    image: ${host}/app:latest`,
      '    ports: ["8080:8080"]',
      '  worker:',
      `    image: '${host}/multi:1.0'`,
      '    command: ["worker", "--queue", "jobs"]',
      '  cache:',
      `    image: ${host}/legacy-multi:stable # LRU cache`,
      '  toolbox:',
      `    image: ${host}/library/busybox`,
      '    profiles: [debug]',
      '',
    ].join('\n'),
  };
  // Ten pinned Deployments of five containers each per file: work for the scan, no findings.
  const pinnedApp = `${host}/app:1.0@${digests['app:1.0']}`;
  const container = (k: number) => [`        - name: c${k}`, `          image: ${pinnedApp}`, '          env:', '            - {name: LOG_LEVEL, value: info}'];
  for (let i = 0; i < FILLER_FILES; i++) {
    const documents = Array.from({ length: 10 }, (_, j) =>
      ['---', 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: svc-${i}-${j}`, 'spec:', '  template:', '    spec:', '      containers:', ...[0, 1, 2, 3, 4].flatMap(container)].join('\n'),
    );
    files[`services/svc-${String(i).padStart(3, '0')}.yaml`] = `${documents.join('\n')}\n`;
  }
  return files;
}

async function writeFixture(registry: RunningRegistry): Promise<Fixture> {
  const digests: Record<string, string> = {};
  for (const key of ['app:dev', 'app:latest', 'app:1.0', 'org/team/app:1.0.0', 'org/team/app:main', 'multi:1.0', 'legacy-multi:stable', 'library/busybox:latest']) {
    digests[key] = await skopeoDigest(registry, key);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-editor-'));
  const workspace = path.join(root, 'gitops');
  const files = fixtureFiles(registry.host, digests);
  for (const [relative, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(workspace, relative)), { recursive: true });
    fs.writeFileSync(path.join(workspace, relative), text);
  }
  return { root, workspace, files, digests, host: registry.host };
}

/** What the CLI finds in the untouched workspace: the oracle for rows of the Problems panel. */
function cliFindings(fixture: Fixture): CliFinding[] {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'image-pin.js'), 'check', '--format', 'json', '.'], {
    cwd: fixture.workspace,
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: path.join(fixture.root, 'cli-cache') },
  });
  assert.equal(result.status, 1, `image-pin check should find something: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { findings: CliFinding[] }).findings;
}

/** `[Ln x, Col y]` of the first occurrence of `needle` in `text`, as the Problems panel prints it. */
function positionOf(text: string, needle: string): string {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `${needle} is not in the fixture`);
  const before = text.slice(0, offset).split('\n');
  return `[Ln ${before.length}, Col ${before[before.length - 1].length + 1}]`;
}

function readWorkspaceFile(fixture: Fixture, relative: string): string {
  return fs.readFileSync(path.join(fixture.workspace, relative), 'utf8');
}

/** Ctrl+S, then waits until the tab is clean and the file on disk equals `expected`. */
async function saveAndExpect(page: Page, fixture: Fixture, relative: string, expected: string, step: string): Promise<void> {
  await page.keyboard.press('Control+S');
  const tab = selectors.tab(path.posix.basename(relative));
  await waitUntil(page, { step: `${step}-saved`, timeoutMs: 15_000, describe: () => readWorkspaceFile(fixture, relative) }, async () => {
    const dirty = await page.locator(`${tab}.dirty`).count();
    return dirty === 0 && readWorkspaceFile(fixture, relative) === expected;
  });
}

/** The smallest rectangle holding every element `parts` match: the crops kept for the README (images/). */
async function clipOf(page: Page, parts: string[]): Promise<Clip> {
  const boxes = [];
  for (const part of parts) {
    const box = await page.locator(part).first().boundingBox();
    assert.ok(box, `${part} is not on screen`);
    boxes.push(box);
  }
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return {
    x,
    y,
    width: Math.max(...boxes.map((b) => b.x + b.width)) - x,
    height: Math.max(...boxes.map((b) => b.y + b.height)) - y,
  };
}

describe('Image Pin in a real VS Code (code-server + Chromium), driven by keyboard and mouse', () => {
  let registry: RunningRegistry;
  let fixture: Fixture;
  let expected: CliFinding[];
  let server: CodeServer;
  let workbench: Workbench;
  let page: Page;

  before(async () => {
    registry = await startRegistry();
    await seedStandard(registry);
    fixture = await writeFixture(registry);
    expected = cliFindings(fixture);

    const vsix = path.join(fixture.root, 'image-pin.vsix');
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'package.js'), '--out', vsix], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    server = await startCodeServer({
      workspace: fixture.workspace,
      vsixPath: vsix,
      // No credentials of the machine running the tests are read.
      env: { DOCKER_CONFIG: path.join(fixture.root, 'docker') },
      userSettings: { 'workbench.editor.enablePreview': false },
    });
    const installed = fs.readdirSync(server.extensionsDir);
    assert.ok(installed.some((name) => name.startsWith('image-pin.image-pin-')), `the .vsix did not install: ${installed.join(', ')}`);
    workbench = await openWorkbench(server.url, fixture.workspace);
    page = workbench.page;
  }, { timeout: STEP_TIMEOUT_MS });

  after(async () => {
    await workbench?.close();
    await server?.stop();
    await registry?.stop();
    if (fixture) fs.rmSync(fixture.root, { recursive: true, force: true });
  });

  test('1. a floating tag gets a squiggle, and a Problems row with message, source, rule and position', { timeout: STEP_TIMEOUT_MS }, async () => {
    const text = fixture.files[DEPLOYMENT];
    const reference = `${fixture.host}/app:dev`;
    const finding = expected.find((f) => f.file === DEPLOYMENT);
    assert.ok(finding, `the CLI reports nothing in ${DEPLOYMENT}: ${JSON.stringify(expected)}`);
    assert.deepEqual([finding.rule, finding.image], ['floating-tag', reference]);

    const editor = await openFile(page, DEPLOYMENT);
    assert.match(await editor.innerText(), /name:\sweb/);
    await waitFor(page, selectors.squiggleError, { step: 'deployment-squiggle', timeoutMs: 30_000 });

    const position = positionOf(text, reference);
    const row = await problemRowWhere(page, { step: 'deployment-problem-row' }, (r) => r.includes(position));
    assert.ok(row.includes(finding.message), `row ${JSON.stringify(row)} lacks the message ${JSON.stringify(finding.message)}`);
    assert.ok(row.includes('image-pin'), `row ${JSON.stringify(row)} lacks the source`);
    assert.ok(row.includes('floating-tag'), `row ${JSON.stringify(row)} lacks the rule id`);
    // The pinned sidecar in the same file has no finding.
    assert.equal((await problemRows(page)).length, 1, JSON.stringify(await problemRows(page)));
    await screenshot(page, '1-problems');

    // The status bar names itself and counts the file's findings; its tooltip splits them.
    const item = await waitFor(page, `${selectors.statusItem}:has-text("Image Pin: 1")`, { step: 'status-bar-count' });
    await item.hover();
    const tooltip = await waitFor(page, '.monaco-hover:has-text("in this file")', { step: 'status-bar-tooltip' });
    assert.match(await tooltip.innerText(), /Image Pin: 1 error, 0 warnings in this file/);
    await page.mouse.move(5, 5);
  });

  test('1b. the rule link in Problems opens that rule\'s help, rendered, beside the editor', { timeout: STEP_TIMEOUT_MS }, async () => {
    await readProblems(page);
    const link = await waitFor(page, `${selectors.problemsRow} a.monaco-link:has-text("floating-tag")`, { step: 'rule-link' });
    await link.click();
    await waitFor(page, '.tabs-container .tab:has-text("Image Pin rule: floating-tag")', { step: 'rule-tab' });
    const body = await waitUntil(page, { step: 'rule-rendered', describe: () => Promise.resolve(page.frames().map((f) => f.url()).join('\n')) }, async () => {
      for (const frame of page.frames()) {
        const text = await frame.locator('body').innerText({ timeout: 1000 }).catch(() => '');
        if (text.includes('Default: error') && text.includes('floating tag')) return text;
      }
      return undefined;
    });
    assert.match(body, /^floating-tag/m, 'the page starts at the rule\'s heading');
    assert.ok(!body.includes('## missing-tag') && !/^missing-tag$/m.test(body), 'only that rule\'s section');
    assert.match(body, /In VS Code/);
    await screenshot(page, 'readme-rule', await clipOf(page, ['.part.editor']));
    await page.keyboard.press('Control+W');
    await waitUntil(page, { step: 'rule-tab-closed' }, async () => (await page.locator('.tabs-container .tab:has-text("Image Pin rule")').count()) === 0);
    await waitFor(page, `${selectors.tab('deployment.yaml')}.active`, { step: 'rule-back-to-editor' });
  });

  test('2. hovering the squiggle shows the normalized name, registry and tag', { timeout: STEP_TIMEOUT_MS }, async () => {
    const box = await boxOf(page, selectors.squiggleError, { step: 'hover-squiggle' });
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const shown = await hoverShowing(page, 'Pinned digest', { step: 'hover', timeoutMs: 30_000 });
    await screenshot(page, '2-hover');
    await screenshot(page, 'readme-hover', await clipOf(page, ['.part.editor']));
    assert.ok(shown.includes(`${fixture.host}/app:dev`), shown);
    assert.match(shown, new RegExp(`Name:\\s*${escapeRegExp(`${fixture.host}/app`)}\\s`));
    assert.match(shown, new RegExp(`Registry:\\s*${escapeRegExp(fixture.host)}\\s`));
    assert.match(shown, /Tag:\s*dev\s/);
    assert.match(shown, /Pinned digest:\s*none/);
    assert.match(shown, /floats|floating tag/);
    await page.keyboard.press('Escape');
  });

  test('3. the quick fix (Ctrl+. Enter) pins the reference to the digest skopeo reports; nothing else changes', { timeout: STEP_TIMEOUT_MS }, async () => {
    const reference = `${fixture.host}/app:dev`;
    const box = await boxOf(page, selectors.squiggleError, { step: 'quickfix-squiggle' });
    // A click in the reference puts the cursor there; the mouse then leaves it, so that no hover
    // opens over the menu.
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2, 5);
    const title = await quickFixMenuWhere(page, { step: 'quickfix-menu', timeoutMs: 60_000 }, (row) => row.includes('to its digest'));
    await screenshot(page, '3-quickfix-menu');
    await screenshot(page, 'readme-quickfix', await clipOf(page, ['.part.editor']));
    assert.ok(title.includes(`Pin`) && title.includes(reference) && title.includes('to its digest'), `first quick fix: ${JSON.stringify(title)}`);
    await page.keyboard.press('Enter');

    const pinned = `${reference}@${fixture.digests['app:dev']}`;
    const expectedText = fixture.files[DEPLOYMENT].replace(`image: ${reference}\n`, `image: ${pinned}\n`);
    assert.notEqual(expectedText, fixture.files[DEPLOYMENT]);
    await editorTextWhere(page, { step: 'quickfix-applied' }, (text) => text.includes(pinned));
    await saveAndExpect(page, fixture, DEPLOYMENT, expectedText, 'quickfix');
    await problemRowsWhere(page, { step: 'quickfix-problem-gone' }, (rows) => rows.length === 0);
    assert.equal(await page.locator(selectors.squiggleError).count(), 0);
    await screenshot(page, '3-pinned');

    // The lookup the fix made is cached: hovering the pinned reference shows where the tag points now.
    await page.mouse.move(box.x + 5, box.y + box.height / 2);
    const shown = await hoverShowing(page, 'cached lookup', { step: 'hover-after-pin', timeoutMs: 30_000 });
    await screenshot(page, '3-hover-after-pin');
    assert.ok(shown.includes(`points to ${fixture.digests['app:dev']}`), shown);
    assert.match(shown, /The pinned digest is current/);
    await page.keyboard.press('Escape');
  });

  test('4. Scan Workspace puts findings of unopened files in Problems, then its summary; any progress names the folder, not its path', { timeout: STEP_TIMEOUT_MS }, async (t) => {
    const unopened = expected.filter((f) => f.file !== DEPLOYMENT);
    assert.deepEqual(new Set(unopened.map((f) => f.file)), new Set([VALUES, OVERLAY, COMPOSE]));
    assert.equal((await problemRows(page)).length, 0, 'Problems lists unopened files before the scan');

    const progress = await recordTexts(page, '.part.statusbar .statusbar-item, .notifications-toasts .notification-toast', /scanning the workspace/i);
    await runCommand(page, 'Image Pin: Scan Workspace');
    const rows = await problemRowsWhere(page, { step: 'scan-rows', timeoutMs: 60_000 }, (now) => now.length >= unopened.length);
    await screenshot(page, '4-scan-problems');
    await screenshot(page, 'readme-scan', await clipOf(page, ['.part.panel']));
    for (const f of unopened) {
      const row = rows.find((r) => r.includes(f.message) && r.includes(`[Ln ${f.line}, Col ${f.column}]`));
      assert.ok(row, `no Problems row for ${f.file}:${f.line}:${f.column} ${f.message}; rows: ${JSON.stringify(rows)}`);
      assert.ok(row.includes('image-pin') && row.includes(f.rule), row);
    }
    assert.equal(rows.length, unopened.length, JSON.stringify(rows));
    const files = (await readProblems(page)).filter((r) => !/\[Ln \d+/.test(r)).join('\n');
    for (const name of ['values.yaml', 'kustomization.yaml', 'docker-compose.yaml']) assert.ok(files.includes(name), `no file row ${name} in ${files}`);

    // VS Code shows window progress only once an operation has run for a moment, and the scan of this
    // small workspace may finish before that: whether it shows is the workbench's timing, not ours. What
    // the progress says is asserted over LSP (test/lsp/workspace.test.ts); here, whatever did show.
    const seen = await progress.seen();
    t.diagnostic(seen.length ? `progress shown: ${seen.map((text) => JSON.stringify(text)).join(', ')}` : 'the scan ended before VS Code showed its progress');
    assert.ok(!seen.some((text) => text.includes(fixture.workspace)), `progress shows the absolute folder path: ${JSON.stringify(seen)}`);
    const summary = await waitFor(page, `${selectors.notification}:has-text("findings in")`, { step: 'scan-summary' });
    const fileCount = new Set(unopened.map((f) => f.file)).size;
    const errors = unopened.filter((f) => f.severity === 'error').length;
    assert.match(await summary.innerText(), new RegExp(`Image Pin: ${unopened.length} findings in ${fileCount} files \\(${errors} errors\\)`));
    assert.equal(await summary.locator('.monaco-button:has-text("Show Problems")').count(), 1, 'a Show Problems button');
    await waitUntil(page, { step: 'scan-progress-gone', describe: () => page.locator('.part.statusbar').innerText() }, async () =>
      !/scanning the workspace/i.test(await page.locator('.part.statusbar').innerText()),
    );
  });

  test('5. Pin All Images in File pins every reference of the file; saved, the rest of the file is unchanged', { timeout: STEP_TIMEOUT_MS }, async () => {
    const h = fixture.host;
    const d = fixture.digests;
    await openFile(page, COMPOSE);
    await waitFor(page, selectors.squiggleError, { step: 'compose-squiggles', timeoutMs: 30_000 });
    await runCommand(page, 'Image Pin: Pin All Images in File');
    const expectedText = fixture.files[COMPOSE]
      .replace(`${h}/app:latest\n`, `${h}/app:latest@${d['app:latest']}\n`)
      .replace(`'${h}/multi:1.0'`, `'${h}/multi:1.0@${d['multi:1.0']}'`)
      .replace(`${h}/legacy-multi:stable #`, `${h}/legacy-multi:stable@${d['legacy-multi:stable']} #`)
      // No tag: pinned as the `latest` it resolved.
      .replace(`${h}/library/busybox\n`, `${h}/library/busybox:latest@${d['library/busybox:latest']}\n`);
    assert.equal(expectedText.split('@sha256:').length - 1, 4);
    await editorTextWhere(page, { step: 'pin-all-applied', timeoutMs: 30_000 }, (text) => text.split('@sha256:').length - 1 === 4);
    const summary = await waitFor(page, `${selectors.notification}:has-text("pinned 4 references in 1 file")`, { step: 'pin-all-summary' });
    for (const button of ['Show Output', 'Save All']) assert.equal(await summary.locator(`.monaco-button:has-text("${button}")`).count(), 1, button);
    await saveAndExpect(page, fixture, COMPOSE, expectedText, 'pin-all');
    await waitUntil(page, { step: 'pin-all-squiggles-gone' }, async () => (await page.locator(selectors.squiggleError).count()) === 0);
    await screenshot(page, '5-pin-all');
  });

  test('6. Pin All Images in Workspace: the refactor preview, ticked and applied; no tab per file; Save All; the CLI then finds nothing', { timeout: STEP_TIMEOUT_MS }, async () => {
    const tabsBefore = await page.locator('.tabs-container .tab').evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-resource-name')));
    await runCommand(page, 'Image Pin: Pin All Images in Workspace');
    const fileRows = `${selectors.previewPanel} .monaco-list-row[aria-level="1"]`;
    await waitUntil(page, { step: 'preview-rows', timeoutMs: 60_000, describe: () => page.locator(selectors.previewPanel).innerText().catch(() => '(no preview)') }, async () =>
      (await page.locator(fileRows).count()) === 2,
    );
    const listed = await page.locator(fileRows).allInnerTexts();
    assert.ok(listed.some((r) => r.includes('values.yaml')) && listed.some((r) => r.includes('kustomization.yaml')), JSON.stringify(listed));
    await screenshot(page, '6-preview');
    await screenshot(page, 'readme-preview', await clipOf(page, ['.part.panel']));
    // Each file's change needs the reviewer's tick; then Apply.
    for (let i = 0; i < 2; i++) await page.locator(fileRows).nth(i).locator('.edit-checkbox').click();
    await page.locator(`${selectors.previewPanel} .monaco-button:has-text("Apply")`).click();

    const summary = await waitFor(page, `${selectors.notification}:has-text("pinned 2 references in 2 files")`, { step: 'workspace-summary', timeoutMs: 60_000 });
    for (const button of ['Show Output', 'Save All']) assert.equal(await summary.locator(`.monaco-button:has-text("${button}")`).count(), 1, button);
    const tabsAfter = await page.locator('.tabs-container .tab').evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-resource-name')));
    assert.deepEqual(tabsAfter, tabsBefore, 'no tab was opened for the changed files');
    await screenshot(page, '6-summary');

    await summary.locator('.monaco-button:has-text("Save All")').click();
    await waitUntil(page, { step: 'workspace-saved', describe: () => readWorkspaceFile(fixture, VALUES) + readWorkspaceFile(fixture, OVERLAY) }, async () =>
      readWorkspaceFile(fixture, VALUES).includes(fixture.digests['org/team/app:main'] ?? '@sha256:') && readWorkspaceFile(fixture, OVERLAY).includes('digest: sha256:'),
    );
    // The CLI is the oracle: nothing left to pin.
    const after = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'image-pin.js'), 'check', '--format', 'json', '.'], {
      cwd: fixture.workspace,
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: path.join(fixture.root, 'cli-cache') },
    });
    assert.deepEqual((JSON.parse(after.stdout) as { findings: CliFinding[] }).findings, []);
    assert.equal(after.status, 0);
  });
  test('7. the walkthrough: from policy to CI, each step with its page', { timeout: STEP_TIMEOUT_MS }, async () => {
    await runCommand(page, 'Welcome: Open Walkthrough...', { opensPicker: true });
    const row = await waitFor(page, `${selectors.quickInputRow}:has-text("Get started with Image Pin")`, { step: 'walkthrough-row' });
    await row.click();
    const walkthrough = await waitFor(page, '.gettingStartedContainer:has-text("Get started with Image Pin")', { step: 'walkthrough-open' });
    const text = await walkthrough.innerText();
    for (const step of ['Why pin images', 'Open a manifest', 'Pin one reference', 'Configure a mirror', 'Scan the workspace', 'Keep it pinned in CI']) {
      assert.ok(text.includes(step), `step "${step}" missing: ${text}`);
    }
    await page.locator('.gettingStartedContainer button:has-text("Configure a mirror")').first().click();
    // The step's page is the packaged walkthrough/mirror.md, rendered in a webview.
    await waitUntil(page, { step: 'walkthrough-media' }, async () => {
      for (const frame of page.frames()) {
        const body = await frame.locator('body').innerText({ timeout: 1000 }).catch(() => '');
        if (body.includes('"imagePin.registries"') && body.includes('under the Remote tab')) return true;
      }
      return false;
    });
    await screenshot(page, '7-walkthrough');
    await page.keyboard.press('Control+W');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
