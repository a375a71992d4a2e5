/**
 * Registry authentication as docker and skopeo do it: anonymous first, then the
 * challenge of a 401 (`WWW-Authenticate`: Bearer token flow or Basic), tokens
 * cached per registry and scope until they expire.
 */
import { TtlCache } from './cache';
import type { Credential, CredentialStore } from './credentials';
import { isLoopback, plainHttpAllowed, type RegistryHostConfig } from './hosts';
import { InFlight } from './limits';
import { displayUrl, type SecretScrubber } from './redact';
import type { Transport } from './transport';

export interface Challenge {
  /** Lower-case scheme: `bearer`, `basic`, ... */
  scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses `WWW-Authenticate` (RFC 7235): several challenges, comma-separated
 * parameters, quoted strings that contain commas and escapes, several header lines.
 */
export function parseWwwAuthenticate(value: string | string[] | undefined): Challenge[] {
  if (!value) return [];
  const lines = Array.isArray(value) ? value : [value];
  return lines.flatMap(parseLine);
}

function parseLine(text: string): Challenge[] {
  const challenges: Challenge[] = [];
  let pos = 0;
  const skip = (chars: RegExp): void => {
    while (pos < text.length && chars.test(text[pos])) pos++;
  };
  const token = (): string => {
    const start = pos;
    while (pos < text.length && TOKEN_CHAR.test(text[pos])) pos++;
    return text.slice(start, pos);
  };
  const quoted = (): string => {
    let out = '';
    pos++; // opening quote
    while (pos < text.length && text[pos] !== '"') {
      if (text[pos] === '\\' && pos + 1 < text.length) pos++;
      out += text[pos++];
    }
    pos++; // closing quote
    return out;
  };
  let current: Challenge | undefined;
  while (pos < text.length) {
    skip(/[\s,]/);
    const start = pos;
    const name = token();
    if (!name) {
      pos++; // stray character: skip it rather than loop forever
      continue;
    }
    skip(/[ \t]/);
    if (text[pos] === '=' && current) {
      const afterEquals = text[pos + 1];
      // `token68` (`abc==`): not a parameter; nothing in the registry flow uses it.
      if (afterEquals === '=' || afterEquals === undefined || afterEquals === ',') {
        skip(/=/);
        continue;
      }
      pos++;
      skip(/[ \t]/);
      const value = text[pos] === '"' ? quoted() : token();
      current.params[name.toLowerCase()] = value;
      continue;
    }
    if (text[pos] === '=' && !current) {
      pos = start + name.length + 1; // a parameter before any scheme: ignore it
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    challenges.push(current);
  }
  return challenges;
}

/** What went wrong while authenticating; the client turns it into a RegistryError. */
export class AuthProblem extends Error {
  constructor(
    readonly kind: 'no-credentials' | 'rejected' | 'denied' | 'insecure' | 'bad-challenge' | 'bad-token-response' | 'redirect-without-credentials',
    readonly detail: string,
    readonly credentialSource?: string,
    readonly note?: string,
    readonly status?: number,
  ) {
    super(`${kind}: ${detail}`);
    this.name = 'AuthProblem';
  }
}

/** The Authorization to send, and where its credentials came from (for messages). */
export interface AuthState {
  authorization: string;
  credentialSource?: string;
  /** Set for bearer tokens: the cache key, to drop the token if the registry rejects it. */
  tokenKey?: string;
}

export interface AuthTarget {
  /** The host the API requests go to (its credentials are looked up). */
  host: string;
  repository: string;
}

interface BearerParams {
  realm: string;
  service?: string;
}

interface TokenResult {
  token: string;
  ttlMs: number;
  credentialSource?: string;
}

/** Docker never trusts a token for less than a minute; neither do we. */
const MIN_TOKEN_SECONDS = 60;
const MAX_TOKEN_BYTES = 1024 * 1024;

export interface AuthenticatorOptions {
  transport: Transport;
  credentials: CredentialStore;
  registries?: Record<string, RegistryHostConfig>;
  scrubber: SecretScrubber;
  log: (line: string) => void;
  onTokenRequest: () => void;
}

export class Authenticator {
  private readonly tokens = new TtlCache<TokenResult>(1000);
  private readonly fetching = new InFlight<TokenResult>();
  /** What each host asked for last: lets the next scope get its token without a 401 first. */
  private readonly known = new Map<string, { scheme: 'bearer'; params: BearerParams } | { scheme: 'basic' }>();

  constructor(private readonly opts: AuthenticatorOptions) {}

  clear(): void {
    this.tokens.clear();
    this.known.clear();
  }

  /** Authorization to send with the first request, when the host's scheme is already known. */
  async initial(target: AuthTarget, signal?: AbortSignal): Promise<AuthState | undefined> {
    const known = this.known.get(target.host);
    if (!known) return undefined;
    if (known.scheme === 'basic') {
      const { credential } = await this.opts.credentials.get(target.host, target.repository);
      return credential ? this.basicState(credential) : undefined;
    }
    return this.bearer(target, known.params, scopeFor(target), signal, false);
  }

  /** Answers a 401 challenge. `previous` is what was sent; a rejected cached token is fetched anew once. */
  async answer(
    target: AuthTarget,
    header: string | string[] | undefined,
    previous: AuthState | undefined,
    signal?: AbortSignal,
  ): Promise<AuthState> {
    const challenges = parseWwwAuthenticate(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer) {
      const params: BearerParams = { realm: bearer.params.realm, service: bearer.params.service };
      this.known.set(target.host, { scheme: 'bearer', params });
      // A cached token the registry refuses (expired or revoked) is dropped and fetched anew;
      // the client answers a challenge only once per request, so a fresh refusal is final.
      if (previous?.tokenKey) this.tokens.delete(previous.tokenKey);
      return this.bearer(target, params, bearer.params.scope || scopeFor(target), signal, true);
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      this.known.set(target.host, { scheme: 'basic' });
      const lookup = await this.opts.credentials.get(target.host, target.repository);
      if (!lookup.credential) throw new AuthProblem('no-credentials', 'basic', undefined, lookup.note, 401);
      if (previous && previous.authorization.startsWith('Basic ')) {
        throw new AuthProblem('rejected', 'basic', lookup.credential.source, undefined, 401);
      }
      const state = this.basicState(lookup.credential);
      if (!state) throw new AuthProblem('no-credentials', 'basic', undefined, `the entry in ${lookup.credential.source} holds an identity token, which Basic auth cannot use`, 401);
      return state;
    }
    throw new AuthProblem('bad-challenge', challenges.length ? challenges.map((c) => c.scheme).join(', ') : 'none', undefined, undefined, 401);
  }

  private basicState(credential: Credential): AuthState | undefined {
    if (credential.username === undefined || credential.password === undefined) return undefined;
    const encoded = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
    this.opts.scrubber.add(encoded);
    return { authorization: `Basic ${encoded}`, credentialSource: credential.source };
  }

  private tokenKey(host: string, params: BearerParams, scope: string): string {
    return `${host}\n${params.realm}\n${params.service ?? ''}\n${scope}`;
  }

  private async bearer(
    target: AuthTarget,
    params: BearerParams,
    scope: string,
    signal: AbortSignal | undefined,
    afterChallenge: boolean,
  ): Promise<AuthState> {
    const key = this.tokenKey(target.host, params, scope);
    const cached = this.tokens.get(key);
    if (cached) return { authorization: `Bearer ${cached.token}`, credentialSource: cached.credentialSource, tokenKey: key };
    const result = await this.fetching.run(key, signal, (shared) => this.fetchToken(target, params, scope, shared));
    this.tokens.set(key, result, result.ttlMs);
    if (!afterChallenge) this.opts.log(`token for ${scope} fetched ahead of the request`);
    return { authorization: `Bearer ${result.token}`, credentialSource: result.credentialSource, tokenKey: key };
  }

  private async fetchToken(target: AuthTarget, params: BearerParams, scope: string, signal: AbortSignal): Promise<TokenResult> {
    let realm: URL;
    try {
      realm = new URL(params.realm);
    } catch {
      throw new AuthProblem('bad-challenge', 'a token realm that is not a URL');
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new AuthProblem('bad-challenge', 'a token realm that is not HTTP(S)');
    const lookup = await this.opts.credentials.get(target.host, target.repository);
    const credential = lookup.credential;
    if (realm.protocol === 'http:') {
      // Plain HTTP realms: loopback always; insecure-marked hosts only without credentials.
      const allowed = isLoopback(realm.host) || (!credential && plainHttpAllowed(realm.host, this.opts.registries));
      if (!allowed) {
        const what = credential ? 'to send credentials to' : 'to use';
        throw new AuthProblem('insecure', `${what} the plain-HTTP token realm ${displayUrl(realm)}`, credential?.source);
      }
    }

    let response;
    this.opts.onTokenRequest();
    if (credential?.identityToken) {
      // Docker's OAuth2 refresh-token grant for identity tokens.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, client_id: 'image-pin' });
      if (params.service) form.set('service', params.service);
      form.set('scope', scope);
      response = await this.opts.transport.send({
        method: 'POST',
        url: new URL(realm.href),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal,
        maxBytes: MAX_TOKEN_BYTES,
        schemeFixed: true,
      });
    } else {
      const url = new URL(realm.href);
      if (params.service) url.searchParams.set('service', params.service);
      for (const item of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', item);
      const basic = credential ? this.basicState(credential) : undefined;
      response = await this.opts.transport.send({
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
        authorization: basic?.authorization,
        signal,
        maxBytes: MAX_TOKEN_BYTES,
        schemeFixed: true,
      });
    }
    this.opts.log(`token request to ${displayUrl(realm)} for ${scope} -> ${response.status}${credential ? ` (credentials from ${credential.source})` : ' (anonymous)'}`);
    if (response.status === 401) {
      if (response.credentialsDropped) throw new AuthProblem('redirect-without-credentials', response.url.host, credential?.source, undefined, 401);
      if (credential) throw new AuthProblem('rejected', 'token', credential.source, undefined, 401);
      throw new AuthProblem('no-credentials', 'token', undefined, lookup.note, 401);
    }
    if (response.status === 403) throw new AuthProblem('denied', 'token', credential?.source, lookup.note, 403);
    if (response.status !== 200) {
      throw new AuthProblem('bad-token-response', `HTTP ${response.status} from ${realm.host}`, credential?.source, undefined, response.status);
    }
    return this.parseToken(response.body, credential, realm);
  }

  private parseToken(body: Buffer, credential: Credential | undefined, realm: URL): TokenResult {
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(body.toString('utf8')) as typeof json;
    } catch {
      throw new AuthProblem('bad-token-response', `a response from ${realm.host} that is not JSON`);
    }
    const token = typeof json.token === 'string' && json.token ? json.token : typeof json.access_token === 'string' ? json.access_token : '';
    if (!token) throw new AuthProblem('bad-token-response', `a response from ${realm.host} without a token`);
    this.opts.scrubber.add(token);
    const seconds = typeof json.expires_in === 'number' && json.expires_in > MIN_TOKEN_SECONDS ? json.expires_in : MIN_TOKEN_SECONDS;
    // Renew a little early so a token does not expire between the cache and the registry.
    const ttlMs = seconds * 1000 - Math.min(10_000, seconds * 100);
    return { token, ttlMs, credentialSource: credential?.source };
  }
}

function scopeFor(target: AuthTarget): string {
  return `repository:${target.repository}:pull`;
}
