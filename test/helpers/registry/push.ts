import { buildImage, buildIndex, sha256, type Blob, type ImageKind, type ImageManifest, type Manifest, type Platform } from './image-content';
import { header, httpRequest, type HttpResponse } from './http';
import type { RunningRegistry } from './registry';

export interface PushSpec { name: string; tags: string[]; kind: ImageKind; seed: string; platforms?: Platform[]; }
export interface PushedImage {
  name: string;
  tags: string[];
  kind: ImageKind;
  digest: string;
  mediaType: string;
  bytes: Buffer;
  children?: Array<{ digest: string; mediaType: string; platform: Platform }>;
}

const DEFAULT_SINGLE_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };
const DEFAULT_INDEX_PLATFORMS: Platform[] = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }];

/**
 * Pushes a deterministic image built from `spec.seed`: blobs, then (for indexes and lists) each child
 * manifest by digest, then the top manifest under every tag. An independent client on node:http;
 * it authenticates with `reg.pushCredentials` and trusts `reg.caCertPem`. Returns the sha256 of the exact
 * manifest bytes, checked against the registry's Docker-Content-Digest.
 */
export async function pushImage(reg: RunningRegistry, spec: PushSpec): Promise<PushedImage> {
  if (spec.tags.length === 0) throw new Error(`pushImage ${spec.name}: no tags`);
  const client = await PushClient.open(reg, spec.name);
  if (spec.kind === 'docker-v2' || spec.kind === 'oci-manifest') {
    const image = buildImage(spec.seed, spec.platforms?.[0] ?? DEFAULT_SINGLE_PLATFORM, spec.kind === 'docker-v2' ? 'docker' : 'oci');
    await client.pushBlobs(image.blobs);
    for (const tag of spec.tags) await client.putManifest(tag, image);
    return result(spec, image);
  }
  const index = buildIndex(spec.seed, spec.platforms ?? DEFAULT_INDEX_PLATFORMS, spec.kind === 'docker-list' ? 'docker' : 'oci');
  await Promise.all(index.children.map(async (child: ImageManifest) => {
    await client.pushBlobs(child.blobs);
    await client.putManifest(child.digest, child); // an index is refused until its children are in the repository
  }));
  for (const tag of spec.tags) await client.putManifest(tag, index);
  return {
    ...result(spec, index),
    children: index.children.map((c) => ({ digest: c.digest, mediaType: c.mediaType, platform: c.platform })),
  };
}

/** Deletes a manifest by digest through the registry API (the harness enables deletion); its tags go with it. */
export async function deleteManifest(reg: RunningRegistry, name: string, digest: string): Promise<void> {
  const client = await PushClient.open(reg, name);
  const res = await client.request('DELETE', `${reg.url}/v2/${name}/manifests/${digest}`);
  expectStatus(res, 202, `delete ${name}@${digest}`);
}

/** The fixture set the registry, LSP and editor tests share. Keys are `name:tag` for every tag. */
export const STANDARD_IMAGES: readonly PushSpec[] = [
  { name: 'app', tags: ['1.0', 'latest', 'dev'], kind: 'docker-v2', seed: 'app' },
  { name: 'org/team/app', tags: ['1.0.0', 'main'], kind: 'oci-manifest', seed: 'org/team/app' },
  {
    name: 'multi', tags: ['1.0', 'latest'], kind: 'oci-index', seed: 'multi',
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
  },
  {
    name: 'legacy-multi', tags: ['2.0', 'stable'], kind: 'docker-list', seed: 'legacy-multi',
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }],
  },
  { name: 'library/busybox', tags: ['1.36', 'latest'], kind: 'docker-v2', seed: 'library/busybox' },
];

export async function seedStandard(reg: RunningRegistry): Promise<Record<string, PushedImage>> {
  const pushed = await Promise.all(STANDARD_IMAGES.map((spec) => pushImage(reg, spec)));
  const out: Record<string, PushedImage> = {};
  for (const image of pushed) for (const tag of image.tags) out[`${image.name}:${tag}`] = image;
  return out;
}

