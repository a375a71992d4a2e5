/** Applying overrides: kustomize's image transformer, Helm values merging and fallbacks, Argo CD and Flux layers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelMemo, buildModel, type EnvironmentModel } from '../../server/src/core/env';
import { diskWorkspace, memoryWorkspace } from '../helpers/envWorkspace';
import { fixture } from '../helpers/paths';

const K = (body: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`;
const deploy = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: ${image}\n`;

/** Effective references of each environment, by root relative to `root`. */
function refs(model: EnvironmentModel, root = '/repo'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of model.environments) out[path.posix.relative(root, e.root)] = e.images.map((i) => i.reference);
  return out;
}

/** One base image and one overlay entry: the effective reference. */
function transform(image: string, entry: string): string {
  const model = buildModel(
    memoryWorkspace({
      'base/kustomization.yaml': K('resources: [d.yaml]\n'),
      'base/d.yaml': deploy(image),
      'o/kustomization.yaml': K(`resources: [../base]\nimages:\n  - ${entry}\n`),
    }),
  );
  return model.environments[0].images[0].reference;
}

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

describe('kustomize image transformer', () => {
  const table: Array<[string, string, string]> = [
    ['nginx', '{name: nginx, newTag: "1.27"}', 'nginx:1.27'],
    ['nginx:1.25', '{name: nginx, newTag: "1.27"}', 'nginx:1.27'],
    [`nginx:1.25@${D1}`, '{name: nginx, newTag: "1.27"}', 'nginx:1.27'], // newTag alone drops the digest
    ['nginx:1.25', `{name: nginx, digest: "${D2}"}`, `nginx@${D2}`], // digest alone drops the tag
    ['nginx:1.25', `{name: nginx, newTag: "1.27", digest: "${D2}"}`, `nginx:1.27@${D2}`],
    ['nginx:1.25', `{name: nginx, newTag: "1.27@${D2}"}`, `nginx:1.27@${D2}`], // newTag may hold tag@digest
    ['nginx:1.25', '{name: nginx, newName: mirror.io/nginx}', 'mirror.io/nginx:1.25'], // a rename keeps the tag
    ['redis:7', '{name: redis, newName: public.ecr.aws/docker/library/redis, newTag: "7.2"}', 'public.ecr.aws/docker/library/redis:7.2'],
    ['nginx:1.25', '{name: nginx, tagSuffix: -alpine}', 'nginx:1.25-alpine'],
    ['docker.io/library/nginx:1.25', '{name: nginx, newTag: "1.27"}', 'docker.io/library/nginx:1.25'], // names compare as written
    ['nginx-extra:1', '{name: nginx, newTag: "2"}', 'nginx-extra:1'],
    ['localhost:5000/app:1', '{name: "localhost:5000/app", newTag: "2"}', 'localhost:5000/app:2'], // a port is not a tag
  ];
  for (const [image, entry, want] of table) it(`${image} + ${entry} → ${want}`, () => assert.equal(transform(image, entry), want));

  it('applies to containers, initContainers and image volumes; not to ephemeralContainers, custom resources or CRDs', () => {
    const model = buildModel(diskWorkspace(fixture('envs', 'kustomize')));
    const dev = model.environments.find((e) => e.name === 'dev')!;
    assert.deepEqual(
      dev.images.map((i) => i.reference),
      ['ghcr.io/acme/migrate:1.4.2', 'ghcr.io/acme/api:dev', 'nginx:1.27', 'ghcr.io/acme/api:debug', 'ghcr.io/acme/assets:v3', 'quay.io/prometheus/prometheus:v2.53.0'],
    );
    const staging = model.environments.find((e) => e.name === 'staging')!;
    assert.equal(staging.images.find((i) => i.reference.includes('assets'))!.digest, 'sha256:' + '4'.repeat(64));
    assert.equal(staging.images.find((i) => i.reference.includes('prometheus'))!.reference, 'quay.io/prometheus/prometheus:v2.53.0');
  });

  it('an outer overlay applies after the inner one, and matches the inner rename; components apply before the overlay', () => {
    const model = buildModel(diskWorkspace(fixture('envs', 'kustomize')));
    const eu = model.environments.find((e) => e.name === 'prod-eu')!;
    const api = eu.images.find((i) => i.image === 'registry.acme.internal/api')!;
    assert.equal(api.reference, 'registry.acme.internal/api:2.0'); // tag-only override drops prod's digest
    assert.deepEqual(api.provenance.overrides.map((o) => path.basename(path.dirname(o.file))), ['prod', 'prod-eu']);
    assert.equal(path.basename(path.dirname(api.provenance.name.file)), 'prod'); // the rename
    assert.equal(path.basename(path.dirname(api.provenance.tag!.file)), 'prod-eu');
    assert.equal(api.provenance.digest, undefined);
    const staging = model.environments.find((e) => e.name === 'staging')!;
    const nginx = staging.images.find((i) => i.image.includes('nginx'))!;
    assert.equal(nginx.reference, `mirror.example.com/library/nginx:1.27@sha256:${'3'.repeat(64)}`);
    assert.equal(path.basename(path.dirname(nginx.provenance.name.file)), 'mirror');
  });

  it('an environment with a missing or remote resource says so once, and keeps what it could read', () => {
    const model = buildModel(diskWorkspace(fixture('envs', 'kustomize')));
    const broken = model.environments.find((e) => e.name === 'broken')!;
    assert.equal(broken.incomplete.length, 2);
    assert.ok(broken.images.length > 0);
    // Its unmatched entry is not consumed: judged as written, file by file.
    const entryFile = fixture('envs', 'kustomize', 'overlays', 'broken', 'kustomization.yaml');
    assert.equal(model.covered.get(entryFile), undefined);
  });

  it('a strategic-merge patch replaces a container image and sets its pull policy', () => {
    const model = buildModel(
      memoryWorkspace({
        'base/kustomization.yaml': K('resources: [d.yaml]\n'),
        'base/d.yaml': deploy('app:1'),
        'o/kustomization.yaml': K('resources: [../base]\npatches:\n  - path: p.yaml\nimages: [{name: app, newTag: "3"}]\n'),
        'o/p.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: app:2\n          imagePullPolicy: Always\n',
      }),
    );
    const img = model.environments[0].images;
    assert.equal(img.length, 1);
    assert.equal(img[0].reference, 'app:3');
    assert.equal(img[0].provenance.base.file, '/repo/o/p.yaml');
    assert.equal(img[0].pullPolicy?.value, 'Always');
  });

  it('field specs from `configurations` extend where images apply', () => {
    const model = buildModel(
      memoryWorkspace({
        'o/kustomization.yaml': K('resources: [cr.yaml]\nconfigurations: [cfg.yaml]\nimages: [{name: agent, newTag: "2"}]\n'),
        'o/cfg.yaml': 'images:\n  - path: spec/agent/image\n    kind: Agent\n',
        'o/cr.yaml': 'apiVersion: x/v1\nkind: Agent\nmetadata: {name: a}\nspec:\n  agent:\n    image: agent:1\n  other:\n    image: agent:1\n',
      }),
    );
    assert.deepEqual(refs(model), { o: ['agent:2', 'agent:1'] });
  });
});

