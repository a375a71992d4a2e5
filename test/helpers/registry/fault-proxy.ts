import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest { method: string; path: string; headers: Record<string, string | string[] | undefined>; }

export type Fault =
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset'; times?: number }
  | { kind: 'close'; times?: number }
  | { kind: 'status'; status: number; retryAfter?: string; times?: number; body?: string; headers?: Record<string, string> }
  | { kind: 'wrong-digest' }
  | { kind: 'drop-digest' }
  | { kind: 'redirect'; to: string }
  /** The registry's answer, its body sent one byte every `intervalMs` (default 1000): never idle long, never done. */
  | { kind: 'trickle'; intervalMs?: number };

export interface FaultProxy {
  url: string;
  host: string;
  requests: RecordedRequest[];
  setFault(f: Fault | null): void;
  stop(): Promise<void>;
}

export interface Recorder {
  url: string;
  host: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  onlyPaths?: RegExp;
  /** Do not keep Node alive for this server (for proxies owned by a registry, which stop with it). */
  unref?: boolean;
}

// Connection-level headers belong to each hop; node:http frames the forwarded bodies itself.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * A plain-HTTP proxy on loopback in front of `target` (a base URL) that injects the current fault.
 * `Host` is forwarded unchanged, so the registry builds upload `Location`s that point back at the proxy.
 * Faults apply only to requests whose path matches `onlyPaths` (all requests when omitted); `times` counts
 * matching requests, after which the proxy passes traffic through again. Every request is recorded.
 * An https target is reached without verifying its certificate: this proxy exists only for fault injection.
 */
export async function startFaultProxy(target: string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const base = new URL(target);
  const requests: RecordedRequest[] = [];
  let fault: Fault | null = null;
  let remaining = Infinity;

  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path, headers: { ...req.headers } });
    const active = fault !== null && remaining > 0 && (opts.onlyPaths === undefined || opts.onlyPaths.test(path)) ? fault : null;
    if (active !== null && remaining !== Infinity) remaining--;

    switch (active?.kind) {
      case undefined:
        return forward(base, req, res);
      case 'delay': {
        const timer = setTimeout(() => forward(base, req, res), active.ms);
        req.socket.once('close', () => clearTimeout(timer));
        return;
      }
      case 'hang':
        return; // closeAllConnections() in stop() ends it.
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'close':
        req.socket.destroy();
        return;
      case 'status': {
        const body = active.body ?? JSON.stringify({ errors: [{ code: errorCode(active.status), message: 'injected by the test fault proxy' }] });
        const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...active.headers };
        if (active.retryAfter !== undefined) headers['Retry-After'] = active.retryAfter;
        res.writeHead(active.status, headers);
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      case 'wrong-digest':
        return forward(base, req, res, (value) => value === undefined ? undefined : otherDigest(value));
      case 'drop-digest':
        return forward(base, req, res, () => undefined);
      case 'trickle':
        return forward(base, req, res, undefined, active.intervalMs ?? 1000);
      case 'redirect':
        res.writeHead(307, { Location: active.to.replace(/\/$/, '') + path, 'Content-Length': 0 });
        res.end();
        return;
    }
  });

  const address = await listen(server);
  if (opts.unref) server.unref();
  return {
    url: `http://${address}`,
    host: address,
    requests,
    setFault(f) {
      fault = f;
      remaining = f !== null && 'times' in f && f.times !== undefined ? f.times : Infinity;
    },
    stop: () => close(server),
  };
}

/** A plain HTTP server on loopback that records every request and answers 404: the "other host" for redirect tests. */
export async function startRecorder(): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers } });
    req.resume();
    const body = 'recorded by the test recorder; nothing is served here\n';
    res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const address = await listen(server);
  return { url: `http://${address}`, host: address, requests, stop: () => close(server) };
}

/**
 * Forwards one request; `rewriteDigest` maps the Docker-Content-Digest value (undefined drops it);
 * with `trickleMs` the body goes out one byte at a time, that many milliseconds apart.
 */
function forward(base: URL, req: http.IncomingMessage, res: http.ServerResponse,
  rewriteDigest?: (value: string | undefined) => string | undefined, trickleMs?: number): void {
  const headers = pairs(req.rawHeaders).filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase())).flat();
  const lib = base.protocol === 'https:' ? https : http;
  const upstream = lib.request({
    hostname: base.hostname, port: base.port, method: req.method, path: req.url, headers,
    agent: false, rejectUnauthorized: false,
  }, (up) => {
    let out = pairs(up.rawHeaders).filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase()));
    if (rewriteDigest) {
      const original = out.find(([k]) => k.toLowerCase() === 'docker-content-digest')?.[1];
      const replaced = rewriteDigest(original);
      out = out.filter(([k]) => k.toLowerCase() !== 'docker-content-digest');
      if (replaced !== undefined) out.push(['Docker-Content-Digest', replaced]);
    }
    res.writeHead(up.statusCode ?? 502, up.statusMessage, out.flat());
    if (trickleMs === undefined) {
      up.pipe(res);
      return;
    }
    res.flushHeaders();
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.concat(chunks);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= body.length) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(body.subarray(sent, ++sent));
      }, trickleMs);
      res.once('close', () => clearInterval(timer));
    });
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** A different, well-formed sha256 digest. */
function otherDigest(value: string): string {
  return 'sha256:' + createHash('sha256').update(`not ${value}`).digest('hex');
}

function errorCode(status: number): string {
  if (status === 429) return 'TOOMANYREQUESTS';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 503) return 'UNAVAILABLE';
  return 'UNKNOWN';
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
