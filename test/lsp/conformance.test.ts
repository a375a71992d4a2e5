/**
 * The LSP lifecycle and the base protocol's framing, with raw bytes over stdio to the built server:
 * requests before `initialize` and after `shutdown` get the errors the specification names, and a
 * message with a malformed header costs only itself, never the request after it.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from 'vscode-languageserver-protocol';
import { RawServer } from './lspClient';

const HOVER = { textDocument: { uri: 'file:///nowhere/deploy.yaml' }, position: { line: 0, character: 0 } };

describe('LSP lifecycle', () => {
  let server: RawServer | undefined;
  afterEach(() => server?.kill());

  it('a request before initialize gets ServerNotInitialized, a notification is dropped, and initialize still works', async () => {
    server = RawServer.start();
    server.notify('textDocument/didOpen', { textDocument: { uri: 'file:///ws/early.yaml', languageId: 'yaml', version: 1, text: 'image: nginx:latest\n' } });
    server.request(7, 'textDocument/hover', HOVER);
    const early = await server.response(7);
    assert.equal(early.error?.code, ErrorCodes.ServerNotInitialized, JSON.stringify(early));
    assert.match(early.error!.message, /not initialized/);

    const init = await server.initialize(8);
    assert.equal((init.result as { serverInfo?: { name: string } }).serverInfo?.name, 'image-pin-language-server');
    server.notify('initialized');
    // The document opened before initialize was not taken: the server knows nothing of it.
    server.request(9, 'textDocument/hover', { ...HOVER, textDocument: { uri: 'file:///ws/early.yaml' }, position: { line: 0, character: 9 } });
    assert.deepEqual((await server.response(9)).result, null);
    assert.equal(server.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics').length, 0);
  });

  it('a second initialize is refused with InvalidRequest', async () => {
    server = RawServer.start();
    await server.initialize(1);
    const again = await server.initialize(2);
    assert.equal(again.error?.code, ErrorCodes.InvalidRequest, JSON.stringify(again));
  });

  it('after shutdown a request gets InvalidRequest, and exit ends the process with 0', async () => {
    server = RawServer.start();
    await server.initialize(1);
    server.notify('initialized');
    server.request(2, 'shutdown', null);
    assert.deepEqual((await server.response(2)).result, null);
    server.request(3, 'textDocument/hover', HOVER);
    const late = await server.response(3);
    assert.equal(late.error?.code, ErrorCodes.InvalidRequest, JSON.stringify(late));
    assert.match(late.error!.message, /shut down/);
    server.notify('exit');
    assert.equal(await server.exited, 0);
  });

  it('exit without shutdown ends the process with 1', async () => {
    server = RawServer.start();
    await server.initialize(1);
    server.notify('exit');
    assert.equal(await server.exited, 1);
  });
});

describe('LSP framing: a malformed header does not swallow the next request', () => {
  let server: RawServer | undefined;
  afterEach(() => server?.kill());

  const badRequest = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: HOVER });
  const cases: Array<[string, (body: string) => string, RegExp]> = [
    ['Content-Length is not a number', (body) => `Content-Length: twelve\r\n\r\n${body}`, /not a decimal number/],
    ['Content-Length has trailing junk', (body) => `Content-Length: ${body.length}abc\r\n\r\n${body}`, /not a decimal number/],
    ['Content-Length is negative', (body) => `Content-Length: -${body.length}\r\n\r\n${body}`, /not a decimal number/],
    ['Content-Length is missing', (body) => `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${body}`, /no Content-Length/],
    ['the header line has no colon', (body) => `Content-Length ${body.length}\r\n\r\n${body}`, /not "Name: value"/],
    ['Content-Length is shorter than the body', (body) => `Content-Length: ${body.length - 10}\r\n\r\n${body}`, /not JSON/],
    ['Content-Length is longer than the body', (body) => `Content-Length: ${body.length + 500}\r\n\r\n${body}`, /longer than its body/],
    ['Content-Length is beyond any message', () => `Content-Length: 99999999999999\r\n\r\n{}`, /over the limit/],
  ];

  for (const [name, malformed, reported] of cases) {
    it(`${name}: the bad message is reported on stderr and the next request is answered`, async () => {
      server = RawServer.start();
      await server.initialize(1);
      server.notify('initialized');
      // The bad message and the good one arrive in one write, as a pipe may deliver them.
      server.write(Buffer.concat([Buffer.from(malformed(badRequest(2)), 'utf8'), RawServer.frame({ jsonrpc: '2.0', id: 3, method: 'textDocument/hover', params: HOVER })]));
      const next = await server.response(3);
      assert.deepEqual([next.error, next.result], [undefined, null], JSON.stringify(next));
      await server.waitFor('the bad message on stderr', () => reported.test(server!.stderr));
      assert.match(server.stderr, /ignored a message that cannot be read/);
      // Still in step: a request sent on its own afterwards is answered too.
      server.request(4, 'shutdown', null);
      assert.deepEqual((await server.response(4)).result, null);
      assert.equal(server.responses.has(2), false, 'the malformed request itself is not answered');
    });
  }

  it('a message split into single bytes is read whole', async () => {
    server = RawServer.start();
    const bytes = RawServer.frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
    for (const byte of bytes) server.write(Buffer.from([byte]));
    assert.ok((await server.response(1)).result);
  });
});
