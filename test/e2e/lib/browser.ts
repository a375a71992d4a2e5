import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { artifactsDir, e2eInstall } from './install';

/** Selectors checked against code-server 4.139.1 (VS Code 1.139). */
export const selectors = {
  workbench: '.monaco-workbench',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRow: '.quick-input-widget .quick-input-list .monaco-list-row',
  tab: (fileName: string) => `.tabs-container .tab[data-resource-name="${fileName}"]`,
  editorText: '.editor-instance .monaco-editor .view-lines',
  squiggleWarning: '.monaco-editor .squiggly-warning',
  squiggleError: '.monaco-editor .squiggly-error',
  problemsPanel: '.markers-panel',
  problemsRow: '.markers-panel .monaco-list-row',
  notification: '.notifications-toasts .notification-toast',
  statusItem: '.part.statusbar .statusbar-item',
  previewPanel: '.bulk-edit-panel',
} as const;

const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Everything but loopback fails at name resolution, so nothing leaves the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

const WORKBENCH_TIMEOUT_MS = 60_000;

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Browser console messages so far, as `[type] text`. */
  console: string[];
  close(): Promise<void>;
}

export interface OpenWorkbenchOptions {
  /** Extra query parameters after `folder=`, e.g. `payload`. */
  query?: Record<string, string>;
  /** Runs after the page exists and before it navigates (exposeFunction and the like). */
  beforeLoad?: (page: Page) => Promise<void>;
  /** Wait for `.monaco-workbench` (default true). */
  waitForWorkbench?: boolean;
}

/** Launches Debian's Chromium (fresh profile) and opens `folder` in the workbench served at `serverUrl`. */
export async function openWorkbench(serverUrl: string, folder: string, options: OpenWorkbenchOptions = {}): Promise<Workbench> {
  // Chromium keeps crash-report settings and a dconf cache under ~/.config and ~/.cache even with a
  // fresh profile; a temp home for those keeps the machine clean.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-chromium-'));
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') };
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: e2eInstall().chromium, headless: true, args: BROWSER_ARGS, env });
  } catch (error) {
    fs.rmSync(home, { recursive: true, force: true });
    throw error;
  }
  const close = async () => {
    await browser.close();
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
    await options.beforeLoad?.(page);
    const query = new URLSearchParams({ folder, ...options.query });
    await page.goto(`${serverUrl}/?${query.toString()}`);
    if (options.waitForWorkbench ?? true) {
      await waitFor(page, selectors.workbench, { timeoutMs: WORKBENCH_TIMEOUT_MS, step: 'workbench-load' });
    }
    return { browser, page, console: consoleLines, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A rectangle of the page, in CSS pixels. */
export interface Clip {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Saves a screenshot of the page (or of `clip`) as test-artifacts/e2e/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string, clip?: Clip): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, clip });
  return file;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** What the wait is for; names the screenshot taken on time-out. */
  step: string;
}

/**
 * Waits until `selector` is visible and returns its first match. On time-out it takes a screenshot
 * and throws with the screenshot's path, so a failing run shows what the editor looked like.
 */
export async function waitFor(page: Page, selector: string, options: WaitOptions): Promise<Locator> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const target = page.locator(selector).first();
  try {
    await target.waitFor({ state: 'visible', timeout: timeoutMs });
    return target;
  } catch (error) {
    const shot = await screenshot(page, `timeout-${options.step}`).catch((e: Error) => `(screenshot failed: ${e.message})`);
    throw new Error(
      `${options.step}: "${selector}" not visible within ${timeoutMs} ms. Screenshot: ${shot}\n${(error as Error).message}`,
    );
  }
}

/**
 * Where the first element matching `selector` is drawn, once it is. An element found a moment ago
 * can be gone the next: the editor redraws its decorations (squiggles) each time diagnostics are
 * published again, so the box is asked for until one is there.
 */
export async function boxOf(page: Page, selector: string, options: WaitOptions): Promise<{ x: number; y: number; width: number; height: number }> {
  return waitUntil(page, { ...options, describe: () => `no visible ${selector}` }, () =>
    page.locator(selector).first().boundingBox().then((box) => box ?? undefined, () => undefined),
  );
}

