/**
 * RegistryClient: resolves a tag to the digest of the manifest the registry
 * serves for it (HEAD first, GET when the digest must be computed or the
 * platforms are wanted), with caching, de-duplication and readable errors.
 */
import { isPrivateHost, unreachableAdvice, whyUnreachable } from './advice';
import { formatReference, type ImageReference } from '../core/reference';
import { AuthProblem, Authenticator, type AuthState, type AuthTarget } from './auth';
import { TtlCache } from './cache';
import { CredentialStore } from './credentials';
import { RegistryError, TransportFailure } from './errors';
import { DOCKER_HUB, endpointFor, hostConfig, isDockerHub, type Endpoint, type RegistryHostConfig } from './hosts';
import { AbortedWait, InFlight } from './limits';
import {
  DOCKER_MANIFEST,
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  OCI_INDEX,
  OCI_MANIFEST,
  baseMediaType,
  digestOf,
  isDigest,
  isIndexType,
  isSupportedMediaType,
  parseErrorBody,
  parseImageConfigPlatform,
  parseManifest,
  samePlatform,
  toPlatforms,
  type ManifestChild,
  type Platform,
} from './manifest';
import { SecretScrubber } from './redact';
import { TOTAL_TIMEOUT, Transport, headerValue, type HttpResponse, type ProxySettings } from './transport';

export interface RegistryClientOptions {
  registries?: Record<string, RegistryHostConfig>;
  dockerConfigPath?: string;
  allowCredentialHelpers?: boolean;
  env?: NodeJS.ProcessEnv;
  proxy?: ProxySettings;
  /** PEM files of extra certificate authorities trusted for every registry (beside the system roots). */
  caCertificates?: string[];
  verifyDigests?: boolean;
  cacheTtlSeconds?: number;
  noCache?: boolean;
  /**
   * connect, headers and body are idle limits; `totalMs` bounds each request from sending it to
   * its last byte, so a registry trickling a body cannot hold a lookup forever.
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number; totalMs?: number };
  retries?: number;
  maxRetryAfterMs?: number;
  perHostConcurrency?: number;
  globalConcurrency?: number;
  /** Receives progress lines; never secrets. */
  log?: (line: string) => void;
}

export interface ResolveOptions {
  signal?: AbortSignal;
  /** Fetch the index body (when the tag is multi-arch) so the result lists its platforms. */
  withPlatforms?: boolean;
  /**
   * The digest currently pinned. When it is a platform child of the tag's index (now, or the same
   * platform in an earlier index), the result is that platform's child digest instead of the index's.
   */
  keepPlatformOf?: string;
  /**
   * The digest a lookup of this tag answered a moment ago (pin verification: the tag moved to an
   * index): with `withPlatforms`, the index is fetched by that digest without asking for the tag again.
   */
  seenDigest?: string;
}

export interface Resolved {
  reference: string;
  registry: string;
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  platforms?: Array<{ os: string; architecture: string; variant?: string; digest: string }>;
  /** The mirror that answered (`host[:port]`), when the registry has one configured. */
  mirror?: string;
}

export interface RegistryStats {
  manifestRequests: number;
  tokenRequests: number;
  retries: number;
  cacheHits: number;
}

const DEFAULTS = {
  connectMs: 10_000,
  headersMs: 15_000,
  bodyMs: 30_000,
  /** Manifests and tokens are small: half a minute is ample for the whole of one. */
  totalMs: 30_000,
  retries: 3,
  maxRetryAfterMs: 30_000,
  perHostConcurrency: 6,
  globalConcurrency: 16,
  cacheTtlSeconds: 600,
  helperTimeoutMs: 10_000,
};

/** What a tag resolved to; cached per registry, repository and tag. */
interface TagInfo {
  digest: string;
  mediaType: string;
  /** Known when the index body was fetched. */
  children?: ManifestChild[];
}

