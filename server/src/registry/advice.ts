/**
 * What to say when a registry cannot be reached: why (DNS, refused, reset, no route, through a
 * proxy) and what usually helps, which depends on the host. A registry on loopback or a private
 * network is usually not running; a public one that does not answer usually means this network
 * reaches it only through a mirror or a proxy.
 */
import { isIP } from 'node:net';
import { hostName, isLoopback } from './hosts';

const WHY: Record<string, string> = {
  ENOTFOUND: 'the name does not resolve (DNS',
  EAI_AGAIN: 'the name does not resolve right now (DNS',
  ECONNREFUSED: 'the connection was refused (',
  ECONNRESET: 'the connection was reset (',
  EPIPE: 'the connection was reset (',
  ECONNABORTED: 'the connection was reset (',
  UND_ERR_SOCKET: 'the connection was reset (',
  UND_ERR_CLOSED: 'the connection was closed (',
  EHOSTUNREACH: 'there is no network route to it (',
  ENETUNREACH: 'there is no network route to it (',
};

/** `the name does not resolve (DNS, ENOTFOUND)`, `the connection was refused (ECONNREFUSED)`. */
export function whyUnreachable(detail: string): string {
  const why = WHY[detail];
  if (!why) return `(${detail})`;
  return why.endsWith('(') ? `${why}${detail})` : `${why}, ${detail})`;
}

/** Loopback, RFC 1918 / unique-local addresses, and names that only a local network resolves. */
export function isPrivateHost(hostPort: string): boolean {
  if (isLoopback(hostPort)) return true;
  const name = hostName(hostPort).toLowerCase();
  if (isIP(name) === 4) {
    const [a, b] = name.split('.').map(Number);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (isIP(name) === 6) return /^f[cd]/.test(name) || name.startsWith('fe80:');
  return !name.includes('.') || /\.(local|internal|lan|home\.arpa|corp|intranet)$/.test(name);
}

/** What usually helps when `host` cannot be reached (directly, or through `proxy`). */
export function unreachableAdvice(host: string, proxy: string | undefined): string {
  if (proxy) return `check the proxy (HTTPS_PROXY, or http.proxy in VS Code), or set a mirror for ${host} under registries`;
  if (isPrivateHost(host)) return 'check that the registry is running and reachable from this machine';
  return `offline, or does this network reach ${host} only through a mirror or a proxy? Set a mirror under registries, or a proxy (HTTPS_PROXY, or http.proxy in VS Code)`;
}
