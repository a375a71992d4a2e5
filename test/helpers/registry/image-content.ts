import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export type ImageKind = 'docker-v2' | 'oci-manifest' | 'oci-index' | 'docker-list';
export interface Platform { os: string; architecture: string; variant?: string; }

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** Every manifest media type, for an Accept header that makes the registry serve what it stores. */
export const ACCEPT_ALL_MANIFESTS = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

export interface Blob { digest: string; bytes: Buffer; }
export interface Manifest { mediaType: string; bytes: Buffer; digest: string; }
export interface ImageManifest extends Manifest { platform: Platform; blobs: Blob[]; }
export interface IndexManifest extends Manifest { children: ImageManifest[]; }

// Fixed so that the same seed gives the same bytes, hence the same digests, on every run.
const CREATED = '2024-01-01T00:00:00Z';

export function sha256(bytes: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

/** One single-platform image: a config blob, one gzipped tar layer, and the manifest, all derived from `seed`. */
export function buildImage(seed: string, platform: Platform, format: 'docker' | 'oci'): ImageManifest {
  const tar = tarOneFile('image-pin-fixture.txt', `image-pin test fixture\nseed: ${seed}\nplatform: ${platformText(platform)}\n`);
  const layer = blob(gzipSync(tar, { level: 9 }));
  const config = blob(serialize({
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant !== undefined ? { variant: platform.variant } : {}),
    created: CREATED,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], Labels: { 'org.image-pin.fixture-seed': seed } },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [{ created: CREATED, created_by: `image-pin fixture ${seed}` }],
  }));
  const docker = format === 'docker';
  const mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const bytes = serialize({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, size: config.bytes.length, digest: config.digest },
    layers: [{ mediaType: docker ? MEDIA.dockerLayer : MEDIA.ociLayer, size: layer.bytes.length, digest: layer.digest }],
    ...(docker ? {} : { annotations: { 'org.opencontainers.image.created': CREATED, 'org.opencontainers.image.description': `image-pin fixture ${seed}` } }),
  });
  return { mediaType, bytes, digest: sha256(bytes), platform, blobs: [config, layer] };
}

/** An OCI index or Docker manifest list over one child image per platform. */
export function buildIndex(seed: string, platforms: Platform[], format: 'docker' | 'oci'): IndexManifest {
  const children = platforms.map((p) => buildImage(`${seed}/${platformText(p)}`, p, format));
  const docker = format === 'docker';
  const mediaType = docker ? MEDIA.dockerList : MEDIA.ociIndex;
  const bytes = serialize({
    schemaVersion: 2,
    mediaType,
    manifests: children.map((c) => ({ mediaType: c.mediaType, size: c.bytes.length, digest: c.digest, platform: platformJson(c.platform) })),
    ...(docker ? {} : { annotations: { 'org.opencontainers.image.created': CREATED } }),
  });
  return { mediaType, bytes, digest: sha256(bytes), children };
}

function platformJson(p: Platform): Platform {
  return { architecture: p.architecture, os: p.os, ...(p.variant !== undefined ? { variant: p.variant } : {}) };
}

function platformText(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined).join('/');
}

function blob(bytes: Buffer): Blob {
  return { bytes, digest: sha256(bytes) };
}

/**
 * Indented like `docker push` output, not compact: a client that re-serializes a manifest before hashing it
 * gets a wrong digest, which is the mistake these fixtures should expose.
 */
function serialize(value: object): Buffer {
  return Buffer.from(JSON.stringify(value, null, 3));
}

/** A ustar archive with one regular file, byte-for-byte reproducible (mtime 0, uid/gid 0). */
function tarOneFile(name: string, text: string): Buffer {
  const content = Buffer.from(text);
  const header = Buffer.alloc(512);
  const put = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';
  put(0, 100, name);
  put(100, 8, octal(0o644, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(content.length, 12));
  put(136, 12, octal(0, 12));
  put(148, 8, '        '); // checksum counts its own field as spaces
  put(156, 1, '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  put(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}