/** Everything a lookup needs to name itself in messages. */
interface Lookup {
  ref: ImageReference;
  tag: string;
  reference: string;
  endpoint: Endpoint;
  target: AuthTarget;
  /** The registry as it appears in messages (`docker.io`, or `ghcr.io (via mirror 127.0.0.1:5000)`). */
  label: string;
  /** The image as written, then the mirror that was asked: `ghcr.io/acme/app (via mirror 127.0.0.1:5000)`. */
  name: string;
}

const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'TAG_UNKNOWN', 'NOT_FOUND']);

export class RegistryClient {
  readonly stats: RegistryStats = { manifestRequests: 0, tokenRequests: 0, retries: 0, cacheHits: 0 };

  private readonly scrubber = new SecretScrubber();
  private readonly transport: Transport;
  private readonly credentials: CredentialStore;
  private readonly auth: Authenticator;
  private readonly tags: TtlCache<TagInfo>;
  private readonly running = new InFlight<Resolved>();
  /** Whether a repository has a manifest with a digest, by `host/repository@digest`. */
  private readonly digests: TtlCache<boolean>;
  private readonly runningDigests = new InFlight<boolean>();
  /**
   * Hosts contacted at least once, or being contacted: the first request to a host learns whether
   * it speaks TLS and how it authenticates; requests that start meanwhile wait for it, so a burst
   * of lookups does not probe the scheme and answer the challenge once per reference.
   */
  private readonly firstContact = new Map<string, Promise<void>>();
  /** Platform of a manifest digest (immutable, so kept for the client's life); null when it has none. */
  private readonly platformByDigest = new Map<string, Omit<Platform, 'digest'> | null>();
  private readonly opts: RegistryClientOptions;
  private readonly timeouts: { connectMs: number; headersMs: number; bodyMs: number; totalMs: number };
  private readonly log: (line: string) => void;

  constructor(opts: RegistryClientOptions = {}) {
    this.opts = opts;
    const env = opts.env ?? process.env;
    const sink = opts.log;
    this.log = sink ? (line) => sink(this.scrubber.scrub(`registry: ${line}`)) : () => undefined;
    this.timeouts = {
      connectMs: opts.timeouts?.connectMs ?? DEFAULTS.connectMs,
      headersMs: opts.timeouts?.headersMs ?? DEFAULTS.headersMs,
      bodyMs: opts.timeouts?.bodyMs ?? DEFAULTS.bodyMs,
      totalMs: opts.timeouts?.totalMs ?? DEFAULTS.totalMs,
    };
    this.transport = new Transport({
      registries: opts.registries,
      env,
      proxy: opts.proxy,
      caCertificates: opts.caCertificates,
      ...this.timeouts,
      retries: Math.max(0, opts.retries ?? DEFAULTS.retries),
      maxRetryAfterMs: opts.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
      perHostConcurrency: opts.perHostConcurrency ?? DEFAULTS.perHostConcurrency,
      globalConcurrency: opts.globalConcurrency ?? DEFAULTS.globalConcurrency,
      log: this.log,
      onRetry: () => this.stats.retries++,
    });
    this.credentials = new CredentialStore({
      dockerConfigPath: opts.dockerConfigPath,
      env,
      allowCredentialHelpers: opts.allowCredentialHelpers ?? false,
      helperTimeoutMs: DEFAULTS.helperTimeoutMs,
      scrubber: this.scrubber,
      log: this.log,
    });
    this.auth = new Authenticator({
      transport: this.transport,
      credentials: this.credentials,
      registries: opts.registries,
      scrubber: this.scrubber,
      log: this.log,
      onTokenRequest: () => this.stats.tokenRequests++,
    });
    this.tags = new TtlCache<TagInfo>();
    this.digests = new TtlCache<boolean>();
    for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY']) this.rememberProxySecret(env[name]);
    this.rememberProxySecret(opts.proxy?.url);
  }

  /** A proxy URL's password must not show up in logs or messages either. */
  private rememberProxySecret(proxyUrl: string | undefined): void {
    if (!proxyUrl) return;
    try {
      const url = new URL(proxyUrl);
      if (url.password) {
        this.scrubber.add(decodeURIComponent(url.password));
        this.scrubber.add(url.password);
      }
    } catch {
      // Not a URL: the transport will fail to use it and say so without printing it.
    }
  }

