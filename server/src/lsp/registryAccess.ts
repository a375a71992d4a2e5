/**
 * The registry clients of the server, built from what the user's machine says (the environment
 * the client sends: machine-scoped settings, proxy, workspace trust) and, in a trusted workspace,
 * the `registries` of the `.image-pin.yaml` that applies (mirror and CA, as the CLI reads them;
 * `insecure` only where the machine settings allow it too). While the workspace is untrusted
 * there is no client at all: no request is sent and no credential helper runs.
 */
import * as path from 'node:path';
import type { ImageReference } from '../core/reference';
import { RegistryClient, type Resolved } from '../registry';
import type { Environment, RegistrySettings } from './protocol';

export const UNTRUSTED_MESSAGE =
  'Image Pin does not contact registries in an untrusted workspace. Trust the workspace to pin images to their digests.';

export class RegistryAccess {
  /** One client per verifyDigests value and workspace registries, made on first use. */
  private clients = new Map<string, RegistryClient>();
  private cacheTtlSeconds?: number;

  constructor(
    private env: Environment,
    private readonly log: (line: string) => void,
  ) {}

  get trusted(): boolean {
    return this.env.workspaceTrusted !== false;
  }

  /** New environment: clients are rebuilt on next use (their caches go too). */
  setEnvironment(env: Environment): void {
    this.env = env;
    void this.reset();
  }

  setCacheTtl(seconds: number | undefined): void {
    if (seconds === this.cacheTtlSeconds) return;
    this.cacheTtlSeconds = seconds;
    void this.reset();
  }

  /**
   * A client for lookups, or undefined while the workspace is untrusted. `workspace`: the
   * `registries` of the config file that applies, and that file's folder (relative CA paths).
   */
  client(verifyDigests: boolean, workspace?: { registries: Record<string, RegistrySettings>; baseDir: string }): RegistryClient | undefined {
    if (!this.trusted) return undefined;
    const registries = mergeRegistries(this.env.registries, workspace?.registries, workspace?.baseDir);
    const key = `${verifyDigests}\n${JSON.stringify(registries ?? {})}`;
    let client = this.clients.get(key);
    if (!client) {
      const { dockerConfigPath, caCertificates, proxy } = this.env;
      client = new RegistryClient({
        registries,
        dockerConfigPath,
        caCertificates,
        proxy: proxy && { url: proxy.url || undefined, strictSSL: proxy.strictSSL, noProxy: proxy.noProxy },
        allowCredentialHelpers: true,
        verifyDigests,
        cacheTtlSeconds: this.cacheTtlSeconds,
        log: this.log,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** A lookup of the reference's tag that is still cached, from any client. No request is sent. */
  cached(ref: ImageReference): Resolved | undefined {
    for (const client of this.clients.values()) {
      const hit = client.cached(ref);
      if (hit) return hit;
    }
    return undefined;
  }

  clearCache(): void {
    for (const client of this.clients.values()) client.clearCache();
  }

  dispose(): Promise<void> {
    return this.reset();
  }

  private async reset(): Promise<void> {
    const old = [...this.clients.values()];
    this.clients = new Map();
    await Promise.all(old.map((c) => c.close().catch(() => undefined)));
  }
}

/**
 * The machine's registry settings with a workspace config's `registries` under them: per host,
 * the machine's values win; a workspace `mirror` and `ca` apply (a relative CA path is relative to
 * the config file's folder); a workspace `insecure` counts only when the machine also marks that
 * host insecure, since plain HTTP is the machine owner's decision.
 */
function mergeRegistries(
  machine: Record<string, RegistrySettings> | undefined,
  workspace: Record<string, RegistrySettings> | undefined,
  baseDir: string | undefined,
): Record<string, RegistrySettings> | undefined {
  if (!workspace || Object.keys(workspace).length === 0) return machine;
  const merged: Record<string, RegistrySettings> = {};
  for (const [host, settings] of Object.entries(workspace)) {
    const entry: RegistrySettings = {};
    if (settings.mirror) entry.mirror = settings.mirror;
    if (settings.ca) entry.ca = settings.ca.includes('-----BEGIN') || !baseDir ? settings.ca : path.resolve(baseDir, settings.ca);
    merged[host] = entry;
  }
  for (const [host, settings] of Object.entries(machine ?? {})) merged[host] = { ...merged[host], ...settings };
  return merged;
}
