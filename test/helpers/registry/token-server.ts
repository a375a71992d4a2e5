import { createPrivateKey, randomBytes, sign, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenRequestRecord { scope?: string; service?: string; authorization?: string; }
/** Where the token server counts what it did; the harness hands this object to tests as it is mutated. */
export interface TokenLog { issued: number; requests: TokenRequestRecord[]; }

export interface TokenServerOptions {
  service: string;
  issuer: string;
  signerCertPem: string;
  signerKeyPem: string;
  /** Accounts that may pull. */
  users: Record<string, string>;
  /** The one account that may also push (the seeding helper). */
  pusher: { username: string; password: string };
  log: TokenLog;
}

export interface TokenServer { baseUrl: string; stop(): Promise<void>; }

const TOKEN_TTL_SECONDS = 300;

/**
 * A Docker-style token server on loopback: GET /token?service=…&scope=… with optional Basic credentials.
 * Signs ES256 JWTs (raw r||s signature) carrying the signer certificate in `x5c`, which
 * docker-registry checks against its `rootcertbundle`. Anonymous callers get a valid token with no access,
 * so every repository needs credentials.
 */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(opts.signerKeyPem);
  const x5c = [new X509Certificate(opts.signerCertPem).raw.toString('base64')];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter((s) => s !== '');
    const service = url.searchParams.get('service') ?? undefined;
    const authorization = req.headers.authorization;
    opts.log.requests.push({ scope: scopes.length ? scopes.join(' ') : undefined, service, authorization });

    if (req.method !== 'GET' || url.pathname !== '/token') {
      return reply(res, 404, { errors: [{ code: 'NOT_FOUND', message: `no ${req.method} ${url.pathname} here` }] });
    }
    const who = authenticate(authorization, opts);
    if (who === 'rejected') {
      res.setHeader('WWW-Authenticate', 'Basic realm="image-pin-test-token"');
      return reply(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] });
    }
    const allowed = who === null ? [] : who === opts.pusher.username ? ['pull', 'push', 'delete'] : ['pull'];
    const access = scopes.map(parseScope).filter((s): s is ScopeClaim => s !== null)
      .map((s) => ({ ...s, actions: s.type === 'repository' ? s.actions.filter((a) => allowed.includes(a)) : [] }))
      .filter((s) => s.actions.length > 0);

    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(key, x5c, {
      iss: opts.issuer, sub: who ?? '', aud: service ?? opts.service,
      exp: now + TOKEN_TTL_SECONDS, nbf: now - 10, iat: now, jti: randomBytes(12).toString('hex'), access,
    });
    opts.log.issued++;
    reply(res, 200, { token, access_token: token, expires_in: TOKEN_TTL_SECONDS, issued_at: new Date(now * 1000).toISOString() });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref(); // like the registry process: a test that forgets stop() must not hang Node
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

interface ScopeClaim { type: string; name: string; actions: string[]; }

/** `repository:org/app:pull,push` → claim; the name is everything between the first and last colon. */
function parseScope(scope: string): ScopeClaim | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return null;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',') };
}

/** Account name, null for anonymous, or 'rejected' for bad or malformed credentials. */
function authenticate(authorization: string | undefined, opts: TokenServerOptions): string | null | 'rejected' {
  if (authorization === undefined) return null;
  const m = /^Basic\s+(\S+)$/i.exec(authorization);
  if (!m) return 'rejected';
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'rejected';
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const expected = user === opts.pusher.username ? opts.pusher.password : opts.users[user];
  return expected !== undefined && sameText(expected, password) ? user : 'rejected';
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function signJwt(key: KeyObject, x5c: string[], claims: object): string {
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c }));
  const body = b64url(JSON.stringify(claims));
  // JWS wants the raw 64-byte r||s form, not DER.
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${b64url(sig)}`;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