  async resolve(ref: ImageReference, opts: ResolveOptions = {}): Promise<Resolved> {
    const lookup = this.describe(ref);
    const { signal } = opts;
    try {
      if (signal?.aborted) throw new AbortedWait();
      const cached = this.fromCache(lookup, opts);
      if (cached) return cached;
      const key = [lookup.reference, opts.withPlatforms ? 'platforms' : '', opts.keepPlatformOf ?? ''].join('\n');
      return await this.running.run(key, signal, (shared) => this.lookup(lookup, opts, shared));
    } catch (err) {
      throw this.toRegistryError(err, lookup, signal);
    }
  }

  /**
   * Whether the repository has a manifest with `digest`: one HEAD by digest (a 404 means no; any
   * other failure throws a RegistryError), cached for the cache lifetime and shared while in flight.
   */
  async hasManifest(ref: Pick<ImageReference, 'domain' | 'path' | 'domainExplicit'>, digest: string, opts: { signal?: AbortSignal } = {}): Promise<boolean> {
    const base = this.describe({ ...ref, tag: undefined, digest: undefined });
    const lookup: Lookup = { ...base, reference: formatReference({ domain: ref.domain, path: ref.path, digest }) };
    const { signal } = opts;
    const key = this.digestKey(lookup, digest);
    try {
      if (signal?.aborted) throw new AbortedWait();
      const cached = this.opts.noCache ? undefined : this.digests.get(key);
      if (cached !== undefined) {
        this.stats.cacheHits++;
        return cached;
      }
      return await this.runningDigests.run(key, signal, async (shared) => {
        let res = await this.manifestRequest(lookup, 'HEAD', digest, shared);
        if (res.status === 405 || res.status === 501) res = await this.manifestRequest(lookup, 'GET', digest, shared);
        let exists: boolean;
        if (res.status === 404) exists = false;
        else if (res.status === 200) {
          const header = headerValue(res.headers, 'docker-content-digest');
          if (header && isDigest(header) && header !== digest) {
            throw new RegistryError('digest-mismatch', `${lookup.label} answered for ${digest} with a manifest it names ${header} — a proxy or the registry altered the answer`, lookup.reference, lookup.ref.domain, 200);
          }
          exists = true;
        } else throw this.statusError(lookup, res, parseErrorBody(res.body));
        if (!this.opts.noCache) this.digests.set(key, exists, (this.opts.cacheTtlSeconds ?? DEFAULTS.cacheTtlSeconds) * 1000);
        return exists;
      });
    } catch (err) {
      throw this.toRegistryError(err, lookup, signal);
    }
  }

  /** What a lookup of `ref`'s tag found, if it is still cached; never sends a request. */
  cached(ref: ImageReference): Resolved | undefined {
    if (this.opts.noCache) return undefined;
    const lookup = this.describe(ref);
    const info = this.tags.get(lookup.reference);
    return info && this.toResolved(lookup, info);
  }

