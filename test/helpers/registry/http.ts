import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpResponse { status: number; headers: http.IncomingHttpHeaders; body: Buffer; }
export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** PEM of a CA to trust for https URLs. */
  ca?: string;
  timeoutMs?: number;
}

/**
 * A minimal HTTP(S) client on node:http, independent of the product's registry client.
 * One connection per request (`agent: false`) so nothing lingers after a registry stops.
 */
export function httpRequest(url: string, opts: HttpOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method: opts.method ?? 'GET', headers: opts.headers, agent: false, ca: opts.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 15_000, () => req.destroy(new Error(`timeout: ${opts.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** First value of a response header. */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
