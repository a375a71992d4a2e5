#!/usr/bin/env node
/**
 * `image-pin-language-server --stdio` (or `--node-ipc`, `--socket=PORT`): the transport is chosen
 * from the command line by vscode-languageserver.
 */
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
