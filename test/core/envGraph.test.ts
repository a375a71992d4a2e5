/** Reading the environment graph: what includes what, which files are roots, what cannot be read. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, envOfValuesFile, readGraph } from '../../server/src/core/env';
import { memoryWorkspace } from '../helpers/envWorkspace';

const K = (body: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`;
const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n';

describe('environment graph', () => {
  it('an environment is a kustomization no other includes (resources, bases, components)', () => {
    const g = readGraph(
      memoryWorkspace({
        'base/kustomization.yaml': K('resources: [pod.yaml]\n'),
        'base/pod.yaml': POD,
        'comp/kustomization.yaml': 'kind: Component\nimages: [{name: busybox, newTag: "1.37"}]\n',
        'overlays/dev/kustomization.yaml': K('bases: [../../base]\ncomponents: [../../comp]\n'),
        'overlays/prod/kustomization.yaml': K('resources: [../../base]\n'),
        'overlays/prod-eu/kustomization.yaml': K('resources: [../prod]\n'),
      }),
    );
    assert.deepEqual(g.roots.map((r) => [r.kind, r.root, r.name]), [
      ['kustomize', '/repo/overlays/dev', 'dev'],
      ['kustomize', '/repo/overlays/prod-eu', 'prod-eu'],
    ]);
    assert.deepEqual(g.problems, []);
  });

  it('reports missing paths, remote resources and cycles without failing', () => {
    const g = readGraph(
      memoryWorkspace({
        'o/kustomization.yaml': K('resources:\n  - ../gone\n  - https://github.com/acme/x//deploy?ref=v1\n  - github.com/acme/y/base\n'),
        'a/kustomization.yaml': K('resources: [../b]\n'),
        'b/kustomization.yaml': K('resources: [../a]\n'),
      }),
    );
    assert.deepEqual(g.problems.map((p) => [p.kind, p.message]).sort(), [
      ['cycle', '../a includes this kustomization again (a cycle): not followed'],
      ['missing', '../gone does not exist (or holds no kustomization)'],
      ['remote', 'github.com/acme/y/base is remote: not followed'],
      ['remote', 'https://github.com/acme/x//deploy?ref=v1 is remote: not followed'],
    ]);
    // The problem is located at the entry that names the path.
    const missing = g.problems.find((p) => p.kind === 'missing')!;
    assert.equal(missing.file, '/repo/o/kustomization.yaml');
  });

  it('a chart is one environment per values file beside it, or its defaults alone', () => {
    const g = readGraph(
      memoryWorkspace({
        'a/Chart.yaml': 'name: a\nappVersion: "1.0"\n',
        'a/values.yaml': 'image: {repository: x, tag: "1"}\n',
        'a/values-dev.yaml': 'image: {tag: dev}\n',
        'a/values.prod.yaml': '{}\n',
        'a/staging-values.yaml': '{}\n',
        'a/values/qa.yaml': '{}\n',
        'a/ci/lint-values.yaml': '{}\n',
        'a/templates/x.yaml': 'kind: ConfigMap\n',
        'b/Chart.yaml': 'name: b\n',
        'b/values.yaml': 'image: {repository: y, tag: "2"}\n',
      }),
    );
    assert.deepEqual(g.roots.map((r) => [r.root, r.name]), [
      ['/repo/a/ci/lint-values.yaml', 'lint'],
      ['/repo/a/staging-values.yaml', 'staging'],
      ['/repo/a/values-dev.yaml', 'dev'],
      ['/repo/a/values.prod.yaml', 'prod'],
      ['/repo/a/values/qa.yaml', 'qa'],
      ['/repo/b/values.yaml', 'default'],
    ]);
  });

  it('names the environment of a values file', () => {
    const table: Array<[string, string | undefined]> = [
      ['values-prod.yaml', 'prod'],
      ['values.staging.yml', 'staging'],
      ['dev-values.yaml', 'dev'],
      ['values/qa.yaml', 'qa'],
      ['ci/smoke-values.yaml', 'smoke'],
      ['values.yaml', undefined],
      ['templates/deployment.yaml', undefined],
      ['ci/other.yaml', undefined],
    ];
    for (const [file, env] of table) assert.equal(envOfValuesFile('/c', `/c/${file}`), env, file);
  });

  it('an Argo CD Application or Flux HelmRelease over a local folder is an environment; the kustomization it deploys is not one on its own', () => {
    const g = readGraph(
      memoryWorkspace({
        'deploy/shop/kustomization.yaml': K('resources: [pod.yaml]\n'),
        'deploy/shop/pod.yaml': POD,
        'charts/web/Chart.yaml': 'name: web\n',
        'charts/web/values.yaml': 'image: {repository: web, tag: "1"}\n',
        'apps/shop.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod}\nspec:\n  source:\n    path: deploy/shop\n',
        'apps/remote.yaml': 'kind: Application\nmetadata: {name: r}\nspec:\n  source:\n    repoURL: https://charts.example.com\n    chart: nginx\n',
        'clusters/prod/web.yaml': 'kind: HelmRelease\nmetadata: {name: web}\nspec:\n  chart:\n    spec:\n      chart: ./charts/web\n',
        'clusters/prod/repo.yaml': 'kind: HelmRelease\nmetadata: {name: redis}\nspec:\n  chart:\n    spec:\n      chart: redis\n',
      }),
    );
    assert.deepEqual(g.roots.map((r) => [r.kind, r.root]).sort(), [
      ['argocd', '/repo/apps/shop.yaml'],
      ['flux', '/repo/clusters/prod/web.yaml'],
    ]);
  });
});

describe('hostile graphs', () => {
  it('a diamond many levels deep is read within a bounded budget and reported as not fully read', () => {
    const files: Record<string, string> = {};
    const levels = 40; // naively 2^40 reads
    for (let i = 0; i < levels; i++) files[`k${i}/kustomization.yaml`] = `resources:\n  - ../k${i + 1}\n  - ../k${i + 1}/\n`;
    files[`k${levels}/kustomization.yaml`] = 'resources: [pod.yaml]\n';
    files[`k${levels}/pod.yaml`] = POD;
    const started = Date.now();
    const model = buildModel(memoryWorkspace(files));
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    const top = model.environments.find((e) => e.root === '/repo/k0')!;
    assert.ok(top.incomplete.some((w) => /not read further/.test(w)), top.incomplete.join('\n'));
  });

  it('a chain thousands of kustomizations long neither overflows the stack nor passes for read', () => {
    const files: Record<string, string> = {};
    const n = 3000;
    for (let i = 0; i < n; i++) files[`k${i}/kustomization.yaml`] = `resources: [../k${i + 1}]\n`;
    files[`k${n}/kustomization.yaml`] = 'resources: [pod.yaml]\n';
    files[`k${n}/pod.yaml`] = POD;
    const model = buildModel(memoryWorkspace(files));
    const top = model.environments.find((e) => e.root === '/repo/k0')!;
    assert.deepEqual(top.incomplete, ['kustomizations nested more than 200 deep: not read further']);
    // A chain within the limit is read whole.
    const short: Record<string, string> = {};
    for (let i = 0; i < 150; i++) short[`k${i}/kustomization.yaml`] = `resources: [../k${i + 1}]\n`;
    short['k150/kustomization.yaml'] = 'resources: [pod.yaml]\n';
    short['k150/pod.yaml'] = POD;
    assert.equal(buildModel(memoryWorkspace(short)).environments[0].images[0].reference, 'busybox:1.36');
  });
});
