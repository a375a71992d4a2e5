/**
 * What the Image Pin language server and its clients agree on beyond LSP itself: command ids,
 * the environment notification, initialization options and the settings section. The VS Code
 * client mirrors the names in client/src/protocol.ts (a test keeps the two equal).
 */
import type { PinStyle, SeveritySetting } from '../core/config';
import type { RuleId } from '../core/types';
import type { RegistryHostConfig } from '../registry';

export const COMMANDS = {
  scanWorkspace: 'imagePin.scanWorkspace',
  pinAllInFile: 'imagePin.pinAllInFile',
  pinAtCursor: 'imagePin.pinAtCursor',
  pinAllInWorkspace: 'imagePin.pinAllInWorkspace',
  clearCache: 'imagePin.clearCache',
} as const;

/** Client → server: trust, proxy or machine settings changed. Params: `Environment` (complete, not a delta). */
export const DID_CHANGE_ENVIRONMENT = 'imagePin/didChangeEnvironment';

/** The code action kind of "pin all images in this file", for `editor.codeActionsOnSave`. */
export const FIX_ALL_KIND = 'source.fixAll.imagePin';

/** The settings section pulled with `workspace/configuration`. */
export const SETTINGS_SECTION = 'imagePin';

/** The diagnostic source. */
export const SOURCE = 'image-pin';

/**
 * What only the user's own machine decides: whether registries may be contacted, how, and with
 * which credentials. Never read from a workspace (file or settings): a repository must not
 * redirect lookups or credentials.
 */
export interface Environment {
  /** False while the workspace is untrusted: no registry request, no credential helper. Absent: trusted (editors without trust). */
  workspaceTrusted?: boolean;
  /** VS Code's `http.proxy`, `http.proxyStrictSSL`, `http.noProxy`. */
  proxy?: { url?: string; strictSSL?: boolean; noProxy?: string[] };
  /** Per-registry mirror, insecure and CA settings (`imagePin.registries`, machine-scoped). */
  registries?: Record<string, RegistryHostConfig>;
  /** PEM files of extra CAs for every registry (`imagePin.caCertificates`). */
  caCertificates?: string[];
  /** Docker config file with registry credentials (`imagePin.dockerConfigPath`). */
  dockerConfigPath?: string;
}

export interface InitializationOptions extends Environment {
  /** Delay between a change and its validation, per document (default 150 ms; 0 for benchmarks). */
  debounceMs?: number;
  /** Settings for clients that cannot answer `workspace/configuration`. */
  settings?: unknown;
}

/** The `imagePin` settings section as the server reads it (after checking each value). */
export interface EditorSettings {
  floatingTags?: string[];
  severity?: Partial<Record<RuleId, SeveritySetting>>;
  pinStyle?: PinStyle;
  imageKeys?: string[];
  include?: string[];
  exclude?: string[];
  cacheTtlSeconds?: number;
  verifyDigests?: boolean;
}

/** Carried by each diagnostic: enough for a code action to find its site again. */
export interface DiagnosticData {
  uri: string;
  /** The document version the diagnostic was computed for; null for a file that is not open. */
  version: number | null;
  /** Index of the image site in the file's extraction. */
  site?: number;
}

/** The result of `imagePin.scanWorkspace`. */
export interface ScanWorkspaceResult {
  cancelled: boolean;
  files: number;
  references: number;
  findings: number;
  byRule: Partial<Record<RuleId, number>>;
  skipped: number;
  errors: number;
  configErrors: number;
}

/** The result of the pin commands. */
export interface PinCommandResult {
  /** False when the user declined, the workspace is untrusted or the document changed. */
  applied: boolean;
  pinned: number;
  files: number;
  failed: Array<{ uri: string; reference: string; error: string }>;
  /** Why nothing was applied, when nothing was. */
  reason?: string;
}
