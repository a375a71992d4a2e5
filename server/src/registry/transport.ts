/**
 * Every HTTP exchange of the registry client: undici agents with CA bundles and
 * proxies, HTTPS with plain-HTTP fallback for allowed hosts, redirects followed by
 * hand (Authorization never crosses to another origin), timeouts, retries with
 * backoff honouring Retry-After, and the concurrency limits.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { TransportFailure, classifyNetworkError, errorCode, isRetryableNetworkError, isTlsProtocolError } from './errors';
import { hostConfig, hostName, isLoopback, plainHttpAllowed, type RegistryHostConfig } from './hosts';
import { Limiter, sleep } from './limits';
import { displayUrl } from './redact';

export interface ProxySettings {
  url?: string;
  /** When false, certificates are not verified on connections that go through the proxy (VS Code's http.proxyStrictSSL). */
  strictSSL?: boolean;
  noProxy?: string[];
}

export interface TransportOptions {
  registries?: Record<string, RegistryHostConfig>;
  env: NodeJS.ProcessEnv;
  proxy?: ProxySettings;
  /** Paths of PEM files with extra CAs for every host. */
  caCertificates?: string[];
  connectMs: number;
  headersMs: number;
  bodyMs: number;
  /** The whole of one request, first byte sent to last byte read. */
  totalMs: number;
  retries: number;
  maxRetryAfterMs: number;
  perHostConcurrency: number;
  globalConcurrency: number;
  log: (line: string) => void;
  onRetry: () => void;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  /** Sent only to the request's own origin, never after a redirect to another one. */
  authorization?: string;
  body?: string;
  signal?: AbortSignal;
  /** A larger successful body is refused as a bad response. */
  maxBytes: number;
  /** The scheme was chosen by configuration: no fallback to plain HTTP. */
  schemeFixed?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: URL;
  /** Set when the server asked to wait longer than allowed (the response is then the 429/503 itself). */
  retryAfterMs?: number;
  /** Set when a redirect led to another origin, so the request's Authorization was not sent to the host that answered. */
  credentialsDropped?: boolean;
}

/** The detail of a timeout of the total deadline (the others are idle timers). */
export const TOTAL_TIMEOUT = 'no complete response';

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 8000;

/** One header value as a string (repeated headers joined with `, `). */
export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with jitter: between half and all of base·2^attempt, capped. */
export function backoffMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Whether `NO_PROXY`-style entries exclude this URL (`*`, `host`, `.domain`, `*.domain`, `host:port`). */
export function matchesNoProxy(url: URL, entries: string[]): boolean {
  const host = hostName(url.host).toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of entries) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const portMatch = /^(.*[^:]):(\d+)$/.exec(entry);
    if (portMatch && !entry.startsWith('[') && entry.split(':').length === 2) {
      entry = portMatch[1];
      entryPort = portMatch[2];
    }
    if (entryPort && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '');
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
}

export class Transport {
  private readonly limiter: Limiter;
  private readonly dispatchers = new Map<string, Dispatcher>();
  private readonly caByHost = new Map<string, string[] | undefined>();
  /** Hosts found to speak plain HTTP (only ever loopback or insecure-marked ones). */
  private readonly plainHosts = new Set<string>();
  private extraCa: string[] | null = null;

  constructor(private readonly opts: TransportOptions) {
    this.limiter = new Limiter(opts.perHostConcurrency, opts.globalConcurrency);
  }

