/**
 * The shape classifier: which maps hold an image in parts, and which strings under an image key
 * are not images to pin. A table of positives and negatives from real charts and GitOps repositories;
 * the walk over parsed YAML and the structural fast path must both follow it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MapView, PathKey, classifyMap, hasSedPlaceholder, isPlaceholder, isValuesFile, notPulledImage } from '../../server/src/core/extract/classify';
import { checkFile, triples } from '../helpers/check';
import { fixture } from '../helpers/paths';
import { SHAPE_FINDINGS } from '../helpers/shapes';

function view(map: Record<string, unknown>): MapView {
  return { keys: Object.keys(map), text: (k) => (typeof map[k] === 'string' ? (map[k] as string) : undefined) };
}

const imageKeys = new Set(['image']);
const values = { imageKeys, valuesFile: true };
const manifest = { imageKeys, valuesFile: false };

type Row = [string, PathKey[], Record<string, unknown>, typeof values, string | null];

const TABLE: Row[] = [
  // Under an image key: every dialect, anywhere.
  ['bitnami image', ['image'], { registry: 'docker.io', repository: 'bitnami/redis', tag: '7.2', digest: '' }, manifest, 'repository/tag'],
  ['ingress-nginx image', ['controller', 'image'], { registry: 'registry.k8s.io', image: 'ingress-nginx/controller', tag: 'v1' }, manifest, 'image/tag'],
  ['istio hub', ['pilot', 'image'], { hub: 'docker.io/istio', image: 'pilot', tag: '1' }, manifest, 'hub/tag'],
  ['name and tag', ['initImage'], { name: 'busybox', tag: '1.36' }, manifest, 'name/tag'],
  ['repository alone under *Image', ['configReloaderImage'], { repository: 'quay.io/x/y' }, manifest, 'repository/-'],
  ['image volume', ['volumes', 0, 'image'], { reference: 'quay.io/acme/models:1', pullPolicy: 'Always' }, manifest, 'volume'],
  ['schema fragment under image', ['image'], { type: 'string', description: 'x' }, manifest, null],
  ['map of images under image', ['image'], { busybox: {}, kubectl: {} }, manifest, null],
  // By shape, in values.
  ['podinfo redis', ['redis'], { enabled: false, repository: 'redis', tag: '7.0.7' }, values, 'repository/tag'],
  ['bitnami git', ['git'], { registry: 'docker.io', repository: 'bitnami/git', tag: '2.44.0', digest: '' }, values, 'repository/tag'],
  ['nested one level under image', ['image', 'busybox'], { registry: 'docker.io', repository: 'busybox', tag: '1.36' }, manifest, 'repository/tag'],
  ['imageOverride with version', ['imageOverride'], { repository: 'ghcr.io/acme/x', version: '2.1.0' }, manifest, 'repository/version'],
  ['digest only', ['pinned'], { repository: 'ghcr.io/acme/x', digest: 'sha256:abc' }, values, 'repository/-'],
  ['Flux HelmRelease values', ['spec', 'values', 'redis'], { repository: 'redis', tag: '7' }, manifest, 'repository/tag'],
  ['Argo CD valuesObject', ['spec', 'source', 'helm', 'valuesObject', 'cache'], { repository: 'memcached', tag: '1.6' }, manifest, 'repository/tag'],
  // Not images.
  ['shape outside values', ['spec', 'redis'], { repository: 'redis', tag: '7' }, manifest, null],
  ['repository without tag, digest or version', ['redis'], { repository: 'redis', enabled: true }, values, null],
  ['chart dependency', ['dependencies', 0], { name: 'redis', version: '17.0.0', repository: 'https://charts.bitnami.com/bitnami' }, values, null],
  ['chart dependency by alias', ['dependencies', 1], { name: 'redis', version: '17.0.0', repository: '@bitnami' }, values, null],
  ['dependency with a plain name', ['dependencies', 0], { name: 'common', version: '2.x', repository: 'bitnami' }, values, null],
  ['Git source URL', ['gitSource'], { repository: 'https://github.com/acme/config', tag: 'v1.2.0' }, values, null],
  ['Git host without scheme', ['mirror'], { repository: 'github.com/acme/config', tag: 'v1' }, values, null],
  ['Git repository ending .git', ['src'], { repository: 'acme/config.git', tag: 'v1' }, values, null],
  ['OCI chart repository', ['chartRepo'], { repository: 'oci://registry.acme.io/charts', version: '1.2.3' }, values, null],
  ['Argo CD source with repoURL', ['argo', 'source'], { repoURL: 'https://charts.acme.io', repository: 'web', tag: '1.0.0' }, values, null],
  ['inside an Argo CD source', ['spec', 'source', 'extra'], { repository: 'web', tag: '1.0.0' }, values, null],
  ['Actions step inputs', ['jobs', 'b', 'steps', 0, 'with'], { repository: 'owner/repo', tag: 'v1.0' }, values, null],
  ['schema fragment', ['schema'], { repository: { type: 'string' }, tag: { type: 'string' } }, values, null],
  ['repository holding a tag', ['x'], { repository: 'nginx:1.25', tag: '1.25' }, values, null],
  ['templated repository (blanked)', ['x'], { repository: '   ', tag: 'v1' }, values, null],
  ['branch, not tag', ['x'], { repository: 'acme/app', tag: 'v1', branch: 'main' }, values, null],
];

function describeKind(kind: ReturnType<typeof classifyMap>): string | null {
  if (!kind) return null;
  if (kind.kind === 'volume') return 'volume';
  return `${kind.dialect}/${kind.tagKey ?? '-'}`;
}

describe('classifyMap: a map holds an image by its key or its shape', () => {
  for (const [name, path, map, opts, expected] of TABLE) {
    it(`${name}: ${expected ?? 'not an image'}`, () => {
      assert.equal(describeKind(classifyMap(path, view(map), opts)), expected);
    });
  }
});

describe('not images, and placeholders', () => {
  it('the image a Compose service or a Skaffold artifact builds, a Ceph RBD disk image', () => {
    assert.ok(notPulledImage(['services', 'app'], ['build', 'image']));
    assert.ok(notPulledImage(['build', 'artifacts', 0], ['image', 'context']));
    assert.ok(notPulledImage(['profiles', 0, 'build', 'artifacts', 2], ['image']));
    assert.ok(notPulledImage(['spec', 'volumes', 0, 'rbd'], ['monitors', 'pool', 'image']));
    assert.equal(notPulledImage(['spec', 'containers', 0], ['name', 'image']), null);
    assert.equal(notPulledImage(['artifacts', 0], ['image']), null, 'a list named artifacts elsewhere');
  });

  it('sed placeholders: all-caps tokens joined by underscores, whole or as a part of a reference', () => {
    for (const v of ['CONTAINER_IMAGES_TAG', 'IMAGE_TAG', '__IMAGE_TAG__', 'acme/app:IMAGE_TAG', 'gcr.io/PROJECT_ID/app:1.0']) assert.ok(hasSedPlaceholder(v), v);
    for (const v of ['RELEASE', 'v1.2_RC', 'latest', 'Release_2024', 'nginx:1.25', 'A_1', 'tag: IMAGE_TAG\nx: y']) assert.ok(!hasSedPlaceholder(v), v);
    for (const v of ['', 'auto', '<IMAGE>']) assert.ok(isPlaceholder(v), v);
  });

  it('values files by name', () => {
    for (const f of ['values.yaml', 'charts/web/values-prod.yaml', 'ci/smoke-values.yml', 'envs/values/prod.yaml', 'x/Values.YAML']) assert.ok(isValuesFile(f), f);
    for (const f of [undefined, 'deploy.yaml', 'values.json', 'values/README.md']) assert.ok(!isValuesFile(f), f);
  });
});

describe('shape fixtures', () => {
  it('values maps under other keys, nested, overridden; Git sources, chart repositories and schemas are not images', () => {
    assert.deepEqual(triples(checkFile(fixture('shapes', 'values-shapes.yaml'))), SHAPE_FINDINGS['values-shapes.yaml']);
  });

  it('Skaffold artifacts and Ceph RBD images are not pinned; sed placeholders are not references', () => {
    assert.deepEqual(triples(checkFile(fixture('shapes', 'skaffold.yaml'))), SHAPE_FINDINGS['skaffold.yaml']);
  });
});
