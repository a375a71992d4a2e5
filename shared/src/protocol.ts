/**
 * What the Image Pin language server and the VS Code client agree on beyond LSP itself: command
 * ids, the environment notification and its parameters, the settings section. One module, compiled
 * into both sides (it imports nothing), so the two cannot drift apart.
 */

/** Commands the language server executes (`workspace/executeCommand`). */
export const COMMANDS = {
  scanWorkspace: 'imagePin.scanWorkspace',
  pinAllInFile: 'imagePin.pinAllInFile',
  pinAtCursor: 'imagePin.pinAtCursor',
  pinAllInWorkspace: 'imagePin.pinAllInWorkspace',
  clearCache: 'imagePin.clearCache',
  verifyPinsInWorkspace: 'imagePin.verifyPinsInWorkspace',
} as const;

/** Commands of the extension alone (not sent to the server). */
export const CLIENT_COMMANDS = {
  showOutput: 'imagePin.showOutput',
  /** Promotion (client/src/promote.ts): Promote Stage… takes optional `PromoteParams` (then asks nothing). */
  promoteStage: 'imagePin.promoteStage',
  /** Context actions of the Environments view's items. */
  promoteToNext: 'imagePin.promoteToNext',
  promotePick: 'imagePin.promotePick',
  copyDigest: 'imagePin.copyDigest',
  reveal: 'imagePin.reveal',
  /** Shows a rule's section of docs/rules.md, rendered. Argument: the rule id (else a pick). */
  showRule: 'imagePin.showRule',
} as const;

/** Commands of the extension that only code invokes (not contributed to any menu). */
export const INTERNAL_COMMANDS = {
  /** Shows a `Report` (a code action runs it after its edit is applied). Argument: the report. */
  showReport: 'imagePin.showReport',
} as const;

/**
 * Server → client: something to tell the user, with the buttons that lead on. Sent only to clients
 * that say they render it (`InitializationOptions.reports`); others get `window/showMessage`.
 */
export const REPORT = 'imagePin/report';

/** The buttons a report can carry; the client maps each to its own command. */
export type ReportAction = 'openSettings' | 'showOutput' | 'manageTrust' | 'showProblems' | 'saveAll';

export interface Report {
  /** `status`: a short status-bar message that goes away by itself; the others are notifications. */
  kind: 'status' | 'info' | 'warning' | 'error';
  message: string;
  actions?: ReportAction[];
  /** What Open Settings searches for (default `imagePin`). */
  settingsQuery?: string;
  /** More lines for the output channel only (e.g. every reference that could not be pinned). */
  details?: string[];
}

/** What the VS Code client tells the server it can do, beside the environment. */
export interface ClientFeatures {
  /** It renders `imagePin/report` notifications (with buttons). */
  reports?: boolean;
  /**
   * A URI the editor opens in-product to show a rule's help, the rule id appended as fragment
   * (VS Code: the extension's URI handler). Without it, rule links point at docs/rules.md.
   */
  ruleLinkBase?: string;
}

/** Client → server: trust, proxy or machine settings changed. Params: `Environment` (complete, not a delta). */
export const DID_CHANGE_ENVIRONMENT = 'imagePin/didChangeEnvironment';

/** Server → client: how the pins of a document fared against their registries. Params: `VerificationStatus`. */
export const VERIFICATION_STATUS = 'imagePin/verificationStatus';

/** What the status bar shows of a document's pin verification (registry errors are not diagnostics). */
export interface VerificationStatus {
  uri: string;
  pins: number;
  verified: number;
  moved: number;
  unknown: number;
  registryErrors: number;
  /** Pins whose verification has not answered yet. */
  pending: number;
  /** `reference: why it could not be verified`, one per pin. */
  errors: string[];
}

/** The code action kind of "pin all images in this file", for `editor.codeActionsOnSave`. */
export const FIX_ALL_KIND = 'source.fixAll.imagePin';

/** The settings section pulled with `workspace/configuration`. */
export const SETTINGS_SECTION = 'imagePin';

/** The diagnostic source. */
export const SOURCE = 'image-pin';

/**
 * The code of the notice on a document with more findings than are published (at most 1,000);
 * its `data` is `TruncatedData`, so the client can count them all.
 */
export const TRUNCATED_CODE = 'truncated';

export interface TruncatedData {
  /** How many findings the document has. */
  total: number;
  /** How many of them are published. */
  shown: number;
}

