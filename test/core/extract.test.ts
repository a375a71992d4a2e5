/**
 * Every shape a team writes an image in, with the exact rule, line and covered text of
 * each finding. Fixtures live in test/fixtures/shapes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractImages } from '../../server/src/core/extract';
import { extractLocated } from '../../server/src/scan/checkText';
import { checkFile, checkText, configFrom, triples } from '../helpers/check';
import { fixture } from '../helpers/paths';
import { SHAPE_FINDINGS } from '../helpers/shapes';

const shape = (name: string) => fixture('shapes', name);

describe('extraction by shape', () => {
  it('Kubernetes workloads: containers, init and ephemeral containers, CronJob, List, flow style, image volumes, anchors', () => {
    assert.deepEqual(triples(checkFile(shape('workloads.yaml'))), SHAPE_FINDINGS['workloads.yaml']);
  });

  it('does not report annotation values, block scalars of other files, or a pinned digest', () => {
    const seen = checkFile(shape('workloads.yaml'));
    assert.ok(!seen.some((s) => s.text.includes('nginx')), 'nginx only appears in an annotation and a ConfigMap');
    assert.ok(!seen.some((s) => s.text.includes('alpine')), 'alpine is pinned by digest');
  });

  it('operators and CRs: Tekton steps, Argo Workflows, Prometheus; skips parameters, templates and CRD schemas', () => {
    assert.deepEqual(triples(checkFile(shape('operators.yaml'))), SHAPE_FINDINGS['operators.yaml']);
  });

  it('Helm values: every split dialect, *Image keys, numeric tags kept as written, schema fragments ignored', () => {
    assert.deepEqual(triples(checkFile(shape('values.yaml'))), SHAPE_FINDINGS['values.yaml']);
    const sites = extractImages(require('node:fs').readFileSync(shape('values.yaml'), 'utf8')).sites.map((s) => s.reference);
    assert.deepEqual(sites, [
      'docker.io/bitnami/redis:7.2.4-debian-12-r0',
      'busybox:1.36',
      'quay.io/prometheus-operator/prometheus-config-reloader',
      'registry.k8s.io/ingress-nginx/controller:v1.11.2@sha256:1111111111111111111111111111111111111111111111111111111111111111',
      'docker.io/istio/pilot:latest',
      'acme/app:1.10',
    ]);
  });

  it('an empty tag falls back to appVersion, which is not a pin', () => {
    const seen = checkText('image:\n  repository: acme/web\n  tag: ""\n  digest: ""\n');
    assert.equal(seen.length, 1);
    assert.equal(seen[0].rule, 'unpinned-tag');
    assert.equal(seen[0].text, 'acme/web');
    assert.match(seen[0].message, /appVersion/);
  });

  it('a `sha` key (prometheus-community charts) is the digest: hex alone or whole, never a made-up one', () => {
    const hex = '0f1e'.repeat(16);
    const map = (sha: string, extra = '') => `image:\n  registry: quay.io\n  repository: prometheus/alertmanager\n  tag: v0.27.0\n${extra}  sha: ${sha}\n`;
    const site = (text: string) => extractImages(text, { path: 'values.yaml' }).sites[0];
    // kube-prometheus-stack: the hex alone, rendered `…:tag@sha256:<sha>`; the digest part is the `sha` scalar.
    const text = map(hex);
    const s = site(text);
    assert.equal(s.reference, `quay.io/prometheus/alertmanager:v0.27.0@sha256:${hex}`);
    assert.equal(s.helm!.shaForm, 'hex');
    assert.equal(text.slice(s.helm!.digest!.span.start, s.helm!.digest!.span.end), hex);
    assert.deepEqual(checkText(text, { path: 'values.yaml' }), []);
    // kube-state-metrics: the whole digest, rendered `…:tag@<sha>`; quoted or not; an empty `digest` does not hide it.
    for (const sha of [`sha256:${hex}`, `"sha256:${hex}"`]) {
      const t = map(sha, '  digest: ""\n');
      assert.equal(site(t).reference, `quay.io/prometheus/alertmanager:v0.27.0@sha256:${hex}`);
      assert.equal(site(t).helm!.shaForm, 'whole');
      assert.deepEqual(checkText(t, { path: 'values.yaml' }), []);
    }
    // Empty, not a digest, a plain number (Helm renders it as `1.2e+63`), a short hex: read as today, a finding.
    for (const sha of ['""', 'latest', '1234'.repeat(16), 'abc123', `sha512:${hex}${hex}`]) {
      const t = map(sha);
      assert.equal(site(t).reference, 'quay.io/prometheus/alertmanager:v0.27.0', sha);
      assert.equal(site(t).helm!.shaForm, undefined);
      assert.deepEqual(triples(checkText(t, { path: 'values.yaml' })), [['unpinned-tag', 4, 'v0.27.0']], sha);
    }
    // A `digest` with a value wins over `sha`.
    const both = map(hex, `  digest: sha256:${'a'.repeat(64)}\n`);
    assert.equal(site(both).reference, `quay.io/prometheus/alertmanager:v0.27.0@sha256:${'a'.repeat(64)}`);
    assert.equal(site(both).helm!.shaForm, undefined);
    // Only the `repository` dialect: no chart of another dialect reads `sha`.
    const nginx = `controller:\n  image:\n    registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: v1.11.2\n    sha: ${hex}\n`;
    assert.equal(site(nginx).reference, 'registry.k8s.io/ingress-nginx/controller:v1.11.2');
  });

  it('Kustomize images: newTag, newName, digest, tag@digest in newTag; rename-only entries skipped', () => {
    assert.deepEqual(triples(checkFile(shape('kustomization.yaml'))), SHAPE_FINDINGS['kustomization.yaml']);
    const sites = extractImages(require('node:fs').readFileSync(shape('kustomization.yaml'), 'utf8'), { path: shape('kustomization.yaml') }).sites;
    assert.deepEqual(
      sites.map((s) => s.reference),
      [
        'ghcr.io/acme/api:edge',
        'registry.acme.io/mirror/nginx:1.27@sha256:2222222222222222222222222222222222222222222222222222222222222222',
        'postgres:16.4@sha256:3333333333333333333333333333333333333333333333333333333333333333',
        'memcached:1.6.29',
      ],
    );
  });

  it('a list named images outside a kustomization is not a Kustomize list', () => {
    assert.deepEqual(checkText('images:\n  - name: nginx\n    newTag: latest\n', { path: 'other.yaml' }), []);
    assert.equal(checkText('kind: Kustomization\nimages:\n  - name: nginx\n    newTag: latest\n', { path: 'other.yaml' }).length, 1);
  });

  it('Argo CD and Flux: kustomize.images strings, helm.valuesObject, helm.values string mapped back to the file', () => {
    assert.deepEqual(triples(checkFile(shape('argocd.yaml'))), SHAPE_FINDINGS['argocd.yaml']);
  });

  it('helm.values with CRLF line endings still maps to the exact outer text', () => {
    const text = 'spec:\r\n  source:\r\n    helm:\r\n      values: |\r\n        image:\r\n          repository: acme/api\r\n          tag: dev\r\n';
    assert.deepEqual(triples(checkText(text)), [['floating-tag', 7, 'dev']]);
  });

  it('a value inside helm.values that runs over two lines is not edited in place (its indentation differs in the file)', () => {
    const text = 'spec:\n  source:\n    helm:\n      values: |\n        image:\n          repository: acme/worker\n           more/text\n';
    const site = extractLocated(text, { path: 'app.yaml' }).sites[0];
    assert.ok(site.helm, 'the split map is found');
    assert.equal(site.helm.repository.exact, false, 'the mapped range no longer holds the value as written');
    assert.equal(text.slice(site.helm.repository.token.start, site.helm.repository.token.end), 'acme/worker\n           more/text');
  });

  it('a quoted helm.values string maps by offset; an escaped one is reported on the whole scalar', () => {
    assert.deepEqual(triples(checkText('spec:\n  source:\n    helm:\n      values: "image: redis:latest"\n')), [['floating-tag', 4, 'redis:latest']]);
    const escaped = checkText('spec:\n  source:\n    helm:\n      values: "image:\\n  redis:latest"\n');
    assert.equal(escaped.length, 1);
    assert.equal(escaped[0].rule, 'floating-tag');
    assert.equal(escaped[0].text, '"image:\\n  redis:latest"');
  });

  it('docker-compose: build services skipped, pull_policy read, ${VAR} skipped', () => {
    assert.deepEqual(triples(checkFile(shape('docker-compose.yaml'))), SHAPE_FINDINGS['docker-compose.yaml']);
  });

  it('GitHub Actions workflows: job container (string and map), services, docker:// steps', () => {
    assert.deepEqual(triples(checkFile(shape('.github/workflows/ci.yml'))), SHAPE_FINDINGS['.github/workflows/ci.yml']);
  });

  it('action.yml: runs.image docker:// is an image, runs.image Dockerfile is a path', () => {
    assert.deepEqual(triples(checkFile(shape('action.yml'))), SHAPE_FINDINGS['action.yml']);
  });

  it('Helm chart templates: literal references checked, templated ones skipped, no yaml-syntax for template structure', () => {
    assert.deepEqual(triples(checkFile(shape('chart/templates/deployment.yaml'))), SHAPE_FINDINGS['chart/templates/deployment.yaml']);
  });

  it('template actions keep every offset: the finding column is the column in the original file', () => {
    const text = 'metadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: {{ .Chart.Name }}\n      image: nginx:latest\n';
    const ex = extractLocated(text, {});
    assert.equal(ex.sites.length, 1);
    assert.deepEqual(ex.siteRanges[0], { start: { line: 5, character: 13 }, end: { line: 5, character: 25 } });
  });

  it('a manifest inside a template comment {{/* … */}} is not deployed; the same text uncommented is', () => {
    // The shape of a chart's disabled test hook: the whole Pod is a template comment.
    const pod = ['apiVersion: v1', 'kind: Pod', 'spec:', '  containers:', '    - name: wget', '      image: busybox', '  restartPolicy: Never'].join('\n');
    for (const fast of [false, true]) {
      assert.deepEqual(extractImages(`{{/*\n${pod}\n*/}}\n`, { fast }).sites, [], `fast: ${fast}`);
      const live = extractImages(`{{- if .Values.test }}\n${pod}\n{{- end }}\n`, { fast }).sites;
      const at = `{{- if .Values.test }}\n${pod}`.indexOf('busybox');
      assert.deepEqual(
        live.map((s) => [s.reference, s.span]),
        [['busybox', { start: at, end: at + 'busybox'.length }]],
        `fast: ${fast}`,
      );
    }
  });

  it('suppression comments: end of line, line above, and rule lists that do not match', () => {
    assert.deepEqual(triples(checkFile(shape('suppressed.yaml'))), SHAPE_FINDINGS['suppressed.yaml']);
  });

  it('malformed YAML: the first parser error is located, and what parsed is still checked', () => {
    const seen = checkFile(shape('broken.yaml'));
    assert.deepEqual(
      seen.map((s) => [s.rule, s.line]),
      [
        ['unpinned-tag', 6],
        ['floating-tag', 13],
        ['yaml-syntax', 14],
      ],
    );
    assert.match(seen[2].message, /^YAML syntax error: /);
  });

  it('configured imageKeys hold images too', () => {
    const text = 'spec:\n  sidecarImage: envoyproxy/envoy:latest\n  baseImage: ubuntu\n';
    assert.deepEqual(checkText(text), []);
    assert.deepEqual(triples(checkText(text, { config: configFrom('imageKeys: [sidecarImage, baseImage]\n') })), [
      ['floating-tag', 2, 'envoyproxy/envoy:latest'],
      ['missing-tag', 3, 'ubuntu'],
    ]);
  });

  it('placeholders and variables are not images', () => {
    const text = ['a: {image: auto}', 'b: {image: "<YOUR-CONTAINER>"}', 'c: {image: $IMAGE}', 'd: {image: "${IMG}:1"}', 'e: {image: ""}', 'f: {image: 42}', 'g: {image: ~}'].join('\n');
    assert.deepEqual(checkText(text), []);
  });
});

