/**
 * The language server's side of the protocol: the names shared with the client live in
 * shared/src/protocol.ts; what only the server reads or returns is declared here.
 */
import type { PinStyle, SeveritySetting } from '../core/config';
import type { RuleId } from '../core/types';

export {
  CLIENT_COMMANDS,
  COMMANDS,
  DID_CHANGE_ENVIRONMENT,
  DID_CHANGE_ENVIRONMENTS,
  ENVIRONMENTS_REQUEST,
  FIX_ALL_KIND,
  INTERNAL_COMMANDS,
  REPORT,
  SETTINGS_SECTION,
  SOURCE,
  TRUNCATED_CODE,
  VERIFICATION_STATUS,
} from '../../../shared/src/protocol';
export type {
  ClientFeatures,
  Environment,
  EnvironmentImageInfo,
  EnvironmentInfo,
  EnvironmentsResult,
  RegistrySettings,
  Report,
  ReportAction,
  TruncatedData,
  VerificationStatus,
} from '../../../shared/src/protocol';
import type { ClientFeatures, Environment } from '../../../shared/src/protocol';

export interface InitializationOptions extends Environment, ClientFeatures {
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
  /** Verify the pins of opened documents against their registries (default onOpen; trusted workspaces only). */
  verifyPins?: 'off' | 'onOpen';
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
  /** Files with at least one finding. */
  filesWithFindings: number;
  /** Findings of error severity. */
  errorFindings: number;
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
  /** Each reference pinned: as written, the digest, and the mirror that answered if one did. */
  pins: Array<{ uri: string; reference: string; digest: string; mirror?: string }>;
  /** Each reference that could not be pinned, with the registry error code when there is one. */
  failed: Array<{ uri: string; reference: string; error: string; code?: string }>;
  /** Why nothing was applied, when nothing was. */
  reason?: string;
}