/** Runs a command by its palette title (F1, type, pick the row whose label is exactly `title`). */
export async function runCommand(page: Page, title: string, options: { opensPicker?: boolean } = {}): Promise<void> {
  await page.keyboard.press('F1');
  const input = await waitFor(page, selectors.quickInputBox, { step: `palette-for-${title}` });
  await input.fill(`>${title}`);
  const row = page
    .locator(selectors.quickInputRow)
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
    .first();
  try {
    await row.waitFor({ state: 'visible', timeout: 10_000 });
  } catch {
    const shot = await screenshot(page, `command-not-found-${title}`);
    throw new Error(`command "${title}" is not in the command palette. Screenshot: ${shot}`);
  }
  await row.click();
  // A command that asks for a choice keeps the quick input open with its own list.
  if (options.opensPicker) return;
  await page.locator(selectors.quickInput).waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Opens a workspace file via Quick Open (Ctrl+P) and waits until its editor shows text. */
export async function openFile(page: Page, relativePath: string): Promise<Locator> {
  const fileName = path.posix.basename(relativePath);
  await page.keyboard.press('Control+P');
  const input = await waitFor(page, selectors.quickInputBox, { step: `quick-open-${fileName}` });
  await input.fill(relativePath);
  await waitFor(page, `${selectors.quickInputRow}[aria-label*="${fileName}"]`, { step: `quick-open-result-${fileName}` });
  await page.keyboard.press('Enter');
  await waitFor(page, `${selectors.tab(fileName)}.active`, { step: `tab-${fileName}` });
  return waitFor(page, selectors.editorText, { step: `editor-${fileName}` });
}

/**
 * Opens the Problems panel (Ctrl+Shift+M, which toggles, so only when it is not showing) and returns
 * the text of each row: file rows and marker rows, whose text holds message, source, code and `[Ln, Col]`.
 */
export async function readProblems(page: Page): Promise<string[]> {
  if (!(await page.locator(selectors.problemsPanel).isVisible())) {
    await page.keyboard.press('Control+Shift+M');
    await waitFor(page, selectors.problemsPanel, { step: 'problems-panel' });
  }
  return page.locator(selectors.problemsRow).evaluateAll((rows) => rows.map((row) => (row as unknown as { innerText: string }).innerText));
}

/** The marker rows of the Problems panel (file rows hold no `[Ln …]`), opening the panel if needed. */
export async function problemRows(page: Page): Promise<string[]> {
  return (await readProblems(page)).filter((row) => /\[Ln \d+, Col \d+\]/.test(row));
}

/** Waits until the Problems panel's marker rows satisfy `check` (diagnostics published and shown) and returns them. */
export function problemRowsWhere(page: Page, options: WaitOptions, check: (rows: string[]) => boolean): Promise<string[]> {
  return waitUntil(page, { ...options, describe: () => problemRows(page).then((rows) => JSON.stringify(rows)) }, async () => {
    const rows = await problemRows(page);
    return check(rows) ? rows : undefined;
  });
}

/** Waits until a marker row of the Problems panel matches and returns it. */
export function problemRowWhere(page: Page, options: WaitOptions, match: (row: string) => boolean): Promise<string> {
  return waitUntil(page, { ...options, describe: () => problemRows(page).then((rows) => JSON.stringify(rows)) }, async () =>
    (await problemRows(page)).find(match),
  );
}

/** The text of the active editor's visible lines, with the non-breaking spaces Monaco renders as spaces. */
export async function editorText(page: Page): Promise<string> {
  return (await page.locator(selectors.editorText).innerText()).replace(/\u00a0/g, ' ');
}

/** Waits until the active editor's visible text satisfies `check` (an edit applied) and returns it. */
export function editorTextWhere(page: Page, options: WaitOptions, check: (text: string) => boolean): Promise<string> {
  return waitUntil(page, { ...options, describe: () => editorText(page) }, async () => {
    const text = await editorText(page);
    return check(text) ? text : undefined;
  });
}

/** Waits until the editor's hover is showing and holds `text` (the provider has answered), and returns the hover's text. */
export async function hoverShowing(page: Page, text: string, options: WaitOptions): Promise<string> {
  const hover = await waitFor(page, `.monaco-editor .monaco-hover:not(.hidden):has-text(${JSON.stringify(text)})`, options);
  return hover.innerText();
}

const QUICK_FIX_ROW = '.action-widget:not(.action-list-submenu-panel) .monaco-list-row.focused';

/**
 * Opens the code action menu at the cursor (Escape, then Ctrl+.) until its focused, first row
 * satisfies `check`, and returns that row's text with the menu left open. VS Code answers a
 * request it had to cancel (the document or the set of providers changed meanwhile) with an empty
 * menu, and a hover that opens late can take the key; a person presses Ctrl+. again, and so does
 * this, until the deadline. Keep the mouse off the reference, or its hover keeps coming back.
 */
export async function quickFixMenuWhere(page: Page, options: WaitOptions, check: (firstRow: string) => boolean): Promise<string> {
  let seen = '(no menu)';
  return waitUntil(page, { ...options, describe: () => seen }, async () => {
    // Closes whatever is open over the cursor (a hover, a menu from the last try) first.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+.');
    const row = page.locator(QUICK_FIX_ROW).first();
    const menu = page.locator('.action-widget, .monaco-editor .message-overlay, .monaco-editor .monaco-editor-overlaymessage').first();
    // The menu, or VS Code's "No code actions available" message: whichever the answer is.
    await menu.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
    seen = (await row.isVisible()) ? await row.innerText() : '(no code action offered)';
    return (await row.isVisible()) && check(seen) ? seen : undefined;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Polls `check` until it returns something other than undefined/false and returns that. On time-out
 * it takes a screenshot and throws with its path and `describe()` (what was seen instead), like waitFor.
 */
export async function waitUntil<T>(
  page: Page,
  options: WaitOptions & { describe?: () => string | Promise<string> },
  check: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const shot = await screenshot(page, `timeout-${options.step}`).catch((e: Error) => `(screenshot failed: ${e.message})`);
  const seen = options.describe ? `\nSeen instead: ${await options.describe()}` : '';
  throw new Error(`${options.step}: not done within ${timeoutMs} ms. Screenshot: ${shot}${seen}`);
}

/**
 * Starts recording every distinct text that matches `pattern` inside the elements matching `scope`
 * (status bar, notification toasts…), on every DOM change, so that something that shows for a moment
 * is still seen. Call `seen()` for what was recorded so far.
 */
export async function recordTexts(page: Page, scope: string, pattern: RegExp): Promise<{ seen(): Promise<string[]> }> {
  const key = `__imagePinRecorded${Math.random().toString(36).slice(2)}`;
  // A string, because this project compiles without the DOM library.
  await page.evaluate(`(() => {
    const found = new Set();
    const regex = new RegExp(${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)});
    const look = () => {
      for (const element of document.querySelectorAll(${JSON.stringify(scope)})) {
        if (regex.test(element.innerText)) found.add(element.innerText);
      }
    };
    window[${JSON.stringify(key)}] = found;
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    look();
  })()`);
  return { seen: () => page.evaluate(`[...window[${JSON.stringify(key)}]]`) as Promise<string[]> };
}
