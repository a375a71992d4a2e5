/**
 * Diagnostics on `.image-pin.yaml` files themselves: an open one is checked as it is typed; one on
 * disk is reported when a document or scan runs into it, and checked again when it changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection, Diagnostic } from 'vscode-languageserver';
import { CONFIG_FILE_NAMES, ConfigError, loadConfigFile, parseConfig } from '../core/config';
import { configErrorDiagnostic } from './diagnostics';
import { pathToUri } from './workspaceFolders';

export function isConfigFile(file: string): boolean {
  return CONFIG_FILE_NAMES.includes(path.basename(file));
}

export class ConfigFileDiagnostics {
  /** What was last published for a config file on disk, by path. */
  private readonly published = new Map<string, string>();

  constructor(
    private readonly connection: Connection,
    /** The URI of the open document for a path, if it is open. */
    private readonly openUri: (file: string) => string | undefined,
  ) {}

  /** Publishes errors of config files found broken on disk, unless they are open. */
  report(errors: Iterable<[string, ConfigError]>): void {
    for (const [file, err] of errors) if (!this.openUri(file)) this.publish(file, [configErrorDiagnostic(err)]);
  }

  /** A config file changed, appeared or went away on disk. */
  recheck(file: string): void {
    if (this.openUri(file)) return;
    if (!fs.existsSync(file)) {
      this.publish(file, []);
      return;
    }
    try {
      loadConfigFile(file);
      this.publish(file, []);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.publish(file, [configErrorDiagnostic(err)]);
    }
  }

  /** An open config document, checked as typed. */
  checkOpen(uri: string, file: string, text: string, version: number): void {
    let diagnostics: Diagnostic[] = [];
    try {
      parseConfig(text, file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      diagnostics = [configErrorDiagnostic(err)];
    }
    this.published.set(file, JSON.stringify(diagnostics));
    void this.connection.sendDiagnostics({ uri, version, diagnostics });
  }

  private publish(file: string, diagnostics: Diagnostic[]): void {
    const key = JSON.stringify(diagnostics);
    if ((this.published.get(file) ?? '[]') === key) return;
    this.published.set(file, key);
    void this.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics });
  }
}
