/** Fix edits: the text after pinning, adding a pull policy or a suppression comment, for every shape. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { extractImages } from '../../server/src/core/extract';
import { applyEdits, ignoreEdit, pinEdits, pullPolicyEdit, resolutionTarget } from '../../server/src/core/fix';

const D = `sha256:${'d'.repeat(64)}`;
const E = `sha256:${'e'.repeat(64)}`;

function pin(text: string, opts: { style?: 'tag-digest' | 'digest'; path?: string; digest?: string; tagForEmpty?: string; sha?: 'hex' | 'whole' } = {}): string {
  const { sites } = extractImages(text, { path: opts.path });
  assert.ok(sites.length > 0, 'no site found');
  const edits = sites.flatMap((site) => {
    const r = pinEdits(text, site, opts.digest ?? D, opts.style ?? 'tag-digest', opts.tagForEmpty, opts.sha);
    assert.ok(r.ok, r.ok ? '' : r.error);
    return r.edits;
  });
  return applyEdits(text, edits);
}

describe('pin edits', () => {
  const cases: Array<[string, string, string, Parameters<typeof pin>[1]?]> = [
    ['plain scalar, tag-digest', 'image: nginx:1.27\n', `image: nginx:1.27@${D}\n`],
    ['plain scalar, digest only', 'image: nginx:1.27\n', `image: nginx@${D}\n`, { style: 'digest' }],
    ['missing tag is written as latest', 'image: nginx\n', `image: nginx:latest@${D}\n`],
    ['double quotes and comment kept', 'image: "nginx:dev"   # keep me\n', `image: "nginx:dev@${D}"   # keep me\n`],
    ['single quotes kept', "image: 'localhost:5000/app:dev'\n", `image: 'localhost:5000/app:dev@${D}'\n`],
    ['flow map', '- {name: c, image: nginx:dev, ports: []}\n', `- {name: c, image: nginx:dev@${D}, ports: []}\n`],
    ['CRLF kept', 'a: 1\r\nimage: nginx:dev\r\nb: 2\r\n', `a: 1\r\nimage: nginx:dev@${D}\r\nb: 2\r\n`],
    ['existing digest replaced (update)', `image: nginx:1.27@${E}\n`, `image: nginx:1.27@${D}\n`],
    ['docker:// step keeps its prefix', 'steps:\n  - uses: docker://alpine:3.20\n', `steps:\n  - uses: docker://alpine:3.20@${D}\n`],
    ['argo kustomize name=image', 'spec:\n  source:\n    kustomize:\n      images: ["api=ghcr.io/a/api:main"]\n', `spec:\n  source:\n    kustomize:\n      images: ["api=ghcr.io/a/api:main@${D}"]\n`],
    ['helm digest key set (empty string)', 'image:\n  repository: acme/web\n  tag: dev\n  digest: ""\n', `image:\n  repository: acme/web\n  tag: dev\n  digest: "${D}"\n`],
    ['helm null digest key gets a value', 'image:\n  repository: acme/web\n  tag: dev\n  digest:\n  pullPolicy: Always\n', `image:\n  repository: acme/web\n  tag: dev\n  digest: ${D}\n  pullPolicy: Always\n`],
    ['helm without digest key: tag@digest', 'image:\n  repository: acme/web\n  tag: 1.10 # pinned soon\n', `image:\n  repository: acme/web\n  tag: 1.10@${D} # pinned soon\n`],
    ['helm sha, hex alone: replaced hex alone', `image:\n  repository: prometheus/alertmanager\n  tag: v0.27.0\n  sha: ${'e'.repeat(64)}\n`, `image:\n  repository: prometheus/alertmanager\n  tag: v0.27.0\n  sha: ${D.slice(7)}\n`],
    ['helm sha, whole digest: replaced whole', `image:\n  repository: kube-state-metrics/kube-state-metrics\n  tag: v2.13.0\n  digest: ""\n  sha: "sha256:${'e'.repeat(64)}"\n`, `image:\n  repository: kube-state-metrics/kube-state-metrics\n  tag: v2.13.0\n  digest: ""\n  sha: "${D}"\n`],
    ['helm empty sha: tag@digest as without it', 'image:\n  repository: prometheus/alertmanager\n  tag: v0.27.0\n  sha: ""\n', `image:\n  repository: prometheus/alertmanager\n  tag: v0.27.0@${D}\n  sha: ""\n`],
    ['helm empty sha, templates render the hex: hex alone, tag stays plain', 'image:\n  repository: prometheus/alertmanager\n  tag: v0.27.0\n  sha: ""\n', `image:\n  repository: prometheus/alertmanager\n  tag: v0.27.0\n  sha: "${D.slice(7)}"\n`, { sha: 'hex' }],
    ['helm empty sha, templates render it whole: whole digest', 'image:\n  repository: kube-state-metrics/kube-state-metrics\n  tag: v2.13.0\n  sha:\n', `image:\n  repository: kube-state-metrics/kube-state-metrics\n  tag: v2.13.0\n  sha: ${D}\n`, { sha: 'whole' }],
    ['helm empty sha, tag@digest before (--update): tag made plain again', `image:\n  repository: prometheus/alertmanager\n  tag: v0.27.0@${E}\n  sha: ""\n`, `image:\n  repository: prometheus/alertmanager\n  tag: v0.27.0\n  sha: "${D.slice(7)}"\n`, { sha: 'hex' }],
    ['helm empty sha and empty tag: the appVersion is written as the tag (charts render sha only beside one)', 'image:\n  repository: prometheus/alertmanager\n  tag: ""\n  sha: ""\n', `image:\n  repository: prometheus/alertmanager\n  tag: "0.27.0"\n  sha: "${D.slice(7)}"\n`, { sha: 'hex', tagForEmpty: '0.27.0' }],
    ['helm empty tag uses appVersion', 'image:\n  repository: acme/web\n  tag: ""\n', `image:\n  repository: acme/web\n  tag: "2.8.1@${D}"\n`, { tagForEmpty: '2.8.1' }],
    ['helm no tag key: inserted', 'image:\n  repository: acme/web\nother: 1\n', `image:\n  repository: acme/web\n  tag: "2.8.1@${D}"\nother: 1\n`, { tagForEmpty: '2.8.1' }],
    ['kustomize digest key added', 'images:\n  - name: nginx\n    newTag: "1.27"   # prod\nresources: []\n', `images:\n  - name: nginx\n    newTag: "1.27"   # prod\n    digest: ${D}\nresources: []\n`, { path: 'kustomization.yaml' }],
    ['kustomize flow entry', 'images:\n  - {name: nginx, newTag: dev}\n', `images:\n  - {name: nginx, newTag: dev, digest: ${D}}\n`, { path: 'kustomization.yaml' }],
    ['kustomize newTag tag@digest updated', `images:\n  - name: nginx\n    newTag: "1.27@${E}"\n`, `images:\n  - name: nginx\n    newTag: "1.27@${D}"\n`, { path: 'kustomization.yaml' }],
    [
      'argo helm.values block string edited through the offset map',
      'spec:\n  source:\n    helm:\n      values: |\n        image:\n          repository: acme/w\n          tag: dev\n',
      `spec:\n  source:\n    helm:\n      values: |\n        image:\n          repository: acme/w\n          tag: dev@${D}\n`,
    ],
    [
      'chart template literal next to template actions',
      'spec:\n  containers:\n    - name: {{ .Chart.Name }}\n      image: busybox:1.36\n',
      `spec:\n  containers:\n    - name: {{ .Chart.Name }}\n      image: busybox:1.36@${D}\n`,
    ],
  ];
  for (const [name, before, after, opts] of cases) {
    it(name, () => assert.equal(pin(before, opts), after));
  }

  it('pinning a `sha` map twice gives the same text, in the form it was written', () => {
    for (const sha of ['e'.repeat(64), `"${E}"`]) {
      const once = pin(`image:\n  repository: prometheus/prometheus\n  tag: v2.54.1\n  sha: ${sha}\n`);
      assert.equal(pin(once), once);
      const site = extractImages(once).sites[0];
      assert.equal(site.reference, `prometheus/prometheus:v2.54.1@${D}`);
    }
  });

  it('pinning parses to the same structure with only the references changed', () => {
    const text = 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: nginx:dev\n          args: ["--x"]\n';
    const after = parse(pin(text));
    const before = parse(text);
    before.spec.template.spec.containers[0].image = `nginx:dev@${D}`;
    assert.deepEqual(after, before);
  });

  it('a reference written with escapes is refused, not corrupted', () => {
    const text = 'image: "nginx:\\x64ev"\n';
    const [site] = extractImages(text).sites;
    const r = pinEdits(text, site, D, 'tag-digest');
    assert.equal(r.ok, false);
  });
});

describe('resolution target', () => {
  it('uses the written tag, the implicit latest, or the appVersion', () => {
    const [a, b, c] = extractImages('x: {image: nginx:1.27}\ny: {image: nginx}\nz:\n  image:\n    repository: acme/w\n').sites;
    assert.deepEqual(resolutionTarget(a), { ref: { domain: 'docker.io', path: 'library/nginx', tag: '1.27', domainExplicit: false }, tagSource: 'written', currentDigest: undefined });
    assert.equal((resolutionTarget(b) as { tagSource: string }).tagSource, 'implicit-latest');
    assert.match((resolutionTarget(c) as { error: string }).error, /appVersion/);
    assert.equal((resolutionTarget(c, { tag: '2.0.0', appVersion: '2.0.0', rendered: false }) as { ref: { tag: string } }).ref.tag, '2.0.0');
  });
});

describe('pull policy and ignore edits', () => {
  it('adds imagePullPolicy: Always below the image line of a container', () => {
    const text = 'containers:\n  - name: a\n    image: nginx:dev\n    args: [x]\n';
    const [site] = extractImages(text).sites;
    assert.equal(applyEdits(text, [pullPolicyEdit(text, site)!]), 'containers:\n  - name: a\n    image: nginx:dev\n    imagePullPolicy: Always\n    args: [x]\n');
  });

  it('replaces an existing pull policy value', () => {
    const text = 'containers:\n  - name: a\n    image: nginx:dev\n    imagePullPolicy: IfNotPresent\n';
    const [site] = extractImages(text).sites;
    assert.equal(applyEdits(text, [pullPolicyEdit(text, site)!]), 'containers:\n  - name: a\n    image: nginx:dev\n    imagePullPolicy: Always\n');
  });

  it('Compose gets pull_policy: always; shapes without a pull policy get none', () => {
    const text = 'services:\n  db:\n    image: postgres:dev\n    ports: ["5432"]\n';
    const [site] = extractImages(text).sites;
    assert.equal(applyEdits(text, [pullPolicyEdit(text, site)!]), 'services:\n  db:\n    image: postgres:dev\n    pull_policy: always\n    ports: ["5432"]\n');
    const k = 'images:\n  - name: a\n    newTag: dev\n';
    assert.equal(pullPolicyEdit(k, extractImages(k, { path: 'kustomization.yaml' }).sites[0]), null);
  });

  it('adds a suppression comment above the line, and the rule then ignores it', () => {
    const text = 'containers:\n  - name: a\n    image: nginx:dev\n';
    const [site] = extractImages(text).sites;
    const after = applyEdits(text, [ignoreEdit(text, site, 'floating-tag')]);
    assert.equal(after, 'containers:\n  - name: a\n    # image-pin: ignore floating-tag\n    image: nginx:dev\n');
    assert.deepEqual(extractImages(after).sites[0].ignored, ['floating-tag']);
  });
});
