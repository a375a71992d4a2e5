/**
 * The Image Pin language server: wires LSP messages to the handler modules. It holds no policy of
 * its own; every decision is the core's (the same functions the CLI calls).
 */
import {
  CodeActionKind,
  Connection,
  DidChangeConfigurationNotification,
  FileChangeType,
  InitializeResult,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { VERSION } from '../cli/version';
import { codeActions, resolveCodeAction } from './codeActions';
import { executeCommand } from './commands';
import { ConfigFileDiagnostics, isConfigFile } from './configFiles';
import { hover } from './hover';
import { useRuleLinks } from './diagnostics';
import { enableReports, supportsReports } from './messages';
import { PinService } from './pinning';
import { PolicyService } from './policy';
import { COMMANDS, DID_CHANGE_ENVIRONMENT, ENVIRONMENTS_REQUEST, Environment, FIX_ALL_KIND, InitializationOptions, SETTINGS_SECTION } from './protocol';
import { EnvironmentService } from './environments';
import { promote, promotionLenses } from './promote';
import { PROMOTE_REQUEST, PROMOTION_LENSES_REQUEST, type PromoteParams } from '../../../shared/src/protocol';
import { RegistryAccess } from './registryAccess';
import { SettingsStore, checkSettings } from './settings';
import { Validator } from './validation';
import { PinVerification } from './verification';
import { WorkspaceFolders, uriKey, uriToPath } from './workspaceFolders';
import { WorkspaceScan } from './workspaceScan';

const DEFAULT_DEBOUNCE_MS = 150;

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const folders = new WorkspaceFolders();
  const log = (line: string) => connection.console.log(line);
  const fail = (what: string) => (err: Error) => connection.console.error(`${what} failed: ${err.stack ?? err.message}`);
  /** Open documents by path: the scan asks for each file it publishes. */
  const openByPath = new Map<string, string>();
  const openUri = (file: string) => openByPath.get(file);

  let settings: SettingsStore;
  let policy: PolicyService;
  let access: RegistryAccess;
  let validator: Validator;
  let scan: WorkspaceScan;
  let pins: PinService;
  let verification: PinVerification;
  let configFiles: ConfigFileDiagnostics;
  let environments: EnvironmentService;
  let registerForSettings = false;
  let folderEvents = false;

  /** Settings that are not per folder: the registry cache's lifetime, whether pins are verified. */
  const applyGlobalSettings = async () => {
    access.setCacheTtl((await settings.get()).cacheTtlSeconds);
    await verification.settingsChanged();
  };
  /** Settings or a config file changed: everything derived from them is recomputed. */
  const policyChanged = () => {
    policy.reset();
    environments.start();
    validator.invalidate();
    if (scan.hasRun) scan.run({}).catch(fail('workspace scan'));
  };

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    folders.set(params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []));
    const canPull = params.capabilities.workspace?.configuration === true;
    registerForSettings = params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    folderEvents = params.capabilities.workspace?.workspaceFolders === true;
    settings = new SettingsStore(connection, canPull, checkSettings(init.settings, (p) => connection.console.warn(`initializationOptions.settings: ${p}`)));
    policy = new PolicyService(settings, folders);
    access = new RegistryAccess(environmentOf(init), log);
    configFiles = new ConfigFileDiagnostics(connection, openUri);
    const debounceMs = typeof init.debounceMs === 'number' && init.debounceMs >= 0 ? init.debounceMs : DEFAULT_DEBOUNCE_MS;
    environments = new EnvironmentService({ connection, folders, policy, fail });
    verification = new PinVerification({ connection, access, settings, policy, folders, recheck: (uri) => validator.refresh(uri), publish: (reports) => scan.publishAll(reports) });
    validator = new Validator(connection, documents, policy, { debounceMs, configFiles, verification, environments });
    scan = new WorkspaceScan({
      connection,
      folders,
      policy,
      configFiles,
      environments,
      isOpen: (file) => openUri(file) !== undefined,
      verdictFindings: (report) => verification.reportFindings(report),
    });
    environments.onChange(() => {
      validator.environmentsChanged();
      scan.environmentsChanged();
    });
    // VS Code's client: reports with buttons, the refactor preview, and rule help inside the editor.
    if (init.reports === true) enableReports(connection);
    if (typeof init.ruleLinkBase === 'string' && init.ruleLinkBase) useRuleLinks(init.ruleLinkBase);
    const reviewEdits = params.capabilities.workspace?.workspaceEdit?.changeAnnotationSupport !== undefined;
    pins = new PinService({ connection, documents, validator, policy, access, folders, environments, reviewEdits });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: true },
        hoverProvider: true,
        executeCommandProvider: { commands: Object.values(COMMANDS) },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'image-pin-language-server', version: VERSION },
    };
  });

  connection.onInitialized(() => {
    connection.console.info(
      `Image Pin language server ${VERSION} on Node ${process.version}: ${folders.all().length} workspace folder(s), ` +
        `workspace ${access.trusted ? 'trusted' : 'not trusted (no registry lookups)'}`,
    );
    if (registerForSettings) void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
    if (folderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        folders.change(e.added, e.removed);
        policyChanged();
      });
    }
    applyGlobalSettings().catch(fail('reading settings'));
    environments.start();
  });

  connection.onDidChangeConfiguration(() => {
    settings.clear();
    applyGlobalSettings().catch(fail('reading settings'));
    policyChanged();
  });

  connection.onNotification(DID_CHANGE_ENVIRONMENT, (env: Environment) => {
    const was = access.trusted;
    access.setEnvironment(environmentOf(env));
    if (was !== access.trusted) {
      connection.console.info(`workspace ${access.trusted ? 'trusted: registry lookups allowed' : 'not trusted: no registry lookups'}`);
      // Newly trusted: the open documents' pins can be verified now.
      if (access.trusted) validator.refresh('*');
    }
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    let configChanged = false;
    for (const change of changes) {
      const file = uriToPath(change.uri);
      if (!file) continue;
      if (isConfigFile(file)) {
        configChanged = true;
        configFiles.recheck(file);
      } else {
        scan.fileChanged(file, change.type === FileChangeType.Deleted).catch(fail(`checking ${file}`));
      }
    }
    if (configChanged) policyChanged();
  });

  documents.onDidOpen((e) => {
    openByPath.set(uriKey(e.document.uri), e.document.uri);
    validator.opened(e.document.uri);
  });
  documents.onDidChangeContent((e) => validator.changed(e.document.uri));
  documents.onDidClose((e) => {
    openByPath.delete(uriKey(e.document.uri));
    validator.closed(e.document.uri);
    const file = uriToPath(e.document.uri);
    if (!file) return;
    const modelChanged = environments.documentClosed(file);
    if (isConfigFile(file)) configFiles.recheck(file);
    else scan.documentClosed(file, modelChanged).catch(fail(`checking ${file}`));
  });

  connection.onCodeAction((params) => codeActions(params, validator, verification, access.trusted));
  connection.onCodeActionResolve((action, token) => resolveCodeAction(action, token, pins, supportsReports(connection)));
  connection.onHover((params) => hover(params, validator, access, verification, environments));
  connection.onRequest(ENVIRONMENTS_REQUEST, () => environments.list());
  connection.onRequest(PROMOTE_REQUEST, (params: PromoteParams) => promote(params, environments, documents));
  connection.onRequest(PROMOTION_LENSES_REQUEST, (params: { uri: string }) => promotionLenses(params.uri, environments));
  connection.onExecuteCommand((params, token, workDone) => executeCommand(params, token, workDone, { connection, documents, scan, pins, access, verification }));
  connection.onShutdown(async () => {
    validator.dispose();
    environments.dispose();
    await access.dispose();
  });

  documents.listen(connection);
  connection.listen();
}

/** Keeps the well-formed parts of an environment a client sent. */
function environmentOf(raw: unknown): Environment {
  const r = (raw ?? {}) as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  const env: Environment = {};
  if (typeof r.workspaceTrusted === 'boolean') env.workspaceTrusted = r.workspaceTrusted;
  if (r.registries && typeof r.registries === 'object' && !Array.isArray(r.registries)) env.registries = r.registries as Environment['registries'];
  env.caCertificates = strings(r.caCertificates);
  if (typeof r.dockerConfigPath === 'string' && r.dockerConfigPath) env.dockerConfigPath = r.dockerConfigPath;
  const proxy = r.proxy as Record<string, unknown> | undefined;
  if (proxy && typeof proxy === 'object') {
    env.proxy = {
      url: typeof proxy.url === 'string' && proxy.url ? proxy.url : undefined,
      strictSSL: typeof proxy.strictSSL === 'boolean' ? proxy.strictSSL : undefined,
      noProxy: strings(proxy.noProxy),
    };
  }
  return env;
}
