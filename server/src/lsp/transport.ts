/**
 * The transport named on the command line, as vscode-languageserver reads it (`--stdio`,
 * `--node-ipc`, `--socket=PORT` or `--socket PORT`, `--pipe=NAME` or `--pipe NAME`).
 */
import {
  IPCMessageReader,
  IPCMessageWriter,
  MessageReader,
  MessageWriter,
  StreamMessageWriter,
  createServerPipeTransport,
  createServerSocketTransport,
} from 'vscode-languageserver/node';
import { FramedMessageReader } from './framing';

export interface Transport {
  reader: MessageReader;
  writer: MessageWriter;
  /** For a stream transport: calls back once its input has ended. */
  onInputClosed?: (listener: () => void) => void;
}

export function openTransport(argv: string[]): Transport {
  for (let i = 0; i < argv.length; i++) {
    const [flag, value = argv[i + 1]] = argv[i].split('=', 2);
    switch (flag) {
      case '--stdio':
        return stdio();
      case '--node-ipc':
        return { reader: new IPCMessageReader(process), writer: new IPCMessageWriter(process) };
      case '--socket': {
        const port = Number(value);
        if (!Number.isInteger(port) || port <= 0) break;
        const [reader, writer] = createServerSocketTransport(port);
        return { reader, writer };
      }
      case '--pipe': {
        if (!value) break;
        const [reader, writer] = createServerPipeTransport(value);
        return { reader, writer };
      }
    }
  }
  throw new Error('image-pin-language-server: name a transport: --stdio, --node-ipc, --socket=PORT or --pipe=NAME');
}

function stdio(): Transport {
  // stdout carries the protocol: anything a library prints goes to stderr instead.
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = console.info = console.debug = console.warn = toStderr;
  return {
    reader: new FramedMessageReader(process.stdin),
    writer: new StreamMessageWriter(process.stdout),
    onInputClosed: (listener) => {
      process.stdin.once('end', listener);
      process.stdin.once('close', listener);
    },
  };
}