  clearCache(): void {
    this.tags.clear();
    this.digests.clear();
    this.auth.clear();
    this.credentials.clear();
    this.platformByDigest.clear();
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private describe(ref: ImageReference): Lookup {
    const tag = ref.tag ?? 'latest';
    const endpoint = endpointFor(ref.domain, hostConfig(this.opts.registries, ref.domain));
    const via = endpoint.mirrorOf ? ` (via mirror ${endpoint.host})` : '';
    const label = `${ref.domain}${via}`;
    return {
      name: `${ref.domain}/${ref.path}${via}`,
      ref,
      tag,
      reference: formatReference({ domain: ref.domain, path: ref.path, tag }),
      endpoint,
      target: { host: endpoint.host, repository: `${endpoint.pathPrefix}${ref.path}` },
      label,
    };
  }

  private fromCache(lookup: Lookup, opts: ResolveOptions): Resolved | undefined {
    if (this.opts.noCache) return undefined;
    const info = this.tags.get(lookup.reference);
    if (!info) return undefined;
    const wantsChildren = (opts.withPlatforms || opts.keepPlatformOf) && isIndexType(info.mediaType);
    if (wantsChildren && !info.children) return undefined;
    let result = this.toResolved(lookup, info);
    if (opts.keepPlatformOf && info.children) {
      const child = this.knownChild(lookup, info.digest, info.children, opts.keepPlatformOf);
      // Placing the old digest needs a request: not a cache answer.
      if (child === undefined) return undefined;
      if (child) result = this.childResult(lookup, info, child);
    }
    this.stats.cacheHits++;
    this.log(`cache hit for ${lookup.reference}`);
    return result;
  }

  private async lookup(lookup: Lookup, opts: ResolveOptions, signal: AbortSignal): Promise<Resolved> {
    const wantsChildren = !!(opts.withPlatforms || opts.keepPlatformOf);
    const info =
      wantsChildren && opts.seenDigest && isDigest(opts.seenDigest)
        ? await this.getVerified(lookup, opts.seenDigest, opts.seenDigest, signal)
        : await this.fetchTag(lookup, wantsChildren, signal);
    if (!this.opts.noCache) this.tags.set(lookup.reference, info, (this.opts.cacheTtlSeconds ?? DEFAULTS.cacheTtlSeconds) * 1000);
    const keep = opts.keepPlatformOf;
    if (keep && info.children) {
      let child = this.knownChild(lookup, info.digest, info.children, keep);
      if (child === undefined) {
        await this.platformOf(lookup, keep, signal);
        child = this.knownChild(lookup, info.digest, info.children, keep);
      }
      if (child) return this.childResult(lookup, info, child);
    }
    return this.toResolved(lookup, info);
  }

  /**
   * The child of the index to answer with for a pinned `keep` digest: the same digest when the index
   * still lists it, else the child of the same platform. Null means "answer with the index";
   * undefined means the old digest's platform is not known yet.
   */
  private knownChild(lookup: Lookup, indexDigest: string, children: ManifestChild[], keep: string): ManifestChild | null | undefined {
    if (keep === indexDigest || !isDigest(keep)) return null;
    const direct = children.find((c) => c.digest === keep);
    if (direct) return direct;
    const platform = this.platformByDigest.get(this.digestKey(lookup, keep));
    if (platform === undefined) return undefined;
    return (platform && children.find((c) => samePlatform(c, platform))) || null;
  }

  private toResolved(lookup: Lookup, info: TagInfo): Resolved {
    const result: Resolved = {
      reference: lookup.reference,
      registry: lookup.ref.domain,
      repository: lookup.ref.path,
      tag: lookup.tag,
      digest: info.digest,
      mediaType: info.mediaType,
    };
    if (info.children) result.platforms = toPlatforms(info.children);
    if (lookup.endpoint.mirrorOf) result.mirror = lookup.endpoint.host;
    return result;
  }

  private childResult(lookup: Lookup, info: TagInfo, child: ManifestChild): Resolved {
    const fallbackType = info.mediaType === OCI_INDEX ? OCI_MANIFEST : DOCKER_MANIFEST;
    return { ...this.toResolved(lookup, info), digest: child.digest, mediaType: child.mediaType ?? fallbackType };
  }

  /** HEAD for the digest; GET when the header is missing, digests are verified, or the index body is wanted. */
  private async fetchTag(lookup: Lookup, wantsChildren: boolean, signal: AbortSignal): Promise<TagInfo> {
    if (this.opts.verifyDigests) return this.getVerified(lookup, lookup.tag, undefined, signal);
    const head = await this.manifestRequest(lookup, 'HEAD', lookup.tag, signal);
    if (head.status === 405 || head.status === 501) {
      this.log(`${lookup.label} does not support HEAD on manifests; using GET`);
      return this.getVerified(lookup, lookup.tag, undefined, signal);
    }
    if (head.status !== 200) {
      // explainFailure throws, unless a GET succeeded where the HEAD did not.
      return this.fromBody(lookup, await this.explainFailure(lookup, head, signal, true), undefined);
    }
    const header = headerValue(head.headers, 'docker-content-digest');
    const digest = header && isDigest(header) ? header : undefined;
    if (!digest) return this.getVerified(lookup, lookup.tag, undefined, signal);
    const mediaType = baseMediaType(headerValue(head.headers, 'content-type'));
    if (!isSupportedMediaType(mediaType) || (wantsChildren && isIndexType(mediaType))) {
      // Fetch by digest so the bytes are exactly the ones the HEAD named.
      return this.getVerified(lookup, digest, digest, signal);
    }
    return { digest, mediaType };
  }

  /** GETs a manifest and hashes its bytes; a Docker-Content-Digest (or the expected digest) that disagrees is an error. */
  private async getVerified(lookup: Lookup, reference: string, expected: string | undefined, signal: AbortSignal): Promise<TagInfo> {
    let res = await this.manifestRequest(lookup, 'GET', reference, signal);
    if (res.status === 404 && expected) {
      throw new RegistryError(
        'digest-mismatch',
        `${lookup.label} named ${expected} as the digest of ${lookup.reference} but serves no manifest with that digest — not pinning it; a proxy or the registry altered the answer`,
        lookup.reference,
        lookup.ref.domain,
        404,
      );
    }
    if (res.status !== 200) res = await this.explainFailure(lookup, res, signal, false);
    return this.fromBody(lookup, res, expected);
  }

  /** Hashes and parses a manifest GET answered with 200. */
  private fromBody(lookup: Lookup, res: HttpResponse, expected: string | undefined): TagInfo {
    const header = headerValue(res.headers, 'docker-content-digest');
    const claimed = expected ?? (header && isDigest(header) ? header : undefined);
    const computed = digestOf(res.body, claimed);
    if (claimed && claimed !== computed) {
      throw new RegistryError(
        'digest-mismatch',
        `${lookup.label} sent a manifest for ${lookup.reference} whose bytes hash to ${computed} although it named ${claimed} — not pinning it; a proxy or the registry altered the manifest`,
        lookup.reference,
        lookup.ref.domain,
        res.status,
      );
    }
    const contentType = baseMediaType(headerValue(res.headers, 'content-type'));
    const parsed = parseManifest(res.body, contentType);
    if (!parsed || !isSupportedMediaType(parsed.mediaType)) {
      const what = parsed ? parsed.mediaType || 'an unknown manifest type' : 'something that is not a manifest';
      throw new RegistryError(
        'bad-response',
        `${lookup.label} answered ${lookup.reference} with ${what}, which cannot be pinned — push it as an OCI or Docker schema 2 image`,
        lookup.reference,
        lookup.ref.domain,
        res.status,
      );
    }
    const info: TagInfo = { digest: computed, mediaType: parsed.mediaType };
    if (parsed.children && isIndexType(parsed.mediaType)) info.children = parsed.children;
    return info;
  }

  /** Learns the platform an older child digest was built for: its manifest's config blob says. */
  private async platformOf(lookup: Lookup, digest: string, signal: AbortSignal): Promise<void> {
    let platform: Omit<Platform, 'digest'> | null = null;
    const manifest = await this.manifestRequest(lookup, 'GET', digest, signal);
    if (manifest.status === 200 && digestOf(manifest.body, digest) === digest) {
      const parsed = parseManifest(manifest.body, baseMediaType(headerValue(manifest.headers, 'content-type')));
      if (parsed?.configDigest && isDigest(parsed.configDigest)) {
        const blob = await this.authorizedRequest(lookup, 'GET', `blobs/${parsed.configDigest}`, '*/*', signal);
        if (blob.status === 200 && digestOf(blob.body, parsed.configDigest) === parsed.configDigest) {
          platform = parseImageConfigPlatform(blob.body) ?? null;
        }
      }
    }
    this.log(`platform of ${digest}: ${platform ? `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}` : 'unknown'}`);
    this.platformByDigest.set(this.digestKey(lookup, digest), platform);
  }

