/**
 * Which config applies to a file: `--config FILE` for everything, or the nearest
 * `.image-pin.yaml` above the file. Each folder is looked up once.
 */
import * as path from 'node:path';
import picomatch from 'picomatch';
import { ImagePinConfig, defaultConfig, findConfigFile, loadConfigFile } from '../core/config';

export class ConfigResolver {
  private byDir = new Map<string, ImagePinConfig>();
  private byFile = new Map<string, ImagePinConfig>();
  private matchers = new WeakMap<ImagePinConfig, { include: (p: string) => boolean; exclude: (p: string) => boolean }>();

  /**
   * @param explicitFile `--config FILE`: applies to every file, globs relative to its folder.
   * @param fallbackDir folder the default config's globs are relative to when no file is found.
   */
  constructor(
    private readonly explicitFile?: string,
    private readonly fallbackDir = process.cwd(),
  ) {}

  /** Throws ConfigError for a bad config file. */
  forFile(file: string): ImagePinConfig {
    return this.forDir(path.dirname(path.resolve(file)));
  }

  forDir(dir: string): ImagePinConfig {
    let config = this.byDir.get(dir);
    if (config) return config;
    const file = this.explicitFile ? path.resolve(this.explicitFile) : findConfigFile(dir);
    if (file) {
      config = this.byFile.get(file);
      if (!config) {
        config = loadConfigFile(file, path.relative(process.cwd(), file) || file);
        this.byFile.set(file, config);
      }
    } else {
      config = defaultConfig(path.resolve(this.fallbackDir));
    }
    this.byDir.set(dir, config);
    return config;
  }

  /** The file's path relative to its config's folder, `/`-separated: what globs match against. */
  relativePath(config: ImagePinConfig, file: string): string {
    return path.relative(config.baseDir, path.resolve(file)).split(path.sep).join('/');
  }

  /** Whether the config's include/exclude globs select this file. */
  selects(config: ImagePinConfig, file: string): boolean {
    let m = this.matchers.get(config);
    if (!m) {
      m = {
        include: picomatch(config.include, { dot: true }),
        exclude: config.exclude.length ? picomatch(config.exclude, { dot: true }) : () => false,
      };
      this.matchers.set(config, m);
    }
    const rel = this.relativePath(config, file);
    // Files outside the config's folder are matched by their name alone.
    const subject = rel.startsWith('../') ? path.basename(file) : rel;
    return m.include(subject) && !m.exclude(subject);
  }

  /** The config files read so far, for cache keys and watching. */
  files(): string[] {
    return [...this.byFile.keys()];
  }
}
