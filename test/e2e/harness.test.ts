// Proves the real-editor harness (test/e2e/lib) with a throwaway extension generated per run:
// it installs as a .vsix into code-server, reports a diagnostic on YAML files and contributes a command;
// a mocha suite for it runs inside code-server's extension host. Needs `bash scripts/install-e2e.sh`.
import { execFileSync, spawn } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openFile, openWorkbench, problemRowWhere, runCommand, screenshot, selectors, waitFor } from './lib/browser';
import { startCodeServer } from './lib/codeServer';
import { runExtensionTests } from './lib/extensionHost';
import { e2eInstall, repoRoot } from './lib/install';

const COMMAND_TITLE = 'Throwaway: Count Floating Tags';
const DEPLOY_YAML = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: nginx:latest',
  '',
].join('\n');

/** The Problems panel's position of the first floating tag, computed from the fixture: 1-based `[Ln, Col]`. */
function expectedPosition(): string {
  const lines = DEPLOY_YAML.split('\n');
  const line = lines.findIndex((text) => text.includes(':latest'));
  return `[Ln ${line + 1}, Col ${lines[line].indexOf(':latest') + 2}]`;
}

const EXTENSION_JS = `
const vscode = require('vscode');

exports.activate = (context) => {
  const diagnostics = vscode.languages.createDiagnosticCollection('throwaway');
  const floatingTags = (document) => {
    const found = [];
    for (let line = 0; line < document.lineCount; line++) {
      const column = document.lineAt(line).text.indexOf(':latest');
      if (column >= 0) {
        const range = new vscode.Range(line, column + 1, line, column + 7);
        const diagnostic = new vscode.Diagnostic(range, 'Image tag "latest" floats', vscode.DiagnosticSeverity.Warning);
        diagnostic.source = 'throwaway';
        diagnostic.code = 'floating-tag';
        found.push(diagnostic);
      }
    }
    return found;
  };
  const check = (document) => {
    if (document.languageId === 'yaml') diagnostics.set(document.uri, floatingTags(document));
  };
  context.subscriptions.push(
    diagnostics,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((event) => check(event.document)),
    vscode.commands.registerCommand('throwaway.countFloating', () => {
      const editor = vscode.window.activeTextEditor;
      const count = editor ? floatingTags(editor.document).length : 0;
      vscode.window.showInformationMessage('Throwaway found ' + count + ' floating tag(s)');
      return count;
    }),
  );
  vscode.workspace.textDocuments.forEach(check);
};
`;

/** A mocha entry point for the extension host; `files` are relative to the test folder. */
function testIndex(files: string[]): string {
  const mocha = path.join(repoRoot, 'node_modules', 'mocha');
  return `
const path = require('node:path');
const Mocha = require(${JSON.stringify(mocha)});

exports.run = () =>
  new Promise((resolve, reject) => {
    const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30000 });
    for (const file of ${JSON.stringify(files)}) mocha.addFile(path.join(__dirname, file));
    mocha.run((failures) => (failures > 0 ? reject(new Error(failures + ' test(s) failed')) : resolve()));
  });
`;
}

const SUITE_JS = `
const assert = require('node:assert/strict');
const vscode = require('vscode');

// Resolves once the file has diagnostics: checked now and on every change of diagnostics; fails
// after a deadline (under mocha's own timeout) saying what it waited for.
function diagnosticsFor(uri) {
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = vscode.languages.getDiagnostics(uri);
      if (found.length === 0) return false;
      subscription.dispose();
      clearTimeout(deadline);
      resolve(found);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics(look);
    const deadline = setTimeout(() => {
      subscription.dispose();
      reject(new Error('timed out after 25000 ms waiting for diagnostics of ' + uri.toString()));
    }, 25000);
    look();
  });
}

describe('throwaway extension in the extension host', () => {
  let uri;
  before(async () => {
    [uri] = await vscode.workspace.findFiles('**/deploy.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  });

  it('runs remotely, in code-server', () => {
    assert.ok(vscode.env.remoteName, 'vscode.env.remoteName is empty');
  });

  it('reports the floating tag as a warning', async () => {
    const [diagnostic, ...rest] = await diagnosticsFor(uri);
    assert.equal(rest.length, 0);
    assert.equal(diagnostic.code, 'floating-tag');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(vscode.window.activeTextEditor.document.getText(diagnostic.range), 'latest');
  });

  it('counts floating tags with its command', async () => {
    assert.equal(await vscode.commands.executeCommand('throwaway.countFloating'), 1);
  });
});
`;

// Fails for a real reason: the fixture has one floating tag, not two.
const FAILING_SUITE_JS = `
const assert = require('node:assert/strict');
const vscode = require('vscode');

describe('a suite that must fail', () => {
  it('expects two floating tags', async () => {
    const [uri] = await vscode.workspace.findFiles('**/deploy.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    assert.equal(await vscode.commands.executeCommand('throwaway.countFloating'), 2);
  });
});
`;

interface Fixture {
  root: string;
  extension: string;
  workspace: string;
}