  private digestKey(lookup: Lookup, digest: string): string {
    return `${lookup.target.host}/${lookup.target.repository}@${digest}`;
  }

  private manifestRequest(lookup: Lookup, method: 'HEAD' | 'GET', reference: string, signal: AbortSignal): Promise<HttpResponse> {
    return this.authorizedRequest(lookup, method, `manifests/${reference}`, MANIFEST_ACCEPT, signal, true);
  }

  /** A request under /v2/<repository>/, answering one auth challenge if the registry sends one. */
  private async authorizedRequest(
    lookup: Lookup,
    method: 'HEAD' | 'GET',
    path: string,
    accept: string,
    signal: AbortSignal,
    isManifest = false,
  ): Promise<HttpResponse> {
    const { endpoint, target } = lookup;
    const send = (state: AuthState | undefined): Promise<HttpResponse> => {
      if (isManifest) this.stats.manifestRequests++;
      return this.transport.send({
        method,
        // Built per request: the first one may have found that the host speaks plain HTTP.
        url: new URL(`/v2/${target.repository}/${path}`, this.transport.origin(endpoint.host, endpoint.scheme)),
        headers: { accept },
        authorization: state?.authorization,
        signal,
        maxBytes: MAX_MANIFEST_BYTES,
        schemeFixed: endpoint.scheme !== undefined,
      });
    };
    const contact = this.firstContact.get(endpoint.host);
    let endContact: (() => void) | undefined;
    if (contact) await contact;
    else this.firstContact.set(endpoint.host, new Promise<void>((resolve) => (endContact = resolve)));
    try {
      return await this.challengeOnce(send, target, signal);
    } finally {
      endContact?.();
    }
  }