  /** The base URL for a registry host: HTTPS unless the host was found to speak plain HTTP. */
  origin(host: string, scheme?: 'https' | 'http'): URL {
    const chosen = scheme ?? (this.plainHosts.has(host) ? 'http' : 'https');
    return new URL(`${chosen}://${host}`);
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const startOrigin = req.url.origin;
    let current: HttpRequest = req;
    for (let hop = 0; ; hop++) {
      const sent = await this.sendWithRetries(current);
      const res = req.authorization && !current.authorization ? { ...sent, credentialsDropped: true } : sent;
      const location = headerValue(res.headers, 'location');
      if (!REDIRECT_STATUSES.has(res.status) || !location || hop >= MAX_REDIRECTS) return res;
      let next: URL;
      try {
        next = new URL(location, res.url);
      } catch {
        return res;
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') return res;
      // A POST body can carry a refresh token: it is never replayed to another origin.
      if (current.method === 'POST' && next.origin !== startOrigin) return res;
      // Storage redirects are legitimate but belong to someone else: credentials stay behind.
      const authorization = next.origin === startOrigin ? current.authorization : undefined;
      const method = res.status === 303 && current.method === 'POST' ? 'GET' : current.method;
      this.opts.log(`redirect ${res.status} to ${displayUrl(next)}${authorization || !current.authorization ? '' : ' (without credentials)'}`);
      current = {
        ...current,
        url: next,
        method,
        authorization,
        body: method === 'POST' ? current.body : undefined,
        schemeFixed: true,
      };
    }
  }

  async close(): Promise<void> {
    const all = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(all.map((d) => d.close().catch(() => undefined)));
  }

  private async sendWithRetries(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.sendOnce({ ...req, url });
      } catch (err) {
        if (req.signal?.aborted) throw new TransportFailure('cancelled', 'cancelled', url.host);
        if (err instanceof TransportFailure) throw err;
        if (
          url.protocol === 'https:' &&
          !req.schemeFixed &&
          isTlsProtocolError(errorCode(err)) &&
          plainHttpAllowed(url.host, this.opts.registries)
        ) {
          // The host answered a TLS hello with something else: it speaks plain HTTP.
          this.plainHosts.add(url.host);
          url = new URL(url.href.replace(/^https:/, 'http:'));
          this.opts.log(`${url.host} does not speak TLS; using plain HTTP (allowed for this host)`);
          attempt--;
          continue;
        }
        if (isRetryableNetworkError(err) && attempt < this.opts.retries) {
          const delay = backoffMs(attempt);
          this.opts.log(`${req.method} ${displayUrl(url)} failed (${errorCode(err)}); retry ${attempt + 1} in ${delay} ms`);
          this.opts.onRetry();
          await this.pause(delay, req.signal, url.host);
          continue;
        }
        throw classifyNetworkError(err, url.host, this.proxyHostFor(url));
      }
      if (!RETRY_STATUSES.has(res.status)) return res;
      const retryAfter = parseRetryAfter(headerValue(res.headers, 'retry-after'));
      if (retryAfter !== undefined && retryAfter > this.opts.maxRetryAfterMs) return { ...res, retryAfterMs: retryAfter };
      if (attempt >= this.opts.retries) return res;
      const delay = retryAfter ?? backoffMs(attempt);
      this.opts.log(`${req.method} ${displayUrl(url)} answered ${res.status}; retry ${attempt + 1} in ${delay} ms`);
      this.opts.onRetry();
      await this.pause(delay, req.signal, url.host);
    }
  }

  private async pause(ms: number, signal: AbortSignal | undefined, host: string): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch {
      throw new TransportFailure('cancelled', 'cancelled', host);
    }
  }

  private async sendOnce(req: HttpRequest): Promise<HttpResponse> {
    const { url } = req;
    if (url.protocol === 'http:') {
      if (!plainHttpAllowed(url.host, this.opts.registries)) {
        throw new TransportFailure('insecure', 'plain HTTP to', url.host);
      }
      if (req.authorization && !isLoopback(url.host)) {
        throw new TransportFailure('insecure', 'to send credentials over plain HTTP to', url.host);
      }
    }
    let release: () => void;
    try {
      release = await this.limiter.acquire(url.host, req.signal);
    } catch {
      throw new TransportFailure('cancelled', 'cancelled', url.host);
    }
    const started = Date.now();
    // Idle timers restart with every byte; this one does not: a body trickled a byte at a time ends here.
    const deadline = AbortSignal.timeout(this.opts.totalMs);
    try {
      const headers: Record<string, string> = { 'user-agent': 'image-pin', ...req.headers };
      if (req.authorization) headers.authorization = req.authorization;
      const res = await request(url, {
        method: req.method,
        headers,
        body: req.body,
        signal: req.signal ? AbortSignal.any([req.signal, deadline]) : deadline,
        dispatcher: this.dispatcherFor(url),
        headersTimeout: this.opts.headersMs,
        bodyTimeout: this.opts.bodyMs,
      });
      const ok = res.statusCode < 300;
      const body = req.method === 'HEAD' ? (await res.body.dump(), Buffer.alloc(0)) : await readBody(res.body, ok ? req.maxBytes : MAX_ERROR_BODY, ok, url.host);
      this.opts.log(`${req.method} ${displayUrl(url)} -> ${res.statusCode} in ${Date.now() - started} ms`);
      return { status: res.statusCode, headers: res.headers, body, url };
    } catch (err) {
      if (deadline.aborted && !req.signal?.aborted) throw new TransportFailure('timeout', TOTAL_TIMEOUT, url.host);
      throw err;
    } finally {
      release();
    }
  }

  private dispatcherFor(url: URL): Dispatcher {
    const ca = this.caFor(url.host);
    const proxy = this.proxyFor(url);
    const strict = proxy ? this.opts.proxy?.strictSSL !== false : true;
    const key = `${proxy ?? 'direct'}|${ca ? url.host : '-'}|${strict}`;
    let dispatcher = this.dispatchers.get(key);
    if (dispatcher) return dispatcher;
    const tlsOptions = { ...(ca ? { ca } : {}), ...(strict ? {} : { rejectUnauthorized: false }), timeout: this.opts.connectMs };
    if (proxy) {
      this.opts.log(`using proxy ${displayUrl(new URL(proxy))} for ${url.host}`);
      dispatcher = new ProxyAgent({ uri: proxy, requestTls: tlsOptions, proxyTls: tlsOptions, connect: { timeout: this.opts.connectMs } });
    } else {
      dispatcher = new Agent({ connect: tlsOptions });
    }
    this.dispatchers.set(key, dispatcher);
    return dispatcher;
  }

  /** The proxy's `host:port` for messages (its URL may carry credentials). */
  private proxyHostFor(url: URL): string | undefined {
    const proxy = this.proxyFor(url);
    if (!proxy) return undefined;
    try {
      return new URL(proxy).host;
    } catch {
      return 'the configured proxy';
    }
  }

  private proxyFor(url: URL): string | undefined {
    if (isLoopback(url.host)) return undefined;
    const env = this.opts.env;
    const noProxy = [...(this.opts.proxy?.noProxy ?? []), ...(envValue(env, 'no_proxy') ?? '').split(/[\s,]+/)];
    if (matchesNoProxy(url, noProxy)) return undefined;
    if (this.opts.proxy?.url) return this.opts.proxy.url;
    const httpProxy = envValue(env, 'http_proxy');
    return url.protocol === 'https:' ? envValue(env, 'https_proxy') ?? httpProxy : httpProxy;
  }

  /**
   * Extra CAs for a host (its configured `ca` and NODE_EXTRA_CA_CERTS), added to the
   * system roots: undici's `connect.ca` replaces the roots, so they are combined here.
   */
  private caFor(host: string): string[] | undefined {
    if (this.caByHost.has(host)) return this.caByHost.get(host);
    const extra = [...this.globalExtraCa()];
    const configured = hostConfig(this.opts.registries, host).ca;
    if (configured) extra.push(readPem(configured, host));
    const ca = extra.length > 0 ? [...rootCertificates, ...extra] : undefined;
    this.caByHost.set(host, ca);
    return ca;
  }

  private globalExtraCa(): string[] {
    if (this.extraCa === null) {
      const sources: Array<[string, string]> = (this.opts.caCertificates ?? []).map((file) => [file, 'CA certificate file']);
      const envFile = this.opts.env.NODE_EXTRA_CA_CERTS;
      if (envFile) sources.push([envFile, 'NODE_EXTRA_CA_CERTS file']);
      this.extraCa = [];
      for (const [file, what] of sources) {
        try {
          this.extraCa.push(readFileSync(file, 'utf8'));
        } catch {
          this.opts.log(`${what} ${file} could not be read; ignoring it`);
        }
      }
    }
    return this.extraCa;
  }
}

function readPem(value: string, host: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch {
    throw new TransportFailure('tls', `cannot read the CA file ${value}`, host);
  }
}

async function readBody(body: AsyncIterable<Buffer>, max: number, strict: boolean, host: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      (body as { destroy?: () => void }).destroy?.();
      if (strict) throw new TransportFailure('bad-response', `a response larger than ${max} bytes`, host);
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
