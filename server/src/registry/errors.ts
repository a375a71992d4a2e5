/**
 * The one error type the registry client throws, and the mapping of transport
 * failures (Node/undici error codes) onto its codes.
 */

export type RegistryErrorCode =
  | 'tag-not-found'
  | 'repository-not-found'
  | 'denied'
  | 'unauthorized'
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'rate-limited'
  | 'digest-mismatch'
  | 'bad-response'
  | 'insecure'
  | 'cancelled';

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  /** The reference being resolved, e.g. `127.0.0.1:5000/app:1.0`. */
  readonly reference: string;
  /** The registry as the user names it, e.g. `docker.io` or `127.0.0.1:5000`. */
  readonly registry: string;
  readonly status?: number;

  constructor(code: RegistryErrorCode, message: string, reference: string, registry: string, status?: number) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
    this.reference = reference;
    this.registry = registry;
    if (status !== undefined) this.status = status;
  }
}

/**
 * A failure below the level of a reference (connection, TLS, timeout, policy);
 * the client turns it into a RegistryError that names the reference.
 */
export class TransportFailure extends Error {
  constructor(
    readonly code: 'unreachable' | 'timeout' | 'tls' | 'insecure' | 'cancelled' | 'bad-response',
    /** A short phrase for the message, free of secrets (an error code, not a raw message). */
    readonly detail: string,
    /** The host the failure happened at (may differ from the registry after a redirect). */
    readonly host: string,
    /** `host:port` of the proxy the request went through, if any (never its credentials). */
    readonly proxy?: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'TransportFailure';
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Connection-level failures worth another attempt: the peer reset or closed the connection. */
const RETRYABLE_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_CLOSED']);

/** The first error code found on an error or along its `cause` chain. */
export function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** OpenSSL-level handshake errors, e.g. a TLS hello answered by a plain-HTTP server. */
export function isTlsProtocolError(code: string | undefined): boolean {
  return !!code && (code.startsWith('ERR_SSL_') || code === 'EPROTO');
}

export function isRetryableNetworkError(err: unknown): boolean {
  const code = errorCode(err);
  return !!code && RETRYABLE_CODES.has(code);
}

const TIMEOUT_PHRASES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'no connection',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers',
  UND_ERR_BODY_TIMEOUT: 'the response body stalled',
  ETIMEDOUT: 'no connection',
};

/** Classifies a thrown transport error. Only the error code is kept: raw messages can carry URLs. */
export function classifyNetworkError(err: unknown, host: string, proxy?: string): TransportFailure {
  const code = errorCode(err);
  if (code && TLS_CODES.has(code)) return new TransportFailure('tls', code, host, proxy);
  if (isTlsProtocolError(code)) return new TransportFailure('tls', code!, host, proxy);
  if (code && TIMEOUT_CODES.has(code)) return new TransportFailure('timeout', TIMEOUT_PHRASES[code] ?? code, host, proxy);
  if (code && UNREACHABLE_CODES.has(code)) return new TransportFailure('unreachable', code, host, proxy);
  if (code && code.startsWith('ERR_TLS_')) return new TransportFailure('tls', code, host, proxy);
  const name = err instanceof Error ? err.name : 'error';
  return new TransportFailure('unreachable', code ?? name, host, proxy);
}
