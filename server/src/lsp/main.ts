#!/usr/bin/env node
/**
 * `image-pin-language-server --stdio` (or `--node-ipc`, `--socket=PORT`, `--pipe=NAME`).
 * The transport is chosen here rather than by vscode-languageserver so that every message passes
 * the lifecycle gate, and `--stdio` reads with a framing that survives a malformed header.
 */
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { LifecycleGate } from './lifecycle';
import { startServer } from './server';
import { openTransport } from './transport';

const transport = openTransport(process.argv.slice(2));
const gate = new LifecycleGate(transport.reader, transport.writer);
// The input closing means the client is gone: exit as after `exit` (0 only after a shutdown).
transport.onInputClosed?.(() => process.exit(gate.shutdownReceived ? 0 : 1));
gate.onError((err) => process.stderr.write(`image-pin-language-server: ${err.message}\n`));
startServer(createConnection(ProposedFeatures.all, gate, transport.writer));