  /** Sends with what is known of the host's auth, answering one 401 challenge. */
  private async challengeOnce(send: (state: AuthState | undefined) => Promise<HttpResponse>, target: Lookup['target'], signal: AbortSignal): Promise<HttpResponse> {
    let state = await this.auth.initial(target, signal);
    let res = await send(state);
    if (res.status !== 401) return res;
    if (res.credentialsDropped) throw redirectedAway(res, state);
    state = await this.auth.answer(target, res.headers['www-authenticate'], state, signal);
    res = await send(state);
    if (res.status === 401) {
      // Not a verdict on the credentials: they never reached the host that refused.
      if (res.credentialsDropped) throw redirectedAway(res, state);
      // The registry refuses even a freshly obtained authorization.
      // Basic credentials refused are wrong credentials; a fresh token refused means no access.
      if (state.authorization.startsWith('Basic ')) throw new AuthProblem('rejected', 'registry', state.credentialSource, undefined, 401);
      if (state.credentialSource) throw new AuthProblem('denied', 'registry', state.credentialSource, undefined, 401);
      const lookupResult = await this.credentials.get(target.host, target.repository);
      throw new AuthProblem('no-credentials', 'registry', undefined, lookupResult.note, 401);
    }
    return res;
  }

  /**
   * Turns a non-200 manifest answer into the right error (throws). A HEAD answer has no body, so the
   * manifest is asked for once more with GET to learn the registry's error code; should that GET
   * succeed (a registry with a broken HEAD), its response is returned.
   */
  private async explainFailure(lookup: Lookup, res: HttpResponse, signal: AbortSignal, fromHead: boolean): Promise<HttpResponse> {
    const retried = res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504;
    if (fromHead && !retried) {
      const get = await this.manifestRequest(lookup, 'GET', lookup.tag, signal);
      if (get.status === 200) return get;
      return this.explainFailure(lookup, get, signal, false);
    }
    const body = parseErrorBody(res.body);
    if (res.status === 404) throw await this.notFound(lookup, body?.code, signal);
    throw this.statusError(lookup, res, body);
  }