function result(spec: PushSpec, m: Manifest): PushedImage {
  return { name: spec.name, tags: [...spec.tags], kind: spec.kind, digest: m.digest, mediaType: m.mediaType, bytes: m.bytes };
}

/** One repository's push session: the Authorization header it needs and the CA it trusts. */
class PushClient {
  private constructor(private readonly reg: RunningRegistry, private readonly name: string, private readonly authorization?: string) {}

  static async open(reg: RunningRegistry, name: string): Promise<PushClient> {
    return new PushClient(reg, name, await authorize(reg, name));
  }

  async pushBlobs(blobs: Blob[]): Promise<void> {
    await Promise.all(blobs.map((b) => this.pushBlob(b)));
  }

  private async pushBlob(b: Blob): Promise<void> {
    const start = await this.send('POST', `${this.reg.url}/v2/${this.name}/blobs/uploads/`, {}, Buffer.alloc(0));
    expectStatus(start, 202, `start upload to ${this.name}`);
    const location = header(start, 'location');
    if (!location) throw new Error(`upload to ${this.name}: 202 without Location`);
    const target = new URL(location, this.reg.url);
    target.searchParams.set('digest', b.digest);
    const done = await this.send('PUT', target.toString(), { 'Content-Type': 'application/octet-stream' }, b.bytes);
    expectStatus(done, 201, `upload ${b.digest} to ${this.name}`);
  }

  async putManifest(reference: string, m: Manifest): Promise<void> {
    const res = await this.send('PUT', `${this.reg.url}/v2/${this.name}/manifests/${reference}`, { 'Content-Type': m.mediaType }, m.bytes);
    expectStatus(res, 201, `put manifest ${this.name}:${reference}`);
    const returned = header(res, 'docker-content-digest');
    if (returned !== sha256(m.bytes)) {
      throw new Error(`put manifest ${this.name}:${reference}: registry says ${returned}, the bytes hash to ${sha256(m.bytes)}`);
    }
  }

  request(method: string, url: string): Promise<HttpResponse> {
    return this.send(method, url, {}, Buffer.alloc(0));
  }

  private send(method: string, url: string, headers: Record<string, string>, body: Buffer): Promise<HttpResponse> {
    const all: Record<string, string> = { ...headers, 'Content-Length': String(body.length) };
    if (this.authorization) all.Authorization = this.authorization;
    return httpRequest(url, { method, headers: all, body, ca: this.reg.caCertPem });
  }
}

/** Reads the registry's challenge and returns the Authorization header for pushing to `name`, if any. */
async function authorize(reg: RunningRegistry, name: string): Promise<string | undefined> {
  const probe = await httpRequest(`${reg.url}/v2/`, { ca: reg.caCertPem });
  if (probe.status === 200) return undefined;
  const challenge = header(probe, 'www-authenticate') ?? '';
  const creds = reg.pushCredentials;
  if (probe.status !== 401 || !creds) throw new Error(`GET /v2/ answered ${probe.status} (${challenge}) and there are no push credentials`);
  const basic = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
  if (/^Basic\b/i.test(challenge)) return basic;
  if (!/^Bearer\b/i.test(challenge)) throw new Error(`unsupported challenge: ${challenge}`);

  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const tokenUrl = new URL(params.realm);
  if (params.service) tokenUrl.searchParams.set('service', params.service);
  tokenUrl.searchParams.set('scope', `repository:${name}:pull,push,delete`);
  const res = await httpRequest(tokenUrl.toString(), { headers: { Authorization: basic } });
  expectStatus(res, 200, `token for ${name}`);
  const body = JSON.parse(res.body.toString('utf8')) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error(`token response for ${name} has no token`);
  return `Bearer ${token}`;
}

function expectStatus(res: HttpResponse, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${res.status}: ${res.body.toString('utf8').slice(0, 500)}`);
}
