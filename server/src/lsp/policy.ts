/**
 * Which config applies to a document in the editor: the nearest `.image-pin.yaml` (as the CLI
 * finds it), with the keys it leaves unset taken from the editor's settings for that workspace
 * folder. A broken config file is remembered with its error and its documents fall back to the
 * settings alone. A config file's `registries` apply to lookups only in a trusted workspace, and
 * `insecure` only with the machine's consent: see registryAccess.ts.
 */
import * as path from 'node:path';
import { ConfigError, ConfigFallback, ImagePinConfig, defaultConfig, withFallback } from '../core/config';
import { ConfigResolver } from '../scan/configResolver';
import { SettingsStore, policyFallback } from './settings';
import { Folder, WorkspaceFolders, uriToPath } from './workspaceFolders';

/** A ConfigResolver that merges editor settings in and survives broken config files. */
export class EditorConfigResolver extends ConfigResolver {
  /** Broken config files, by absolute path. */
  readonly errors = new Map<string, ConfigError>();
  private readonly mergedByDir = new Map<string, ImagePinConfig>();
  private readonly errorByDir = new Map<string, ConfigError>();
  private readonly mergedByBase = new WeakMap<ImagePinConfig, ImagePinConfig>();
  private readonly defaultsForBroken = new Map<string, ImagePinConfig>();

  constructor(
    fallbackDir: string,
    private readonly settingsFallback: ConfigFallback,
  ) {
    super(undefined, fallbackDir);
  }

  override forDir(dir: string): ImagePinConfig {
    const known = this.mergedByDir.get(dir);
    if (known) return known;
    let base: ImagePinConfig;
    try {
      base = super.forDir(dir);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // The resolver names the file relative to the working directory; resolving it gives it back.
      const file = path.resolve(err.file);
      this.errors.set(file, err);
      this.errorByDir.set(dir, err);
      base = this.defaultsForBroken.get(file) ?? defaultConfig(path.dirname(file));
      this.defaultsForBroken.set(file, base);
    }
    // One merged object per config, so compiled glob matchers are shared by its folders.
    let merged = this.mergedByBase.get(base);
    if (!merged) {
      merged = withFallback(base, this.settingsFallback);
      this.mergedByBase.set(base, merged);
    }
    this.mergedByDir.set(dir, merged);
    return merged;
  }

  /** The error of the broken config file that applies to `file`, if one does. */
  errorFor(file: string): ConfigError | undefined {
    const dir = path.dirname(path.resolve(file));
    this.forDir(dir);
    return this.errorByDir.get(dir);
  }
}

export interface DocumentPolicy {
  config: ImagePinConfig;
  /** The path globs and allowances match against. */
  relativePath: string;
  /** Absolute path of a `file:` document. */
  path?: string;
  /** Whether the config's include/exclude select the document (always true for untitled ones). */
  selected: boolean;
  /** The broken config file this document would be under, and its absolute path. */
  configError?: { error: ConfigError; file: string };
}

export class PolicyService {
  private resolvers = new Map<string, Promise<EditorConfigResolver>>();

  constructor(
    private readonly settings: SettingsStore,
    private readonly folders: WorkspaceFolders,
  ) {}

  /** Forgets every config read and every merge (settings or a config file changed). */
  reset(): void {
    this.resolvers = new Map();
  }

  /** The resolver for a workspace folder, with that folder's settings. */
  resolverForFolder(folder: Folder): Promise<EditorConfigResolver> {
    return this.resolver(folder.uri, folder.path, folder.uri);
  }

  async forUri(uri: string): Promise<DocumentPolicy> {
    const file = uriToPath(uri);
    if (!file) {
      const folder = this.folders.all()[0];
      const settings = await this.settings.get(folder?.uri);
      const config = withFallback(defaultConfig(folder?.path ?? process.cwd()), policyFallback(settings));
      return { config, relativePath: uri.replace(/^.*[\\/:]/, ''), selected: true };
    }
    const folder = this.folders.containing(file);
    const resolver = folder ? await this.resolverForFolder(folder) : await this.resolver(`dir:${path.dirname(file)}`, path.dirname(file), uri);
    const config = resolver.forFile(file);
    const error = resolver.errorFor(file);
    return {
      config,
      relativePath: resolver.relativePath(config, file),
      path: file,
      selected: resolver.selects(config, file),
      configError: error && { error, file: path.resolve(error.file) },
    };
  }

  /** Every broken config file met so far, by absolute path. */
  async configErrors(): Promise<Map<string, ConfigError>> {
    const out = new Map<string, ConfigError>();
    for (const resolver of await Promise.all(this.resolvers.values())) for (const [file, err] of resolver.errors) out.set(file, err);
    return out;
  }

  private resolver(key: string, fallbackDir: string, scopeUri: string): Promise<EditorConfigResolver> {
    let resolver = this.resolvers.get(key);
    if (!resolver) {
      resolver = this.settings.get(scopeUri).then((s) => new EditorConfigResolver(fallbackDir, policyFallback(s)));
      this.resolvers.set(key, resolver);
    }
    return resolver;
  }
}