describe('text encodings and sizes', () => {
  it('CRLF line endings and a byte order mark give the same findings and columns', () => {
    const lf = 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:latest\n';
    const expected = triples(checkText(lf));
    assert.deepEqual(triples(checkText(lf.replace(/\n/g, '\r\n'))), expected);
    const withBom = extractLocated('\uFEFF' + lf, {});
    assert.equal(withBom.sites.length, 1);
    assert.equal(withBom.siteRanges[0].start.character, 13);
  });

  it('multi-document files: every document, findings on the right lines', () => {
    const doc = (i: number) => `---\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  containers: [{name: c, image: "app${i}:dev"}]\n`;
    const text = Array.from({ length: 200 }, (_, i) => doc(i)).join('');
    const seen = checkText(text);
    assert.equal(seen.length, 200);
    assert.equal(seen[199].line, 199 * 5 + 5);
    assert.equal(seen[199].text, 'app199:dev');
  });

  it('an alias bomb is not expanded', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    lines.push('spec: {containers: [{name: c, image: &img "nginx:latest"}], initContainers: [{name: i, image: *img}]}');
    const started = process.hrtime.bigint();
    const seen = checkText(lines.join('\n'));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.deepEqual(triples(seen), [['floating-tag', 13, 'nginx:latest']]);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('CustomResourceDefinition documents are not parsed for images', () => {
    const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  x:\n    image: nginx:latest\n';
    assert.deepEqual(checkText(crd), []);
  });
});