function writeFixture(): Fixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-harness-'));
  const extension = path.join(root, 'extension');
  const workspace = path.join(root, 'workspace');
  fs.mkdirSync(path.join(extension, 'test'), { recursive: true });
  fs.mkdirSync(workspace);
  const manifest = {
    name: 'throwaway',
    displayName: 'Throwaway',
    publisher: 'image-pin-test',
    version: '0.0.1',
    license: 'MIT',
    engines: { vscode: '^1.100.0' },
    main: './extension.js',
    activationEvents: ['onLanguage:yaml'],
    contributes: { commands: [{ command: 'throwaway.countFloating', title: COMMAND_TITLE }] },
  };
  fs.writeFileSync(path.join(extension, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(extension, 'extension.js'), EXTENSION_JS);
  // Keeps the tests out of the .vsix.
  fs.writeFileSync(path.join(extension, '.vscodeignore'), 'test/**\n');
  fs.writeFileSync(path.join(extension, 'test', 'index.js'), testIndex(['suite.test.js']));
  fs.writeFileSync(path.join(extension, 'test', 'suite.test.js'), SUITE_JS);
  fs.writeFileSync(path.join(extension, 'test', 'failing-index.js'), testIndex(['failing.test.js']));
  fs.writeFileSync(path.join(extension, 'test', 'failing.test.js'), FAILING_SUITE_JS);
  fs.writeFileSync(path.join(workspace, 'deploy.yaml'), DEPLOY_YAML);
  return { root, extension, workspace };
}

/** Packages with the root's @vscode/vsce under the current (Node 20) runtime; works offline. */
function packageVsix(extension: string, outFile: string): void {
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(process.execPath, [vsce, 'package', '--allow-missing-repository', '--skip-license', '--out', outFile], {
    cwd: extension,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

test('without the install, the harness fails with the command that fixes it', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-no-e2e-'));
  try {
    assert.throws(() => e2eInstall(empty), /not installed .*\.e2e.*Run `bash scripts\/install-e2e\.sh`/s);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

describe('real-editor harness (code-server + Chromium)', () => {
  let fixture: Fixture;
  before(() => {
    fixture = writeFixture();
  });
  after(() => {
    fs.rmSync(fixture.root, { recursive: true, force: true });
  });

  test('a .vsix installs; its diagnostic shows as a squiggle and a Problems row; its command runs from the palette', { timeout: 240_000 }, async () => {
    const vsix = path.join(fixture.root, 'throwaway.vsix');
    packageVsix(fixture.extension, vsix);

    const server = await startCodeServer({ workspace: fixture.workspace, vsixPath: vsix });
    try {
      const installed = fs.readdirSync(server.extensionsDir);
      assert.ok(installed.some((name) => name.startsWith('image-pin-test.throwaway-0.0.1')), `extensions dir: ${installed.join(', ')}`);

      const { page, close } = await openWorkbench(server.url, fixture.workspace);
      try {
        const editor = await openFile(page, 'deploy.yaml');
        assert.match(await editor.innerText(), /image:\s+nginx:latest/);

        const squiggle = await waitFor(page, selectors.squiggleWarning, { step: 'squiggle', timeoutMs: 30_000 });
        assert.ok(await squiggle.isVisible());
        await screenshot(page, 'harness-squiggle');

        const row = await problemRowWhere(page, { step: 'harness-problem-row' }, (text) => text.includes('floats'));
        assert.match(row, /Image tag "latest" floats/);
        assert.match(row, /throwaway/);
        assert.match(row, /floating-tag/);
        assert.ok(row.includes(expectedPosition()), `row ${JSON.stringify(row)} lacks ${expectedPosition()}`);
        await screenshot(page, 'harness-problems');

        await runCommand(page, COMMAND_TITLE);
        const toast = await waitFor(page, `${selectors.notification}:has-text("Throwaway found")`, { step: 'command-toast' });
        assert.match(await toast.innerText(), /Throwaway found 1 floating tag\(s\)/);
        await screenshot(page, 'harness-command');
      } finally {
        await close();
      }
    } finally {
      await server.stop();
    }
    assert.equal(await healthy(server.url), false, 'code-server still answers after stop()');
    assert.equal(fs.existsSync(server.userDataDir), false, 'temp user-data dir left behind');
  });

  test('a passing extension-host mocha suite exits 0', { timeout: 240_000 }, async () => {
    const result = await runExtensionTests({
      extensionDevelopmentPath: fixture.extension,
      extensionTestsPath: path.join(fixture.extension, 'test', 'index.js'),
      workspace: fixture.workspace,
    });
    assert.equal(result.exitCode, 0, result.log.join('\n'));
    assert.ok(result.log.some((line) => line.includes('3 passing')), result.log.join('\n'));
  });

  test('a failing extension-host mocha suite exits non-zero', { timeout: 240_000 }, async () => {
    const result = await runExtensionTests({
      extensionDevelopmentPath: fixture.extension,
      extensionTestsPath: path.join(fixture.extension, 'test', 'failing-index.js'),
      workspace: fixture.workspace,
    });
    assert.notEqual(result.exitCode, 0, result.log.join('\n'));
    assert.ok(result.log.some((line) => line.includes('1 failing')), result.log.join('\n'));
  });

  test('code-server dies with a test process that is killed with SIGKILL', { timeout: 60_000 }, async () => {
    const codeServerModule = path.join(__dirname, 'lib', 'codeServer.js');
    const script =
      `require(${JSON.stringify(codeServerModule)}).startCodeServer({ workspace: ${JSON.stringify(fixture.workspace)} })` +
      '.then((s) => { console.log(JSON.stringify({ url: s.url, userDataDir: s.userDataDir })); setInterval(() => {}, 1000); });';
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ url: string; userDataDir: string }>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    assert.equal(await healthy(started.url), true);

    child.kill('SIGKILL');
    assert.ok(await eventually(async () => !(await healthy(started.url)), 15_000), 'code-server outlived its test process');
    assert.ok(await eventually(async () => !fs.existsSync(started.userDataDir), 10_000), 'temp folder outlived its test process');
  });
});