  /** Distribution says MANIFEST_UNKNOWN for a missing repository too; the tag list tells them apart. */
  private async notFound(lookup: Lookup, code: string | undefined, signal: AbortSignal): Promise<RegistryError> {
    let repositoryCode = code === 'NAME_UNKNOWN' ? code : undefined;
    if (!repositoryCode) {
      const tags = await this.authorizedRequest(lookup, 'GET', 'tags/list?n=1', 'application/json', signal).catch(() => undefined);
      if (tags?.status === 404) repositoryCode = parseErrorBody(tags.body)?.code ?? 'NAME_UNKNOWN';
    }
    const name = lookup.name;
    if (repositoryCode) {
      return new RegistryError(
        'repository-not-found',
        `repository ${name} was not found (${repositoryCode}) — check the image name`,
        lookup.reference,
        lookup.ref.domain,
        404,
      );
    }
    return new RegistryError(
      'tag-not-found',
      `tag "${lookup.tag}" of ${name} was not found (${code && NOT_FOUND_CODES.has(code) ? code : 'MANIFEST_UNKNOWN'}) — check the tag`,
      lookup.reference,
      lookup.ref.domain,
      404,
    );
  }

  private statusError(lookup: Lookup, res: HttpResponse, body: ReturnType<typeof parseErrorBody>): RegistryError {
    const { label, reference } = lookup;
    const registry = lookup.ref.domain;
    const status = res.status;
    const codeText = body ? ` (${body.code}${body.message ? `: ${body.message}` : ''})` : '';
    if (status === 429 || body?.code === 'TOOMANYREQUESTS') {
      const parts = [`HTTP ${status}`];
      if (res.retryAfterMs !== undefined) {
        const max = this.opts.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
        parts.push(`it asked to wait ${Math.ceil(res.retryAfterMs / 1000)} s, more than the ${Math.round(max / 1000)} s allowed`);
      }
      const remaining = headerValue(res.headers, 'ratelimit-remaining');
      if (remaining) parts.push(`ratelimit-remaining ${remaining}`);
      const hint = isDockerHub(lookup.endpoint.host) ? ' — wait, or docker login to get a higher limit' : ' — wait and try again';
      return new RegistryError('rate-limited', `${label} rate-limited the lookup of ${reference} (${parts.join(', ')})${hint}`, reference, registry, status);
    }
    if (status === 403 || body?.code === 'DENIED') {
      return new RegistryError('denied', `${label} denied access to ${lookup.ref.path}${codeText} — check that your account may pull ${reference}`, reference, registry, status);
    }
    if (status === 502 || status === 503 || status === 504) {
      const wait = res.retryAfterMs !== undefined ? `, asking to wait ${Math.ceil(res.retryAfterMs / 1000)} s` : '';
      return new RegistryError('unreachable', `${label} answered HTTP ${status} for ${reference}${wait}${codeText} — it may be down or overloaded; try again later`, reference, registry, status);
    }
    return new RegistryError('bad-response', `${label} answered HTTP ${status} for ${reference}${codeText} — try again later or check the registry`, reference, registry, status);
  }

  private toRegistryError(err: unknown, lookup: Lookup, signal: AbortSignal | undefined): RegistryError {
    const { reference, label } = lookup;
    const registry = lookup.ref.domain;
    const make = (code: RegistryError['code'], message: string, status?: number): RegistryError =>
      new RegistryError(code, this.scrubber.scrub(message), reference, registry, status);
    if (signal?.aborted || err instanceof AbortedWait || (err instanceof TransportFailure && err.code === 'cancelled')) {
      return make('cancelled', `the lookup of ${reference} at ${label} was cancelled`);
    }
    if (err instanceof RegistryError) return make(err.code, err.message, err.status);
    if (err instanceof AuthProblem) return this.authError(err, lookup, make);
    if (err instanceof TransportFailure) return this.transportError(err, lookup, make);
    const name = err instanceof Error ? err.name : typeof err;
    this.log(`unexpected failure for ${reference}: ${name}`);
    return make('bad-response', `looking up ${reference} at ${label} failed unexpectedly (${name}) — try again`);
  }

