/**
 * Manifest media types, digests of manifest bytes, platform lists of indexes,
 * and the registry's JSON error bodies.
 */
import { createHash } from 'node:crypto';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/**
 * All four types, always: a registry given fewer converts or substitutes
 * (a Docker list answered with its amd64 child, a Docker v2 manifest turned into schema 1).
 */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(', ');

const SUPPORTED = new Set([OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST]);

/** Manifests larger than this are refused (the distribution spec's limit is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  digest: string;
}

export interface ManifestChild extends Platform {
  mediaType?: string;
}

/** What a manifest body says about itself. */
export interface ParsedManifest {
  mediaType: string;
  /** For an index or list: its image children with platforms (attestations left out). */
  children?: ManifestChild[];
  /** For an image manifest: the config blob's digest. */
  configDigest?: string;
}

/** The media type without parameters (`; charset=utf-8`). */
export function baseMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim();
}

export function isSupportedMediaType(mediaType: string): boolean {
  return SUPPORTED.has(mediaType);
}

export function isIndexType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_LIST;
}

const DIGEST = /^(sha256|sha512):([a-f0-9]+)$/;

export function isDigest(text: string): boolean {
  const match = DIGEST.exec(text);
  if (!match) return false;
  return match[2].length === (match[1] === 'sha256' ? 64 : 128);
}

/** The digest of `bytes` in the same algorithm as `like` (sha256 unless `like` is a sha512 digest). */
export function digestOf(bytes: Buffer, like?: string): string {
  const algorithm = like?.startsWith('sha512:') ? 'sha512' : 'sha256';
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * Parses a manifest body. `headerType` is the response's Content-Type, used when
 * the body does not carry its own `mediaType` (allowed for OCI manifests).
 * Returns undefined when the body is not a manifest at all.
 */
export function parseManifest(bytes: Buffer, headerType: string): ParsedManifest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(json)) return undefined;
  const declared = str(json.mediaType);
  const manifests = Array.isArray(json.manifests) ? json.manifests : undefined;
  const mediaType =
    declared ?? (isSupportedMediaType(headerType) ? headerType : manifests ? OCI_INDEX : json.config ? OCI_MANIFEST : '');
  if (!mediaType) return undefined;
  if (manifests) return { mediaType, children: parseChildren(manifests) };
  const config = isObject(json.config) ? str(json.config.digest) : undefined;
  return { mediaType, configDigest: config };
}

function parseChildren(entries: unknown[]): ManifestChild[] {
  const children: ManifestChild[] = [];
  for (const entry of entries) {
    if (!isObject(entry)) continue;
    const digest = str(entry.digest);
    const platform = isObject(entry.platform) ? entry.platform : undefined;
    if (!digest || !platform) continue;
    const os = str(platform.os);
    const architecture = str(platform.architecture);
    // BuildKit stores attestations as `unknown/unknown` children; they are not runnable platforms.
    if (!os || !architecture || (os === 'unknown' && architecture === 'unknown')) continue;
    const child: ManifestChild = { os, architecture, digest };
    const variant = str(platform.variant);
    if (variant) child.variant = variant;
    const mediaType = str(entry.mediaType);
    if (mediaType) child.mediaType = mediaType;
    children.push(child);
  }
  return children;
}

/** The platform an image config blob declares. */
export function parseImageConfigPlatform(bytes: Buffer): Omit<Platform, 'digest'> | undefined {
  try {
    const json: unknown = JSON.parse(bytes.toString('utf8'));
    if (!isObject(json)) return undefined;
    const os = str(json.os);
    const architecture = str(json.architecture);
    if (!os || !architecture) return undefined;
    const variant = str(json.variant);
    return variant ? { os, architecture, variant } : { os, architecture };
  } catch {
    return undefined;
  }
}

/** arm64 without a variant is v8; amd64 and others carry none by default. */
function normalVariant(architecture: string, variant: string | undefined): string {
  if (architecture === 'arm64' && (variant === undefined || variant === 'v8')) return '';
  return variant ?? '';
}

export function samePlatform(a: Omit<Platform, 'digest'>, b: Omit<Platform, 'digest'>): boolean {
  return (
    a.os === b.os &&
    a.architecture === b.architecture &&
    normalVariant(a.architecture, a.variant) === normalVariant(b.architecture, b.variant)
  );
}

export function toPlatforms(children: ManifestChild[]): Platform[] {
  return children.map(({ os, architecture, variant, digest }) =>
    variant ? { os, architecture, variant, digest } : { os, architecture, digest },
  );
}

export interface RegistryErrorBody {
  code: string;
  message?: string;
}

/** The first entry of a distribution error body `{"errors":[{"code","message"}]}`. */
export function parseErrorBody(bytes: Buffer | undefined): RegistryErrorBody | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const json: unknown = JSON.parse(bytes.toString('utf8'));
    if (!isObject(json) || !Array.isArray(json.errors) || !isObject(json.errors[0])) return undefined;
    const first = json.errors[0];
    const code = str(first.code);
    if (!code) return undefined;
    const message = str(first.message);
    return message ? { code: code.toUpperCase(), message: message.slice(0, 200) } : { code: code.toUpperCase() };
  } catch {
    return undefined;
  }
}