/** Per-registry settings (`imagePin.registries`, machine-scoped). */
export interface RegistrySettings {
  mirror?: string;
  insecure?: boolean;
  ca?: string;
}

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
  /** Per-registry mirror, insecure and CA settings. */
  registries?: Record<string, RegistrySettings>;
  /** PEM files of extra CAs for every registry (`imagePin.caCertificates`). */
  caCertificates?: string[];
  /** Docker config file with registry credentials (`imagePin.dockerConfigPath`). */
  dockerConfigPath?: string;
}

/** Client → server request: what each environment deploys (the Environments view). No params; returns `EnvironmentsResult`. */
export const ENVIRONMENTS_REQUEST = 'imagePin/environments';

/** Server → client notification: the environment model changed; ask again with `ENVIRONMENTS_REQUEST`. No params. */
export const DID_CHANGE_ENVIRONMENTS = 'imagePin/didChangeEnvironments';

/** The tree view in the Explorer that shows `EnvironmentsResult`. */
export const ENVIRONMENTS_VIEW = 'imagePin.environments';

/** An LSP range (0-based), declared here so this module imports nothing. */
export interface SourceRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export type EnvironmentImageStatus = 'pinned' | 'floating-tag' | 'unpinned-tag' | 'missing-tag' | 'invalid-reference' | 'templated';

export interface EnvironmentImageInfo {
  /** The repository name after renames. */
  image: string;
  /** The effective reference the environment deploys. */
  reference: string;
  status: EnvironmentImageStatus;
  /** Where the decisive part is written (the last override, else the base line). */
  uri: string;
  range: SourceRange;
  /**
   * Drift: promoting from the previous stage would change what this environment deploys. That
   * stage, and the reference it would bring (`ghcr.io/acme/api:1.4.2@sha256:…`).
   */
  drift?: { stage: string; reference: string };
}

export interface EnvironmentInfo {
  id: string;
  stage: string;
  /** Position of the stage in promotion order (lower is earlier). */
  stageOrder: number;
  kind: 'kustomize' | 'helm' | 'argocd' | 'flux';
  /** The root relative to its workspace folder (`overlays/prod`, `charts/web/values-prod.yaml`). */
  root: string;
  rootUri: string;
  /** Why it is not fully read, if it is not. */
  incomplete: string[];
  images: EnvironmentImageInfo[];
}

export interface EnvironmentsResult {
  environments: EnvironmentInfo[];
  /** False while the workspace is still being indexed (the list may grow). */
  complete: boolean;
}

/**
 * Client → server request: plan a promotion (`image-pin promote`). Params `PromoteParams`; returns
 * `PromoteResult`, whose `edit` is one LSP `WorkspaceEdit`: `documentChanges` stamped with the open
 * documents' versions (null for files that are not open), every edit under the change annotation
 * `PROMOTE_ANNOTATION` with `needsConfirmation`, so the editor shows it in its refactor preview.
 */
export const PROMOTE_REQUEST = 'imagePin/promote';

export const PROMOTE_ANNOTATION = 'imagePin.promote';

export interface PromoteParams {
  from: string;
  to: string;
  /** Globs of image names; none: every image both stages deploy. */
  images?: string[];
}

/**
 * Client → server request: CodeLenses for promotion in one document (`imagePin.codeLens.promotion`).
 * Params `{ uri }`; returns `PromotionLens[]`: each override the previous stage would move, with what
 * that stage runs.
 */
export const PROMOTION_LENSES_REQUEST = 'imagePin/promotionLenses';

export interface PromotionLens {
  range: SourceRange;
  image: string;
  /** The previous stage, and the tag@digest it runs. */
  from: string;
  to: string;
  runs: string;
}

export interface PromoteMove {
  image: string;
  /** The target environment's root, relative to its workspace folder. */
  environment: string;
  from: string;
  to: string;
  uri: string;
  range: SourceRange;
}

export interface PromoteResult {
  /** An LSP WorkspaceEdit (absent when nothing moves); declared loosely so this module imports nothing. */
  edit?: { documentChanges: unknown[]; changeAnnotations?: Record<string, unknown> };
  moved: PromoteMove[];
  /** References the target already deploys as the source does. */
  equal: number;
  /** Why images were skipped (an unpinned or ambiguous source, a place that cannot be edited). */
  skipped: string[];
  /** A usage error: an unknown stage, no stages, a document that changed while planning. */
  error?: string;
}
