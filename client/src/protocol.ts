/**
 * Names shared with the language server (server/src/lsp/protocol.ts, which is the source of
 * truth; a protocol test keeps the two equal). The client project cannot import server code.
 */

export const COMMANDS = {
  scanWorkspace: 'imagePin.scanWorkspace',
  pinAllInFile: 'imagePin.pinAllInFile',
  pinAtCursor: 'imagePin.pinAtCursor',
  pinAllInWorkspace: 'imagePin.pinAllInWorkspace',
  clearCache: 'imagePin.clearCache',
} as const;

/** Commands of the extension alone (not sent to the server). */
export const CLIENT_COMMANDS = {
  showOutput: 'imagePin.showOutput',
} as const;

export const DID_CHANGE_ENVIRONMENT = 'imagePin/didChangeEnvironment';

export const SOURCE = 'image-pin';

/** See server/src/lsp/protocol.ts. */
export interface Environment {
  workspaceTrusted?: boolean;
  proxy?: { url?: string; strictSSL?: boolean; noProxy?: string[] };
  registries?: Record<string, { mirror?: string; insecure?: boolean; ca?: string }>;
  caCertificates?: string[];
  dockerConfigPath?: string;
}
