/**
 * What the server, the VS Code client and the extension manifest must agree on: command ids and
 * notification names, the settings and their defaults (equal to the core's, so an untouched setting
 * changes nothing), machine-scoped registry settings, and both transports of the server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IPCMessageReader, IPCMessageWriter, createProtocolConnection, InitializeResult } from 'vscode-languageserver-protocol/node';
import { DEFAULT_FLOATING_TAGS, DEFAULT_INCLUDE, RULE_IDS, defaultConfig } from '../../server/src/core/config';
import * as serverProtocol from '../../server/src/lsp/protocol';
import { REPO_ROOT } from '../helpers/paths';
import { SERVER_MAIN, TestClient } from './lspClient';

interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    commands: Array<{ command: string; title: string; category: string }>;
    configuration: { properties: Record<string, { default?: unknown; scope?: string; description?: string; markdownDescription?: string; properties?: Record<string, unknown> }> };
    yamlValidation: Array<{ fileMatch: string; url: string }>;
    menus: Record<string, Array<{ command: string }>>;
    views: Record<string, Array<{ id: string; name: string }>>;
  };
  capabilities: { untrustedWorkspaces: { supported: string; description: string; restrictedConfigurations: string[] } };
  engines: { vscode: string };
  devDependencies: Record<string, string>;
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

describe('client, server and manifest agree', () => {
  it('every command is contributed with the "Image Pin" category, and activates the extension', () => {
    const ids: string[] = [...Object.values(serverProtocol.COMMANDS), ...Object.values(serverProtocol.CLIENT_COMMANDS)].sort();
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), ids);
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'Image Pin', c.command);
    for (const id of ids) assert.ok(manifest.activationEvents.includes(`onCommand:${id}`), id);
    for (const lang of ['yaml', 'dockercompose', 'helm']) assert.ok(manifest.activationEvents.includes(`onLanguage:${lang}`), lang);
    for (const entries of Object.values(manifest.contributes.menus)) for (const e of entries) assert.ok(ids.includes(e.command), e.command);
  });

  it('menu entries depend on the active file, not on keyboard focus, so they do not come and go', () => {
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const e of entries as Array<{ command: string; when?: string }>) {
        assert.ok(!/\beditor(LangId|TextFocus|Focus)\b/.test(e.when ?? ''), `${menu} ${e.command}: ${e.when}`);
      }
    }
    const file = (manifest.contributes.menus.commandPalette as Array<{ command: string; when?: string }>).find((e) => e.command === 'imagePin.pinAllInFile');
    assert.equal(file?.when, 'resourceLangId =~ /^(yaml|dockercompose|helm)$/');
  });

  it('the Environments view is contributed to the Explorer under the shared id, and activates the extension', () => {
    const shared = require('../../shared/src/protocol') as typeof import('../../shared/src/protocol');
    assert.deepEqual(manifest.contributes.views.explorer.map((v) => [v.id, v.name]), [[shared.ENVIRONMENTS_VIEW, 'Image Pin: Environments']]);
    assert.ok(manifest.activationEvents.includes(`onView:${shared.ENVIRONMENTS_VIEW}`));
    assert.equal(serverProtocol.ENVIRONMENTS_REQUEST, shared.ENVIRONMENTS_REQUEST);
    assert.equal(serverProtocol.DID_CHANGE_ENVIRONMENTS, shared.DID_CHANGE_ENVIRONMENTS);
  });

  it('setting defaults are the core defaults, so an untouched setting never overrides anything', () => {
    const p = manifest.contributes.configuration.properties;
    const core = defaultConfig('/');
    assert.deepEqual(p['imagePin.floatingTags'].default, [...DEFAULT_FLOATING_TAGS]);
    assert.deepEqual(p['imagePin.include'].default, [...DEFAULT_INCLUDE]);
    assert.deepEqual(p['imagePin.exclude'].default, core.exclude);
    assert.deepEqual(p['imagePin.imageKeys'].default, core.imageKeys);
    assert.equal(p['imagePin.pinStyle'].default, core.pinStyle);
    assert.equal(p['imagePin.verifyDigests'].default, core.verifyDigests);
    assert.deepEqual(p['imagePin.severity'].default, {});
    assert.deepEqual(Object.keys(p['imagePin.severity'].properties!).sort(), [...RULE_IDS].sort());
    for (const [key, value] of Object.entries(p)) assert.ok(value.description || value.markdownDescription, `${key} has a description`);
  });

  it('registries, CA files and the docker config are machine settings, restricted in untrusted workspaces', () => {
    const p = manifest.contributes.configuration.properties;
    for (const key of ['imagePin.registries', 'imagePin.caCertificates', 'imagePin.dockerConfigPath']) {
      assert.equal(p[key].scope, 'machine', key);
      assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key), key);
    }
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.match(manifest.capabilities.untrustedWorkspaces.description, /no request/);
  });

  it('the config schema is contributed for .image-pin.yaml, and the VS Code engine matches @types/vscode', () => {
    for (const v of manifest.contributes.yamlValidation) assert.ok(fs.existsSync(path.join(REPO_ROOT, v.url)), v.url);
    assert.deepEqual(manifest.contributes.yamlValidation.map((v) => v.fileMatch).sort(), ['.image-pin.yaml', '.image-pin.yml']);
    assert.equal(manifest.engines.vscode.replace(/^\^/, ''), manifest.devDependencies['@types/vscode']);
    assert.ok(fs.existsSync(path.join(REPO_ROOT, manifest.main)), `${manifest.main} is built`);
  });
});

describe('transports', () => {
  it('--stdio: the server advertises its features and every command', async () => {
    const client = await TestClient.start();
    try {
      const caps = client.initializeResult.capabilities;
      assert.deepEqual(caps.executeCommandProvider?.commands, Object.values(serverProtocol.COMMANDS));
      assert.deepEqual(caps.codeActionProvider, { codeActionKinds: ['quickfix', serverProtocol.FIX_ALL_KIND], resolveProvider: true });
      assert.equal(caps.hoverProvider, true);
      assert.equal(client.initializeResult.serverInfo?.name, 'image-pin-language-server');
    } finally {
      await client.stop();
    }
  });

  it('--node-ipc: the same server over a Node IPC channel (how VS Code runs it)', async () => {
    const child = fork(SERVER_MAIN, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.listen();
    try {
      const result = (await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as InitializeResult;
      assert.equal(result.serverInfo?.name, 'image-pin-language-server');
      await connection.sendNotification('initialized', {});
      await connection.sendRequest('shutdown');
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      await connection.sendNotification('exit');
      assert.equal(await exited, 0);
    } finally {
      connection.dispose();
      if (child.exitCode === null) child.kill();
    }
  });
});
