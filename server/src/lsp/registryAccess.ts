/**
 * The registry clients of the server, built only from what the user's machine says (the
 * environment the client sends: machine-scoped settings, proxy, workspace trust) — never from a
 * workspace file. While the workspace is untrusted there is no client at all: no request is sent
 * and no credential helper runs.
 */
import type { ImageReference } from '../core/reference';
import { RegistryClient, type Resolved } from '../registry';
import type { Environment } from './protocol';

export const UNTRUSTED_MESSAGE =
  'Image Pin does not contact registries in an untrusted workspace. Trust the workspace to pin images to their digests.';

export class RegistryAccess {
  /** One client per verifyDigests value, made on first use. */
  private clients = new Map<boolean, RegistryClient>();
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

  /** A client for lookups, or undefined while the workspace is untrusted. */
  client(verifyDigests: boolean): RegistryClient | undefined {
    if (!this.trusted) return undefined;
    let client = this.clients.get(verifyDigests);
    if (!client) {
      const { registries, dockerConfigPath, caCertificates, proxy } = this.env;
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
      this.clients.set(verifyDigests, client);
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
