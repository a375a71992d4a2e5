/**
 * Registry host names: Docker Hub's aliases, loopback detection, per-host
 * configuration and mirror endpoints.
 */
import { isIP } from 'node:net';

export interface RegistryHostConfig {
  /** Look tags up here instead (`host[:port][/prefix]`, optionally with `https://` or `http://`). */
  mirror?: string;
  /** Allow plain HTTP to this host. Certificate checks are never skipped; use `ca` for private CAs. */
  insecure?: boolean;
  /** Extra CA for this host: a PEM string or the path of a PEM file. */
  ca?: string;
}

/** The name Docker Hub references are normalised to. */
export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API is served. */
export const DOCKER_HUB_API = 'registry-1.docker.io';
/** The key Docker stores Hub credentials under, and what its credential helpers expect. */
export const DOCKER_HUB_CREDENTIAL_KEY = 'https://index.docker.io/v1/';

const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export function isDockerHub(host: string): boolean {
  return HUB_ALIASES.has(host.toLowerCase());
}

/** `host[:port]` → bare host name (IPv6 brackets removed). */
export function hostName(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end > 0 ? hostPort.slice(1, end) : hostPort;
  }
  const colon = hostPort.lastIndexOf(':');
  // A bare IPv6 address has several colons and no port.
  if (colon > 0 && hostPort.indexOf(':') === colon) return hostPort.slice(0, colon);
  return hostPort;
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain HTTP may reach without being marked insecure. */
export function isLoopback(hostPort: string): boolean {
  const name = hostName(hostPort).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(name);
  return false;
}

/** Host configuration for a registry, matching Docker Hub's aliases to each other. */
export function hostConfig(
  registries: Record<string, RegistryHostConfig> | undefined,
  host: string,
): RegistryHostConfig {
  if (!registries) return {};
  const direct = registries[host] ?? registries[host.toLowerCase()];
  if (direct) return direct;
  if (isDockerHub(host)) {
    for (const alias of HUB_ALIASES) if (registries[alias]) return registries[alias];
  }
  return {};
}

/** Where the API requests for a registry go. */
export interface Endpoint {
  /** `host[:port]` that receives the requests. */
  host: string;
  /** Fixed scheme (a mirror written with one), or undefined to choose (HTTPS, or HTTP for allowed hosts). */
  scheme?: 'https' | 'http';
  /** Prefix put before the repository name (a mirror's namespace). */
  pathPrefix: string;
  /** Set when the endpoint is a mirror of another registry. */
  mirrorOf?: string;
}

export function endpointFor(domain: string, config: RegistryHostConfig): Endpoint {
  if (config.mirror) return parseMirror(config.mirror, domain);
  return { host: isDockerHub(domain) ? DOCKER_HUB_API : domain, pathPrefix: '' };
}

function parseMirror(mirror: string, domain: string): Endpoint {
  let rest = mirror.trim();
  let scheme: 'https' | 'http' | undefined;
  const match = /^(https?):\/\//i.exec(rest);
  if (match) {
    scheme = match[1].toLowerCase() as 'https' | 'http';
    rest = rest.slice(match[0].length);
  }
  const slash = rest.indexOf('/');
  const hostPart = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  return {
    host: isDockerHub(hostPart) ? DOCKER_HUB_API : hostPart,
    scheme,
    pathPrefix: prefix ? `${prefix}/` : '',
    mirrorOf: domain,
  };
}

/** Plain HTTP is allowed to loopback hosts and hosts the configuration marks insecure. */
export function plainHttpAllowed(host: string, registries: Record<string, RegistryHostConfig> | undefined): boolean {
  return isLoopback(host) || hostConfig(registries, host).insecure === true;
}