  private authError(err: AuthProblem, lookup: Lookup, make: (c: RegistryError['code'], m: string, s?: number) => RegistryError): RegistryError {
    const { reference, label, target } = lookup;
    const credentialHost = isDockerHub(target.host) ? DOCKER_HUB : target.host;
    const login = credentialHost === DOCKER_HUB ? 'docker login' : `docker login ${credentialHost}`;
    switch (err.kind) {
      case 'no-credentials':
        return make(
          'unauthorized',
          `${label} denied access to ${lookup.ref.path}: no credentials found for ${credentialHost}${err.note ? ` (${err.note})` : ''} — run ${login}`,
          err.status,
        );
      case 'rejected':
        return make(
          'unauthorized',
          `${label} refused ${reference}: unauthorized with the credentials from ${err.credentialSource} — run ${login} to renew them`,
          err.status,
        );
      case 'denied':
        return make(
          'denied',
          `${label} denied access to ${lookup.ref.path} with the credentials from ${err.credentialSource ?? 'your configuration'} — check that this account may pull ${reference}`,
          err.status,
        );
      case 'insecure':
        return make('insecure', `refusing ${err.detail} while looking up ${reference} — credentials and tokens only travel over HTTPS, or plain HTTP to loopback`);
      case 'bad-challenge':
        return make('bad-response', `${label} asked for authentication it does not describe usably (${err.detail}) for ${reference}`, err.status);
      case 'bad-token-response':
        return make('bad-response', `the token service for ${label} failed while looking up ${reference} (${err.detail}) — try again later`, err.status);
      case 'redirect-without-credentials':
        return make(
          'unauthorized',
          `${label} redirected the lookup of ${reference} to ${err.detail}, which asked for credentials: the credentials${err.credentialSource ? ` from ${err.credentialSource}` : ''} ` +
            `are sent only to ${target.host} itself, never across a redirect to another host, so they were not tried there and nothing says they are wrong — ` +
            `the registry's redirect (or a proxy in front of it) is what to fix`,
          err.status,
        );
    }
  }

  private transportError(err: TransportFailure, lookup: Lookup, make: (c: RegistryError['code'], m: string) => RegistryError): RegistryError {
    const { reference } = lookup;
    const host = err.host;
    switch (err.code) {
      case 'timeout': {
        const limit =
          err.detail === 'no connection'
            ? this.timeouts.connectMs
            : err.detail === 'no response headers'
              ? this.timeouts.headersMs
              : err.detail === TOTAL_TIMEOUT
                ? this.timeouts.totalMs
                : this.timeouts.bodyMs;
        const advice = err.detail === 'no connection' && !isPrivateHost(host) ? `; ${unreachableAdvice(host, err.proxy)}` : '';
        return make('timeout', `${host} did not answer in time while looking up ${reference} (${err.detail} within ${limit} ms) — try again, or raise the timeout${advice}`);
      }
      case 'tls':
        if (err.detail.startsWith('ERR_SSL_') || err.detail === 'EPROTO') {
          return make('tls', `the TLS handshake with ${host} failed while looking up ${reference} (${err.detail}) — if it serves plain HTTP, mark it insecure under registries`);
        }
        if (err.detail.startsWith('cannot read')) {
          return make('tls', `${err.detail} configured for ${host} (needed for ${reference}) — fix registries["${host}"].ca`);
        }
        return make('tls', `could not verify the TLS certificate of ${host} while looking up ${reference} (${err.detail}) — add its CA under registries["${host}"].ca or NODE_EXTRA_CA_CERTS`);
      case 'insecure':
        return make('insecure', `refusing ${err.detail} ${host} while looking up ${reference} — use HTTPS${err.detail.includes('credentials') ? '' : ', or mark a plain-HTTP registry on a trusted network insecure under registries'}`);
      case 'bad-response':
        return make('bad-response', `${host} sent ${err.detail} while looking up ${reference}`);
      case 'cancelled':
        return make('cancelled', `the lookup of ${reference} at ${lookup.label} was cancelled`);
      case 'unreachable':
        return make(
          'unreachable',
          `could not reach ${host}${err.proxy ? ` through the proxy ${err.proxy}` : ''} to look up ${reference}: ${whyUnreachable(err.detail)} — ${unreachableAdvice(host, err.proxy)}`,
        );
    }
  }
}

/** A 401 from the host a redirect led to, which the credentials were kept from. */
function redirectedAway(res: HttpResponse, state: AuthState | undefined): AuthProblem {
  return new AuthProblem('redirect-without-credentials', res.url.host, state?.credentialSource, undefined, 401);
}

export { RegistryError };
