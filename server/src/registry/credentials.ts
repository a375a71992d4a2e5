/**
 * Finding credentials the way docker and skopeo do: Docker's config.json
 * (`credHelpers`, `auths`, `credsStore`) and containers' auth.json. Helpers run
 * only when allowed, under a checked name and a timeout.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HUB, DOCKER_HUB_CREDENTIAL_KEY, isDockerHub } from './hosts';
import type { SecretScrubber } from './redact';

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken`, or a helper's Secret when Username is `<token>`). */
  identityToken?: string;
  /** Where it came from, for messages: a file path (home shown as ~) or a helper's name. */
  source: string;
}

export interface CredentialLookup {
  credential?: Credential;
  /** Why nothing usable was found, when there is more to say than "no entry" (helper disabled or failed). */
  note?: string;
}

export interface CredentialOptions {
  dockerConfigPath?: string;
  env: NodeJS.ProcessEnv;
  allowCredentialHelpers: boolean;
  helperTimeoutMs: number;
  scrubber: SecretScrubber;
  log: (line: string) => void;
}

/** Helper names become part of an executable name; nothing else gets through. */
export const HELPER_NAME = /^[a-z0-9._-]+$/;

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface ConfigFile {
  path: string;
  auths: Record<string, AuthEntry>;
  credHelpers: Record<string, string>;
  credsStore?: string;
}

/** Docker's normalisation of a config key: scheme and path removed, Hub aliases folded. */
export function normaliseConfigKey(key: string): string {
  let host = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  host = host.split('/')[0].toLowerCase();
  return isDockerHub(host) ? DOCKER_HUB : host;
}