describe('Helm values per environment', () => {
  it('deep-merges each environment file over the defaults; an empty tag is the appVersion', () => {
    const model = buildModel(diskWorkspace(fixture('envs', 'helm')));
    const root = fixture('envs', 'helm', 'charts', 'app');
    const got = refs(model, root);
    assert.deepEqual(got['values-dev.yaml'], ['ghcr.io/acme/app:dev', `acme/worker:2.1@sha256:${'9'.repeat(64)}`, 'envoyproxy/envoy:v1.31.2']);
    assert.deepEqual(got['values.staging.yaml'], [`ghcr.io/acme/app:1.9.0@sha256:${'a'.repeat(64)}`, `acme/worker:2.1@sha256:${'9'.repeat(64)}`, `envoyproxy/envoy:v1.31.2@sha256:${'b'.repeat(64)}`]);
    assert.deepEqual(got['prod-values.yaml'], ['ghcr.io/acme/app:1.9.0', 'acme/worker:2.2', 'envoyproxy/envoy:v1.31.2']);
    assert.deepEqual(got['values/qa.yaml'][0], 'mirror.example.com/acme/app:1.9.0');
    const staging = model.environments.find((e) => e.name === 'staging')!.images[0];
    assert.equal(path.basename(staging.provenance.tag!.file), 'Chart.yaml');
    assert.equal(staging.provenance.tag!.shape, 'chart-app-version');
    assert.equal(path.basename(staging.provenance.digest!.file), 'values.staging.yaml');
    // A tag that carries its digest drops it when an environment replaces the tag.
    const prod = model.environments.find((e) => e.name === 'prod')!.images[1];
    assert.equal(prod.digest, undefined);
  });

  it('fallbacks: istio global.hub/global.tag and sibling hub/tag, ingress-nginx global.image.registry, Bitnami global.imageRegistry', () => {
    const model = buildModel(diskWorkspace(fixture('envs', 'fallbacks')));
    const all = model.environments.flatMap((e) => e.images.map((i) => i.reference)).sort();
    assert.deepEqual(all, [
      'docker.io/istio/ztunnel:1.24.0',
      'gcr.io/istio-release/pilot:1.24.0',
      `registry.acme.internal/bitnami/redis:7.4.0-debian-12-r0@sha256:${'c'.repeat(64)}`,
      'registry.k8s.io/defaultbackend-amd64:1.5',
    ]);
    const pilot = model.environments.flatMap((e) => e.images).find((i) => i.image.endsWith('pilot'))!;
    assert.equal(pilot.provenance.registry!.value, 'gcr.io/istio-release');
    assert.equal(pilot.provenance.tag!.value, '1.24.0');
  });

  it('a `sha` key is the digest in every layer (prometheus-community charts): hex alone or whole, set or cleared per environment', () => {
    const hex = '3c'.repeat(32);
    const chart = (values: string, prod: string) =>
      refs(buildModel(memoryWorkspace({ 'c/Chart.yaml': 'name: c\nappVersion: "0.27.0"\n', 'c/values.yaml': values, 'c/values-prod.yaml': prod })), '/repo/c')['values-prod.yaml'];
    const defaults = (sha: string) => `alertmanager:\n  image:\n    registry: quay.io\n    repository: prometheus/alertmanager\n    tag: v0.27.0\n    sha: ${sha}\n`;
    // The environment sets the digest over an empty default, in either form.
    assert.deepEqual(chart(defaults('""'), `alertmanager:\n  image:\n    sha: ${hex}\n`), [`quay.io/prometheus/alertmanager:v0.27.0@sha256:${hex}`]);
    assert.deepEqual(chart(defaults('""'), `alertmanager:\n  image:\n    sha: "sha256:${hex}"\n`), [`quay.io/prometheus/alertmanager:v0.27.0@sha256:${hex}`]);
    // The reverse: the default's digest is cleared by the environment, which then deploys the tag.
    assert.deepEqual(chart(defaults(hex), 'alertmanager:\n  image:\n    sha: ""\n'), ['quay.io/prometheus/alertmanager:v0.27.0']);
    // A tag override keeps the default's digest (Helm merges key by key), a `digest` with a value wins, junk is no digest.
    assert.deepEqual(chart(defaults(hex), 'alertmanager:\n  image:\n    tag: v0.28.0\n'), [`quay.io/prometheus/alertmanager:v0.28.0@sha256:${hex}`]);
    assert.deepEqual(chart(defaults(hex), `alertmanager:\n  image:\n    digest: sha256:${'d'.repeat(64)}\n`), [`quay.io/prometheus/alertmanager:v0.27.0@sha256:${'d'.repeat(64)}`]);
    assert.deepEqual(chart(defaults('""'), 'alertmanager:\n  image:\n    sha: v0.27.0\n'), ['quay.io/prometheus/alertmanager:v0.27.0']);
    assert.deepEqual(chart(defaults('""'), `alertmanager:\n  image:\n    sha: ${'1'.repeat(64)}\n`), ['quay.io/prometheus/alertmanager:v0.27.0']);
  });

  it('a null in an environment file removes the default; a list replaces it whole', () => {
    const model = buildModel(
      memoryWorkspace({
        'c/Chart.yaml': 'name: c\nappVersion: "9.9"\n',
        'c/values.yaml': 'image:\n  repository: app\n  tag: "1.0"\n',
        'c/values-dev.yaml': 'image:\n  tag: null\n',
        'c/values-odd.yaml': 'image: [oops]\n',
      }),
    );
    assert.deepEqual(refs(model, '/repo/c'), { 'values-dev.yaml': ['app:9.9'], 'values-odd.yaml': [] });
  });

  it('Argo CD: valueFiles, then valuesObject over the chart; kustomize.images over a kustomization', () => {
    const model = buildModel(diskWorkspace(fixture('envs', 'argocd')));
    const root = fixture('envs', 'argocd');
    const got = refs(model, root);
    assert.deepEqual(got['apps/web-prod.yaml'], [`acme/web:2.8.1@sha256:${'d'.repeat(64)}`, 'redis:7.2.5']);
    assert.deepEqual(got['apps/shop-staging.yaml'], [`ghcr.io/acme/shop:rc-1@sha256:${'e'.repeat(64)}`]);
    const web = model.environments.find((e) => e.root.endsWith('web-prod.yaml'))!;
    assert.equal(web.stage, 'prod');
    assert.equal(web.kind, 'argocd');
  });

  it('Argo CD helm.values (a YAML string) is read with its ranges in the file', () => {
    const app = 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: w-dev}\nspec:\n  source:\n    path: c\n    helm:\n      values: |\n        image:\n          tag: dev\n';
    const ws = memoryWorkspace({ 'c/Chart.yaml': 'name: c\n', 'c/values.yaml': 'image: {repository: app, tag: "1"}\n', 'app.yaml': app });
    const model = buildModel(ws);
    const img = model.environments.find((e) => e.kind === 'argocd')!.images[0];
    assert.equal(img.reference, 'app:dev');
    assert.equal(app.slice(img.provenance.tag!.span.start, img.provenance.tag!.span.end), 'dev');
  });

  it('Argo CD helm.parameters apply last, as `--set`: dotted keys with `\\.` escapes, lists replaced whole, `null` removes, forceString', () => {
    const param = (name: string, value?: string, force = false) => `        - name: ${JSON.stringify(name)}\n${value === undefined ? '' : `          value: ${JSON.stringify(value)}\n`}${force ? '          forceString: true\n' : ''}`;
    const app = (params: string) =>
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: w-dev}\nspec:\n  source:\n    path: c\n    helm:\n      valuesObject:\n        image: {tag: from-object}\n      parameters:\n${params}`;
    const values = 'image:\n  repository: app\n  tag: "1"\n  pullSecrets: []\nproxy.v2:\n  image: envoy:1\nlist:\n  image: {repository: x, tag: "1"}\n';
    const deployed = (params: string) => {
      const text = app(params);
      const model = buildModel(memoryWorkspace({ 'c/Chart.yaml': 'name: c\nappVersion: "0.1"\n', 'c/values.yaml': values, 'app.yaml': text }));
      const env = model.environments.find((e) => e.kind === 'argocd')!;
      return { refs: env.images.map((i) => i.reference), text, env };
    };
    // Over valuesObject; the finding's place is the parameter's value.
    const one = deployed(param('image.tag', '2.0'));
    assert.deepEqual(one.refs, ['app:2.0', 'envoy:1', 'x:1']);
    const tag = one.env.images[0].provenance.tag!;
    assert.equal(one.text.slice(tag.span.start, tag.span.end), '2.0');
    assert.deepEqual(one.env.images[0].provenance.overrides.at(-1)?.span, tag.span);
    // `\.` is a dot inside a key; a later parameter of the same key wins; forceString ones come after the others.
    assert.deepEqual(deployed(param('proxy\\.v2.image', 'envoy:2', true) + param('proxy\\.v2.image', 'envoy:3')).refs, ['app:from-object', 'envoy:2', 'x:1']);
    // `null` removes the key (the chart's appVersion is the tag then), unless it is forced to be a string.
    assert.deepEqual(deployed(param('image.tag', 'null')).refs, ['app:0.1', 'envoy:1', 'x:1']);
    assert.deepEqual(deployed(param('image.tag', 'null', true)).refs, ['app:null', 'envoy:1', 'x:1']);
    // A list index sets a list (replacing it), not a key of the map; `{a,b}` is a list; an absent value is empty.
    assert.deepEqual(deployed(param('image.pullSecrets[0].name', 'regcred') + param('list', '{a,b}') + param('proxy\\.v2.image')).refs, ['app:from-object']);
  });

  it('Argo CD kustomize.images replace the kustomization’s entry of the same name (a rename kept only when written `name=newName`), applied in name order', () => {
    const D = 'sha256:' + '3'.repeat(64);
    const files = (items: string) => ({
      'base/kustomization.yaml': K('resources: [d.yaml]\n'),
      'base/d.yaml': deploy('ghcr.io/acme/shop:1.0'),
      'prod/kustomization.yaml': K('resources: [../base]\nimages:\n  - name: ghcr.io/acme/shop\n    newName: mirror.example/acme/shop\n    newTag: "1.1"\n'),
      'app.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod}\nspec:\n  source:\n    path: prod\n    kustomize:\n      images:\n${items}`,
    });
    const deployed = (items: string) => buildModel(memoryWorkspace(files(items))).environments.map((e) => e.images.map((i) => i.reference)).flat();
    assert.deepEqual(deployed(`        - ghcr.io/acme/shop@${D}\n`), [`ghcr.io/acme/shop@${D}`]);
    assert.deepEqual(deployed(`        - ghcr.io/acme/shop=mirror.example/acme/shop:1.2@${D}\n`), [`mirror.example/acme/shop:1.2@${D}`]);
    // No entry of that name: added, and applied after the rename (its name sorts after).
    assert.deepEqual(deployed(`        - mirror.example/acme/shop@${D}\n`), [`mirror.example/acme/shop@${D}`]);
  });

  it('typing in the shared defaults: every environment sees the edit at its new place, as a model built from nothing does', () => {
    // The defaults' leaf index is kept per tree across environments and builds (overrides.ts):
    // an edit that moves every line and renames a repository must not be judged against the old one.
    const dir = fixture('envs', 'helm', 'charts', 'app');
    const files: Record<string, string> = {};
    for (const f of ['Chart.yaml', 'values.yaml', 'values-dev.yaml', 'values.staging.yaml', 'prod-values.yaml']) files[`app/${f}`] = fs.readFileSync(path.join(dir, f), 'utf8');
    const memo = new ModelMemo();
    const seen = (m: EnvironmentModel) =>
      Object.fromEntries(m.environments.map((e) => [e.name, e.images.map((i) => [i.reference, i.provenance.name.file, i.provenance.name.span.start])]));
    const before = seen(buildModel(memoryWorkspace(files), { memo }));
    for (const [n, edit] of [
      [1, (t: string) => `# moved\n${t.replace('acme/worker', 'acme/worker-edited')}`],
      [2, (t: string) => t.replace('acme/worker-edited', 'acme/wk')],
      [3, (t: string) => t.replace('# moved\n', '')],
    ] as const) {
      files['app/values.yaml'] = edit(files['app/values.yaml']);
      memo.changed.add('/repo/app/values.yaml');
      const kept = seen(buildModel(memoryWorkspace(files), { memo }));
      assert.deepEqual(kept, seen(buildModel(memoryWorkspace(files))), `after edit ${n}`);
      const want = n === 1 ? 'acme/worker-edited:2.1' : 'acme/wk:2.1';
      for (const env of ['dev', 'staging']) assert.ok(kept[env].some(([ref]) => String(ref).startsWith(want)), `${env} after edit ${n}: ${JSON.stringify(kept[env])}`);
    }
    assert.deepEqual(Object.keys(before).sort(), ['dev', 'prod', 'staging']);
  });

  it('Flux: a HelmRelease over a chart of the workspace, with spec.values', () => {
    const model = buildModel(diskWorkspace(fixture('envs', 'flux')));
    assert.deepEqual(refs(model, fixture('envs', 'flux')), { 'clusters/prod/api.yaml': ['ghcr.io/acme/api:3.0.1'] });
    assert.equal(model.environments[0].stage, 'prod');
  });
});
