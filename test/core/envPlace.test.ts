/** Judging environments and placing findings where the fix belongs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildModel, placeEdits, placeFindings, type Workspace } from '../../server/src/core/env';
import { applyEdits } from '../../server/src/core/fix';
import { configFrom } from '../helpers/check';
import { diskWorkspace, memoryWorkspace } from '../helpers/envWorkspace';
import { EXAMPLES } from '../helpers/paths';

const K = (body: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`;
const deploy = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: ${image}\n`;
const DIGEST = 'sha256:' + 'f'.repeat(64);

function placed(ws: Workspace, root = '/repo', configYaml?: string): Array<[string, string, string, string[]]> {
  const config = { ...configFrom(configYaml), baseDir: root };
  const model = buildModel(ws);
  return placeFindings(model, ws, (env) => ({ config, relativePath: path.posix.relative(root, env.rootFile), alsoPaths: [path.posix.relative(root, env.root)], today: '2026-11-26', stage: env.stage }))
    .map((f): [string, string, string, string[]] => {
      const text = ws.text(f.file)!;
      return [path.posix.relative(root, f.file), f.rule, text.slice(f.span.start, f.span.end), f.environments.map((e) => e.stage)];
    })
    .sort();
}

describe('placing findings', () => {
  it('nothing on a base that every environment pins; the override that leaves it mutable is reported', () => {
    const ws = memoryWorkspace({
      'base/kustomization.yaml': K('resources: [d.yaml]\n'),
      'base/d.yaml': deploy('ghcr.io/acme/api'),
      'dev/kustomization.yaml': K(`resources: [../base]\nimages:\n  - name: ghcr.io/acme/api\n    newTag: dev\n`),
      'prod/kustomization.yaml': K(`resources: [../base]\nimages:\n  - name: ghcr.io/acme/api\n    digest: ${DIGEST}\n`),
    });
    assert.deepEqual(placed(ws), [['dev/kustomization.yaml', 'floating-tag', 'dev', ['dev']]]);
  });

  it('the base line, naming the environments that deploy it as written', () => {
    const ws = memoryWorkspace({
      'base/kustomization.yaml': K('resources: [d.yaml]\n'),
      'base/d.yaml': deploy('ghcr.io/acme/api:main'),
      'dev/kustomization.yaml': K('resources: [../base]\n'),
      'staging/kustomization.yaml': K('resources: [../base]\n'),
      'prod/kustomization.yaml': K(`resources: [../base]\nimages:\n  - name: ghcr.io/acme/api\n    digest: ${DIGEST}\n`),
    });
    const config = configFrom();
    const model = buildModel(ws);
    const found = placeFindings(model, ws, (env) => ({ config, relativePath: env.rootFile.slice(6), today: '2026-11-26', stage: env.stage }), (p) => path.posix.relative('/repo', p));
    assert.equal(found.length, 1);
    assert.equal(found[0].file, '/repo/base/d.yaml');
    assert.deepEqual(found[0].environments.map((e) => e.stage), ['dev', 'staging']);
    assert.match(found[0].message, /; deployed as written by dev \(dev\), staging \(staging\)$/);
  });

  it('values-prod.yaml tag-only override is reported there, not on values.yaml', () => {
    const ws = memoryWorkspace({
      'c/Chart.yaml': 'name: c\nappVersion: "2.8.1"\n',
      'c/values.yaml': 'image:\n  repository: acme/web\n  tag: ""\n',
      'c/values-prod.yaml': 'image:\n  tag: 2.8.1\n',
      'c/values-staging.yaml': `image:\n  digest: ${DIGEST}\n`,
    });
    assert.deepEqual(placed(ws), [['c/values-prod.yaml', 'unpinned-tag', '2.8.1', ['prod']]]);
  });

  it('a digest in `sha` (prometheus-community charts) pins an environment: no finding there; cleared, the finding is on its `sha`', () => {
    const hex = 'f'.repeat(64);
    const values = `prometheus:\n  image:\n    registry: quay.io\n    repository: prometheus/prometheus\n    tag: v2.54.1\n    sha: ""\n`;
    const ws = memoryWorkspace({
      'c/Chart.yaml': 'name: c\n',
      'c/values.yaml': values,
      'c/values-prod.yaml': `prometheus:\n  image:\n    sha: ${hex}\n`,
      'c/values-staging.yaml': 'prometheus:\n  image:\n    sha: ""\n',
    });
    // Before, prod's `sha` was not read: prod was reported as deploying the bare tag.
    assert.deepEqual(placed(ws), [['c/values-staging.yaml', 'unpinned-tag', '', ['staging']]]);
  });

  it('allowances may name stages; pull-policy goes to the workload line', () => {
    const ws = memoryWorkspace({
      'base/kustomization.yaml': K('resources: [d.yaml]\n'),
      'base/d.yaml': deploy('ghcr.io/acme/api'),
      'dev/kustomization.yaml': K(`resources: [../base]\nimages:\n  - name: ghcr.io/acme/api\n    newTag: dev\n`),
    });
    const cfg = 'allowances:\n  - stages: [dev]\n    until: 2027-01-01\n';
    assert.deepEqual(placed(ws, '/repo', cfg), [['base/d.yaml', 'pull-policy', 'ghcr.io/acme/api', ['dev']]]);
    const other = 'allowances:\n  - stages: [prod]\n    until: 2027-01-01\n';
    assert.deepEqual(placed(ws, '/repo', other), [['dev/kustomization.yaml', 'floating-tag', 'dev', ['dev']]]);
  });

  it('an ignore comment on the override silences it there', () => {
    const ws = memoryWorkspace({
      'base/kustomization.yaml': K('resources: [d.yaml]\n'),
      'base/d.yaml': deploy('ghcr.io/acme/api'),
      'dev/kustomization.yaml': K(`resources: [../base]\nimages:\n  - name: ghcr.io/acme/api\n    newTag: dev # image-pin: ignore\n`),
    });
    assert.deepEqual(placed(ws), []);
  });

  it('examples/: the base is no longer red for what overlays pin, and values-prod.yaml is reported', () => {
    const found = placed(diskWorkspace(EXAMPLES), EXAMPLES);
    const files = found.map((f) => `${f[0]} ${f[1]} ${f[2]}`);
    assert.ok(!files.some((f) => f.includes('shop-api:main')), files.join('\n'));
    assert.ok(files.includes('charts/web/values-prod.yaml unpinned-tag 2.8.1'), files.join('\n'));
    assert.ok(!files.some((f) => f.startsWith('charts/web/values.yaml unpinned-tag')), files.join('\n'));
  });
});

describe('writing a digest at the place', () => {
  const pin = (files: Record<string, string>, file: string) => {
    const ws = memoryWorkspace(files);
    const model = buildModel(ws);
    const config = configFrom();
    const f = placeFindings(model, ws, (env) => ({ config, relativePath: env.rootFile, today: '2026-11-26', stage: env.stage })).find((x) => x.file === `/repo/${file}`)!;
    const text = ws.text(f.file)!;
    const fix = placeEdits(text, f.place, { digest: DIGEST, tag: f.effective.tag, reference: f.effective.reference });
    assert.ok(fix.ok, JSON.stringify(fix));
    return { text: applyEdits(text, fix.edits), newReference: fix.newReference };
  };

  it('adds digest: to the overlay entry, for the renamed reference', () => {
    const got = pin(
      {
        'base/kustomization.yaml': K('resources: [d.yaml]\n'),
        'base/d.yaml': deploy('redis:7'),
        'o/kustomization.yaml': K('resources: [../base]\nimages:\n  - name: redis\n    newName: public.ecr.aws/docker/library/redis # mirror\n'),
      },
      'o/kustomization.yaml',
    );
    assert.equal(got.text, K(`resources: [../base]\nimages:\n  - name: redis\n    newName: public.ecr.aws/docker/library/redis # mirror\n    digest: ${DIGEST}\n`));
    assert.equal(got.newReference, `public.ecr.aws/docker/library/redis:7@${DIGEST}`);
  });

  it("sets the digest in the environment's values file (a digest key when the chart has one, else tag@digest)", () => {
    const chart = { 'c/Chart.yaml': 'name: c\n', 'c/values-prod.yaml': 'image:\n  tag: 2.8.1\n' };
    const withKey = pin({ ...chart, 'c/values.yaml': 'image:\n  repository: acme/web\n  tag: ""\n  digest: ""\n' }, 'c/values-prod.yaml');
    assert.equal(withKey.text, `image:\n  tag: 2.8.1\n  digest: ${DIGEST}\n`);
    const withoutKey = pin({ ...chart, 'c/values.yaml': 'image:\n  repository: acme/web\n  tag: ""\n' }, 'c/values-prod.yaml');
    assert.equal(withoutKey.text, `image:\n  tag: 2.8.1@${DIGEST}\n`);
    assert.equal(withoutKey.newReference, `acme/web:2.8.1@${DIGEST}`);
  });
  it('an Argo CD `kustomize.images` string is rewritten whole, its `name=` prefix and quotes kept', () => {
    const app = 'kind: Application\nmetadata:\n  name: shop-prod\nspec:\n  source:\n    path: base\n    kustomize:\n      images:\n        - "app=ghcr.io/acme/app:2.0" # prod\n';
    const got = pin({ 'base/kustomization.yaml': K('resources: [d.yaml]\n'), 'base/d.yaml': deploy('app:1.0'), 'apps/shop-prod.yaml': app }, 'apps/shop-prod.yaml');
    assert.equal(got.text, app.replace('ghcr.io/acme/app:2.0"', `ghcr.io/acme/app:2.0@${DIGEST}"`));
    assert.equal(got.newReference, `ghcr.io/acme/app:2.0@${DIGEST}`);
  });

  it('an Argo CD `helm.parameters` value is pinned in place (the digest on the tag without a digest parameter), never added to', () => {
    const app = (params: string) =>
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api-prod}\nspec:\n  source:\n    path: c\n    helm:\n      parameters:\n${params}`;
    const files = (params: string) => ({ 'c/Chart.yaml': 'name: c\n', 'c/values.yaml': 'image: {repository: app, tag: "1", digest: ""}\nproxy:\n  image: envoy:1\n', 'apps/api-prod.yaml': app(params) });
    const tag = '        - name: image.tag\n          value: "2.0" # release\n';
    assert.equal(pin(files(tag), 'apps/api-prod.yaml').text, app(`        - name: image.tag\n          value: "2.0@${DIGEST}" # release\n`));
    const both = `${tag}        - name: image.digest\n          value: ""\n`;
    assert.equal(pin(files(both), 'apps/api-prod.yaml').text, app(`${tag}        - name: image.digest\n          value: "${DIGEST}"\n`));
    const whole = '        - name: proxy.image\n          value: envoy:1.31\n          forceString: true\n';
    const got = pin(files(whole), 'apps/api-prod.yaml');
    assert.equal(got.text, app(whole.replace('envoy:1.31', `envoy:1.31@${DIGEST}`)));
    assert.equal(got.newReference, `envoy:1.31@${DIGEST}`);
  });
});