/** Decodes `auth` (base64 of `user:password`). */
export function decodeAuth(auth: string): { username: string; password: string } | undefined {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export class CredentialStore {
  private readonly helperResults = new Map<string, Promise<CredentialLookup>>();
  private readonly home: string;

  constructor(private readonly opts: CredentialOptions) {
    this.home = opts.env.HOME || homedir();
  }

  /** Forgets helper answers (the next lookup runs the helper again). */
  clear(): void {
    this.helperResults.clear();
  }

  /**
   * Credentials for a registry as the user names it (`docker.io`, `ghcr.io`,
   * `127.0.0.1:5000`) and a repository in it (auth.json may hold per-repository entries).
   */
  async get(registry: string, repository: string): Promise<CredentialLookup> {
    const host = normaliseConfigKey(registry);
    const notes: string[] = [];
    const docker = this.readDockerConfig();
    if (docker) {
      const helper = findByHost(docker.credHelpers, host);
      if (helper) {
        const result = await this.fromHelper(helper, host, `credHelpers in ${this.show(docker.path)}`);
        if (result.credential) return result;
        if (result.note) notes.push(result.note);
      }
      const entry = findByHost(docker.auths, host);
      const fromFile = entry && this.fromEntry(entry, this.show(docker.path));
      if (fromFile) return { credential: fromFile };
      if (docker.credsStore) {
        const result = await this.fromHelper(docker.credsStore, host, `credsStore in ${this.show(docker.path)}`);
        if (result.credential) return result;
        if (result.note) notes.push(result.note);
      }
    }
    const containers = this.readAuthJson();
    if (containers) {
      const entry = findForRepository(containers.auths, host, repository);
      const credential = entry && this.fromEntry(entry, this.show(containers.path));
      if (credential) return { credential };
    }
    return notes.length ? { note: notes.join('; ') } : {};
  }

  /** The file `docker login` writes to, for messages. */
  dockerConfigLocation(): string {
    return this.show(this.dockerConfigPath());
  }

  private dockerConfigPath(): string {
    const explicit = this.opts.dockerConfigPath;
    if (explicit) return isDirectory(explicit) ? join(explicit, 'config.json') : explicit;
    const dir = this.opts.env.DOCKER_CONFIG || join(this.home, '.docker');
    return join(dir, 'config.json');
  }

  private readDockerConfig(): ConfigFile | undefined {
    const path = this.dockerConfigPath();
    const json = this.readJson(path);
    if (!json) return undefined;
    return {
      path,
      auths: objectOf<AuthEntry>(json.auths),
      credHelpers: stringsOf(json.credHelpers),
      credsStore: typeof json.credsStore === 'string' && json.credsStore ? json.credsStore : undefined,
    };
  }

  private readAuthJson(): { path: string; auths: Record<string, AuthEntry> } | undefined {
    const env = this.opts.env;
    const candidates = env.REGISTRY_AUTH_FILE
      ? [env.REGISTRY_AUTH_FILE]
      : [
          ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')] : []),
          join(env.XDG_CONFIG_HOME || join(this.home, '.config'), 'containers', 'auth.json'),
        ];
    for (const path of candidates) {
      const json = this.readJson(path);
      if (json) return { path, auths: objectOf<AuthEntry>(json.auths) };
    }
    return undefined;
  }

  private readJson(path: string): Record<string, unknown> | undefined {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const json: unknown = JSON.parse(text);
      return json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
    } catch {
      this.opts.log(`${this.show(path)} is not valid JSON; ignoring it`);
      return undefined;
    }
  }

  private fromEntry(entry: AuthEntry, source: string): Credential | undefined {
    const { scrubber } = this.opts;
    if (typeof entry.identitytoken === 'string' && entry.identitytoken) {
      scrubber.add(entry.identitytoken);
      return { identityToken: entry.identitytoken, source };
    }
    if (typeof entry.username === 'string' && entry.username && typeof entry.password === 'string') {
      scrubber.add(entry.password);
      return { username: entry.username, password: entry.password, source };
    }
    if (typeof entry.auth === 'string' && entry.auth) {
      scrubber.add(entry.auth);
      const decoded = decodeAuth(entry.auth);
      if (!decoded) return undefined;
      scrubber.add(decoded.password);
      return { ...decoded, source };
    }
    return undefined;
  }

  private fromHelper(name: string, host: string, configuredIn: string): Promise<CredentialLookup> {
    if (!HELPER_NAME.test(name)) {
      this.opts.log(`refusing credential helper name ${JSON.stringify(name.slice(0, 40))} from ${configuredIn}`);
      return Promise.resolve({ note: `the credential helper name in ${configuredIn} is not a valid name and was not run` });
    }
    if (!this.opts.allowCredentialHelpers) {
      return Promise.resolve({
        note: `credential helper docker-credential-${name} was not run because credential helpers are disabled here (untrusted workspace)`,
      });
    }
    const serverUrl = host === DOCKER_HUB ? DOCKER_HUB_CREDENTIAL_KEY : host;
    const key = `${name}\n${serverUrl}`;
    let pending = this.helperResults.get(key);
    if (!pending) {
      pending = this.runHelper(name, serverUrl);
      this.helperResults.set(key, pending);
    }
    return pending;
  }

  private runHelper(name: string, serverUrl: string): Promise<CredentialLookup> {
    const program = `docker-credential-${name}`;
    const source = `credential helper ${program}`;
    return new Promise((resolve) => {
      this.opts.log(`running ${program} get for ${serverUrl}`);
      const child = execFile(
        program,
        ['get'],
        { env: this.opts.env, timeout: this.opts.helperTimeoutMs, maxBuffer: 256 * 1024, windowsHide: true },
        (error, stdout) => {
          if (error) {
            const timedOut = (error as { killed?: boolean }).killed === true;
            const missing = (error as { code?: unknown }).code === 'ENOENT';
            // "credentials not found" is the helpers' ordinary answer for an unknown server.
            const notFound = /credentials not found/i.test(String(stdout));
            const why = missing ? 'was not found on PATH' : timedOut ? 'timed out' : notFound ? 'has no entry' : 'failed';
            this.opts.log(`${program} ${why}`);
            resolve(notFound ? {} : { note: `${source} ${why}` });
            return;
          }
          resolve(this.parseHelperOutput(String(stdout), source));
        },
      );
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(serverUrl);
    });
  }

  private parseHelperOutput(stdout: string, source: string): CredentialLookup {
    let json: unknown;
    try {
      json = JSON.parse(stdout);
    } catch {
      return { note: `${source} printed something that is not JSON` };
    }
    const { Username: username, Secret: secret } = (json ?? {}) as { Username?: unknown; Secret?: unknown };
    if (typeof secret !== 'string' || !secret) return { note: `${source} returned no secret` };
    this.opts.scrubber.add(secret);
    if (username === '<token>') return { credential: { identityToken: secret, source } };
    if (typeof username !== 'string' || !username) return { note: `${source} returned no user name` };
    return { credential: { username, password: secret, source } };
  }

  private show(path: string): string {
    return path.startsWith(`${this.home}/`) ? `~${path.slice(this.home.length)}` : path;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function objectOf<T>(value: unknown): Record<string, T> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, T>) : {};
}

function stringsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(objectOf<unknown>(value))) if (typeof item === 'string') out[key] = item;
  return out;
}

/** The entry for a host; an exact key wins over a normalised match (`https://host/v1/`). */
function findByHost<T>(entries: Record<string, T>, host: string): T | undefined {
  if (host === DOCKER_HUB && entries[DOCKER_HUB_CREDENTIAL_KEY]) return entries[DOCKER_HUB_CREDENTIAL_KEY];
  if (entries[host] !== undefined) return entries[host];
  for (const [key, value] of Object.entries(entries)) if (normaliseConfigKey(key) === host) return value;
  return undefined;
}

/** auth.json also allows `host/namespace[/repo]` keys: the longest matching one wins. */
function findForRepository(entries: Record<string, AuthEntry>, host: string, repository: string): AuthEntry | undefined {
  const segments = repository.split('/');
  for (let length = segments.length; length > 0; length--) {
    const key = `${host}/${segments.slice(0, length).join('/')}`;
    if (entries[key]) return entries[key];
  }
  return findByHost(entries, host);
}
