/**
 * `image-pin promote` and `image-pin set` (with a digest) on fixture repositories copied to a temporary
 * folder: exact file contents after --write, shared bases untouched, skipped and ambiguous sources,
 * idempotence, exit codes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli as run } from '../helpers/cliRun';
import { fixture } from '../helpers/paths';
import { tempDir } from '../helpers/tempDir';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;
const D = `sha256:${'d'.repeat(64)}`;
const E = `sha256:${'e'.repeat(64)}`;
const O = `sha256:${'0'.repeat(64)}`;

/** A copy of a fixture repository, and every file's text as copied. */
function copy(name: string): { dir: string; before: Map<string, string>; read: (rel: string) => string } {
  const dir = tempDir(`ip-promote-${name}-`);
  fs.cpSync(fixture('promote', name), dir, { recursive: true });
  const before = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else before.set(path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return { dir, before, read: (rel) => fs.readFileSync(path.join(dir, rel), 'utf8') };
}

/** Every file but `changed` holds what it held before. */
function othersUnchanged(repo: ReturnType<typeof copy>, changed: string[]): void {
  for (const [rel, text] of repo.before) if (!changed.includes(rel)) assert.equal(repo.read(rel), text, `${rel} must be unchanged`);
}

/**
 * What the environment model says after a promotion (`image-pin envs`): every image of every `to`
 * environment is deployed with the digest (and the tag, when it has one) of its `from` counterpart —
 * the environment of the same kind whose root is in the same folder — except the images named.
 */
async function assertDeploysSource(dir: string, from: string, to: string, except: string[] = []): Promise<number> {
  const envs = await run(['envs', '--format', 'json', '.'], dir);
  assert.equal(envs.code, 0, envs.stderr);
  type Env = { stage: string; kind: string; root: string; images: Array<{ image: string; tag: string | null; digest: string | null }> };
  const model = (JSON.parse(envs.stdout) as { environments: Env[] }).environments;
  let checked = 0;
  for (const env of model.filter((e) => e.stage === to)) {
    for (const img of env.images) {
      if (except.includes(img.image)) continue;
      const src = model
        .filter((e) => e.stage === from && e.kind === env.kind && path.posix.dirname(e.root) === path.posix.dirname(env.root))
        .flatMap((e) => e.images.filter((i) => i.image === img.image));
      if (src.length === 0) continue;
      assert.ok(src[0].digest, `${env.root} ${img.image}: the source is not pinned (list it as an exception)`);
      assert.equal(img.digest, src[0].digest, `${env.root} ${img.image}`);
      if (src[0].tag) assert.equal(img.tag, src[0].tag, `${env.root} ${img.image}`);
      checked++;
    }
  }
  return checked;
}

describe('image-pin promote', () => {
  it('kustomize: the prod overlay gets staging’s tags and digests; comments, quotes and CRLF kept; the unpinned source skipped (exit 1); the base unchanged', async () => {
    const repo = copy('kustomize');
    const dry = await run(['promote', '--from', 'staging', '--to', 'prod', '.'], repo.dir);
    assert.equal(dry.code, 1, dry.stderr);
    assert.match(dry.stdout, /^\+\+\+ b\/overlays\/prod\/kustomization\.yaml$/m);
    assert.match(dry.stdout, /skipped: source is not pinned: ghcr\.io\/acme\/proxy:1\.9 in staging/);
    othersUnchanged(repo, []);

    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`^overlays/prod/kustomization\\.yaml:6:14 ghcr\\.io/acme/api ${O} -> ${A} \\(overlays/prod\\)$`, 'm'));
    assert.equal(
      repo.read('overlays/prod/kustomization.yaml'),
      [
        '# production: promoted from staging only',
        'resources:',
        '  - ../../base',
        'images:',
        '  - name: ghcr.io/acme/api # the API',
        '    newTag: "1.4.2"   # last release',
        `    digest: '${A}'`,
        '  - name: ghcr.io/acme/worker',
        '    newTag: "2.0"',
        `    digest: ${B}`,
        '  - name: ghcr.io/acme/proxy',
        '    newTag: "1.8"',
        '',
      ].join('\r\n'),
    );
    othersUnchanged(repo, ['overlays/prod/kustomization.yaml']);

    const again = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(again.code, 1, 'the unpinned source is still skipped');
    assert.match(again.stdout, /0 moved, 2 already equal, 1 skipped/);
    othersUnchanged(repo, ['overlays/prod/kustomization.yaml']);
  });

  it('kustomize: an overlay without `images:` gets the list, one entry per image; a second run changes nothing (exit 0)', async () => {
    const repo = copy('noimages');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Each move's file:line is where its new entry starts in the file as written.
    assert.deepEqual(
      r.stdout.split('\n').filter((l) => l.startsWith('overlays/')).map((l) => l.split(' ').slice(0, 2).join(' ')),
      ['overlays/prod/kustomization.yaml:5:1 ghcr.io/acme/api', 'overlays/prod/kustomization.yaml:8:1 ghcr.io/acme/worker', 'overlays/prod/kustomization.yaml:10:1 ghcr.io/acme/proxy'],
    );
    assert.equal(
      repo.read('overlays/prod/kustomization.yaml'),
      `# prod: nothing overridden yet
resources:
  - ../../base
images:
- name: ghcr.io/acme/api
  newTag: 1.4.2
  digest: ${A}
- name: ghcr.io/acme/worker
  digest: ${B}
- name: ghcr.io/acme/proxy
  newTag: "1.9"
  digest: ${C}
`,
    );
    othersUnchanged(repo, ['overlays/prod/kustomization.yaml']);
    const again = await run(['promote', '--from', 'staging', '--to', 'prod', '.'], repo.dir);
    assert.equal(again.code, 0);
    assert.doesNotMatch(again.stdout, /^\+\+\+/m, 'no diff on the second run');
    assert.match(again.stdout, /0 to move, 3 already equal, 0 skipped/);
  });

  it('--image narrows the images promoted', async () => {
    const repo = copy('noimages');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--image', 'ghcr.io/acme/work*', '--write', '--format', 'json', '.'], repo.dir);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { moved: Array<Record<string, unknown>>; skipped: unknown[] };
    assert.deepEqual(out.moved, [
      { image: 'ghcr.io/acme/worker', stage: 'prod', environment: 'overlays/prod', from: 'ghcr.io/acme/worker', fromDigest: null, to: `ghcr.io/acme/worker@${B}`, toDigest: B, file: 'overlays/prod/kustomization.yaml', line: 5, column: 1 },
    ]);
    assert.match(repo.read('overlays/prod/kustomization.yaml'), new RegExp(`images:\\n- name: ghcr.io/acme/worker\\n  digest: ${B}\\n$`));
  });

  it('helm: an environment values file without the image map gets it (digest key of the chart), one with a tag gets tag@digest; values.yaml unchanged', async () => {
    const repo = copy('helm');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(repo.read('charts/web/values-prod.yaml'), `# production values\nreplicaCount: 3\nimage:\n  tag: 2.1.0\n  digest: ${C}\n`);
    assert.equal(repo.read('charts/cache/values-prod.yaml'), `cache:\n  image:\n    pullPolicy: IfNotPresent\n    tag: "7.4@${E}" # pinned below soon\n`);
    othersUnchanged(repo, ['charts/web/values-prod.yaml', 'charts/cache/values-prod.yaml']);
    const again = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 moved, 2 already equal/);
  });

  it('helm `sha` (prometheus-community charts): the digest is copied into `sha` in the form written there, hex alone or whole; idempotent', async () => {
    const repo = copy('prom-sha');
    const prod = 'charts/monitoring/values-prod.yaml';
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(
      repo.read(prod),
      `alertmanager:\n  image:\n    tag: v0.28.0\n    sha: ${'a'.repeat(64)} # prod\nstateMetrics:\n  image:\n    sha: '${B}'\n    tag: v2.13.0\n`,
    );
    othersUnchanged(repo, [prod]);
    const again = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 moved, 2 already equal/);
    const check = await run(['check', '--format', 'json', '.'], repo.dir);
    assert.deepEqual(JSON.parse(check.stdout).findings, []);
  });

  it('helm `sha`: `set` writes the hex alone where the hex is written; an empty `sha` gets `tag@digest`, as without one', async () => {
    const repo = copy('prom-sha');
    const r = await run(['set', `quay.io/prometheus/alertmanager:v0.27.0@${E}`, '--stage', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(repo.read('charts/monitoring/values-prod.yaml'), new RegExp(`^alertmanager:\\n  image:\\n    tag: v0\\.27\\.0\\n    sha: ${'e'.repeat(64)} # prod\\n`));
    // The default values, with `sha: ""`, edited as a chart without `sha`: the digest rides on the tag.
    fs.writeFileSync(path.join(repo.dir, 'charts/monitoring/values-prod.yaml'), 'alertmanager:\n  image:\n    sha: ""\n');
    const s = await run(['set', `quay.io/prometheus/alertmanager:v0.27.0@${C}`, '--stage', 'prod', '--write', '.'], repo.dir);
    assert.equal(s.code, 0, s.stdout + s.stderr);
    assert.equal(repo.read('charts/monitoring/values-prod.yaml'), `alertmanager:\n  image:\n    sha: ""\n    tag: v0.27.0@${C}\n`);
    // The default's `sha` holds the digest (hex alone) and the environment has no map: it gets one with `sha`, hex alone.
    const values = repo.read('charts/monitoring/values.yaml').replace(/sha: "" +# the hex digits alone.*\n/, `sha: ${'12ab'.repeat(16)}\n`);
    fs.writeFileSync(path.join(repo.dir, 'charts/monitoring/values.yaml'), values);
    fs.writeFileSync(path.join(repo.dir, 'charts/monitoring/values-prod.yaml'), 'stateMetrics:\n  image:\n    tag: v2.13.0\n');
    const added = await run(['set', `quay.io/prometheus/alertmanager:v0.27.1@${D}`, '--stage', 'prod', '--write', '.'], repo.dir);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    assert.equal(repo.read('charts/monitoring/values-prod.yaml'), `stateMetrics:\n  image:\n    tag: v2.13.0\nalertmanager:\n  image:\n    tag: v0.27.1\n    sha: ${'d'.repeat(64)}\n`);
    assert.equal(repo.read('charts/monitoring/values.yaml'), values);
  });

  it('argocd: the Application’s valuesObject is edited, the chart is not', async () => {
    const repo = copy('argocd');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(repo.read('apps/site-prod.yaml'), new RegExp(`\\n          tag: "3\\.1\\.0@${A}"\\n$`));
    othersUnchanged(repo, ['apps/site-prod.yaml']);
  });

  it('argocd: a `kustomize.images` string is rewritten whole, its prefix, quotes and comment kept; idempotent', async () => {
    const repo = copy('argocd-kustomize');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(repo.read('apps/shop-prod.yaml').endsWith(`        - "ghcr.io/acme/shop=ghcr.io/acme/shop:rc-2@${E}"  # pinned\n`));
    othersUnchanged(repo, ['apps/shop-prod.yaml']);
    const again = await run(['promote', '--from', 'staging', '--to', 'prod', '.'], repo.dir);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 to move, 1 already equal, 0 skipped/);
  });

  it('argocd / flux without an override (and Flux with one): the Application gets `helm.valuesObject` keys (single and multi-source) or a `kustomize.images` item, the HelmRelease `spec.values`; `envs` then shows the source digests; idempotent', async () => {
    const repo = copy('apps-new');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /staging → prod: 13 moved, 0 already equal, 0 skipped/);
    const sidecarLines = [`        sidecar:`, `          image: ghcr.io/acme/envoy:1.31@${B}`];
    assert.equal(
      repo.read('apps/api-prod.yaml'),
      [
        '# production: nothing overridden yet',
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata:',
        '  name: api-prod',
        'spec:',
        '  project: default',
        '  source:',
        '    repoURL: https://git.example.com/acme/gitops.git',
        '    targetRevision: main',
        '    path: charts/api   # the chart',
        '    helm:',
        '      valuesObject:',
        '        image:',
        `          tag: 1.2.0@${A}`,
        ...sidecarLines,
        '  destination:',
        '    namespace: api',
        '',
      ].join('\n'),
    );
    // A `values` block string is edited where it sets the tag; what it does not set goes to valuesObject.
    assert.ok(repo.read('apps/api-ap-prod.yaml').endsWith(['      values: |', '        image:', `          tag: 1.2.0@${A} # set by hand`, '      valuesObject:', ...sidecarLines, ''].join('\n')));
    // A `values` string written with escapes cannot be edited in place: valuesObject, which Argo CD applies over it, wins.
    assert.ok(
      repo.read('apps/api-sa-prod.yaml').endsWith(['      values: "image:\\n  tag: 1.0.0\\n"', '      valuesObject:', '        image:', `          tag: 1.2.0@${A}`, ...sidecarLines, ''].join('\n')),
      repo.read('apps/api-sa-prod.yaml'),
    );
    // Multi-source: the source at index 1 that deploys the chart; the chart has a digest key; valueFiles stay as they are.
    assert.ok(
      repo.read('apps/worker-prod.yaml').endsWith(
        ['    - repoURL: https://git.example.com/acme/gitops.git', '      path: charts/worker', '      helm:', '        valueFiles:', '          - env/prod.yaml', '        valuesObject:', '          image:', '            tag: "3.1"', `            digest: ${C}`, ''].join('\n'),
      ),
    );
    // Kustomize source: `images:` under an existing `kustomize:` (CRLF kept), and `kustomize:` itself in a multi-document file.
    assert.ok(repo.read('apps/shop-prod.yaml').endsWith(['    kustomize:', '      namePrefix: prod-   # keep', '      images:', `        - ghcr.io/acme/shop:rc-2@${E}`, ''].join('\r\n')));
    assert.ok(
      repo.read('apps/shop-eu-prod.yaml').endsWith(['    path: shop/base', '    kustomize:', '      images:', `        - ghcr.io/acme/shop:rc-2@${E}`, '---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: after', ''].join('\n')),
    );
    // Flux: `spec.values`, from the Flux counterpart in staging (its own digest, not the Application's).
    assert.ok(repo.read('flux/api-prod.yaml').endsWith(['        name: gitops', '  values:', '    image:', `      tag: 1.2.1@${D}`, '    sidecar:', `      image: ghcr.io/acme/envoy:1.31@${B}`, ''].join('\n')));
    // Flux with `spec.values` that set the tag: edited there, its quotes and comment kept; the sidecar's map joins it.
    assert.ok(repo.read('flux/api-eu-prod.yaml').endsWith(['  values:', '    image:', `      tag: "1.2.1@${D}"   # eu lags behind`, '    sidecar:', `      image: ghcr.io/acme/envoy:1.31@${B}`, ''].join('\n')));
    const changed = ['apps/api-prod.yaml', 'apps/api-ap-prod.yaml', 'apps/api-sa-prod.yaml', 'apps/worker-prod.yaml', 'apps/shop-prod.yaml', 'apps/shop-eu-prod.yaml', 'flux/api-prod.yaml', 'flux/api-eu-prod.yaml'];
    othersUnchanged(repo, changed);

    // What the environment model now says: every prod environment deploys its staging counterpart's digest (Flux's from Flux).
    assert.equal(await assertDeploysSource(repo.dir, 'staging', 'prod'), 13);
    const check = await run(['check', '.'], repo.dir);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /0 errors, 0 warnings/);

    const again = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 moved, 13 already equal, 0 skipped/);
    othersUnchanged(repo, changed);
  });

  it('argocd: where an override cannot be added with certainty (a flow map, a templated Application) it is skipped with the reason, exit 1, nothing written', async () => {
    const repo = copy('apps-refused');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^skipped: ghcr\.io\/acme\/api:1\.0\.0 in apps\/api-prod\.yaml: spec\.source\.helm\.valuesObject is written as a flow map \{…\}; add the keys by hand/m);
    assert.match(r.stdout, /^skipped: ghcr\.io\/acme\/api:1\.0\.0 in apps\/api-us-prod\.yaml: it is templated/m);
    assert.match(r.stdout, /0 moved, 0 already equal, 2 skipped/);
    othersUnchanged(repo, []);
  });

  it('argocd: `helm.parameters` win over valuesObject: the model deploys them, promotion edits their values; a renaming kustomization gets `name=newName:tag@digest`', async () => {
    const repo = copy('argocd-params');
    // What prod deploys before: the parameters' tag (1.0.0), not valuesObject's (0.9.0); findings at the parameters' values.
    const check = await run(['check', '.'], repo.dir);
    assert.equal(
      check.stdout,
      [
        'apps/api-prod.yaml:15:19 warning unpinned-tag tag "1.0.0" without a digest can be pushed again: pin it to a digest; in prod (apps/api-prod.yaml) (ghcr.io/acme/api:1.0.0)',
        'apps/api-prod.yaml:19:18 warning unpinned-tag tag "1.30" without a digest can be pushed again: pin it to a digest; in prod (apps/api-prod.yaml) (ghcr.io/acme/envoy:1.30)',
        'shop/prod/kustomization.yaml:5:14 warning unpinned-tag tag "1.0" without a digest can be pushed again: pin it to a digest; in prod (apps/shop-prod.yaml) (mirror.example/acme/shop:1.0)',
        '10 files checked, 4 image references: 0 errors, 3 warnings (unpinned-tag 3)',
        '',
      ].join('\n'),
    );

    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      [
        `apps/api-prod.yaml:15:19 ghcr.io/acme/api ghcr.io/acme/api:1.0.0 -> ${A} (apps/api-prod.yaml)`,
        `apps/api-prod.yaml:19:18 ghcr.io/acme/envoy ghcr.io/acme/envoy:1.30 -> ${B} (apps/api-prod.yaml)`,
        `apps/shop-prod.yaml:9:5 mirror.example/acme/shop mirror.example/acme/shop:1.0 -> ${E} (apps/shop-prod.yaml)`,
        'staging → prod: 3 moved, 0 already equal, 0 skipped',
        '',
      ].join('\n'),
    );
    assert.equal(
      repo.read('apps/api-prod.yaml'),
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata:',
        '  name: api-prod',
        'spec:',
        '  source:',
        '    repoURL: https://git.example.com/acme/gitops.git',
        '    path: charts/api',
        '    helm:',
        '      valuesObject:',
        '        image:',
        '          tag: 0.9.0 # parameters win over valuesObject',
        '      parameters:',
        '        - name: image.tag',
        // No digest parameter: the digest rides on the tag, as for a chart map without a `digest` key in a values file.
        `          value: "1.2.0@${A}" # set by the release job`,
        '        - name: sidecar\\.unused',
        '          value: x',
        '        - name: sidecar.image',
        `          value: ghcr.io/acme/envoy:1.31@${B}`,
        '          forceString: true',
        '',
      ].join('\n'),
    );
    // Argo CD's `kustomize edit set image` replaces the overlay's entry of that name: the rename is written again.
    assert.ok(repo.read('apps/shop-prod.yaml').endsWith(`    kustomize:\n      images:\n        - ghcr.io/acme/shop=mirror.example/acme/shop:rc-2@${E}\n`));
    othersUnchanged(repo, ['apps/api-prod.yaml', 'apps/shop-prod.yaml']);
    assert.equal(await assertDeploysSource(repo.dir, 'staging', 'prod'), 3);

    const again = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 moved, 3 already equal, 0 skipped/);
    const clean = await run(['check', '.'], repo.dir);
    assert.match(clean.stdout, /0 errors, 0 warnings/);
  });

  it('set: a parameter that sets the image is where the stage’s reference is written', async () => {
    const repo = copy('argocd-params');
    const r = await run(['set', `ghcr.io/acme/api:1.3.0@${C}`, '--stage', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(repo.read('apps/api-prod.yaml'), new RegExp(`\\n        - name: image\\.tag\\n          value: "1\\.3\\.0@${C}" # set by the release job\\n`));
    othersUnchanged(repo, ['apps/api-prod.yaml']);
  });

  it('plain environments (manifests in their own folders): the manifest line itself', async () => {
    const repo = copy('plain');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(repo.read('prod/deploy.yaml').endsWith(`          image: ghcr.io/acme/a:2.0@${A} # prod\n`));
    othersUnchanged(repo, ['prod/deploy.yaml']);
  });

  it('ambiguous: two staging environments deploying two digests of one image: reported and skipped, the rest promoted', async () => {
    const repo = copy('ambiguous');
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /skipped: ambiguous: staging deploys ghcr\.io\/acme\/api as .*overlays\/staging-eu.*overlays\/staging-us/);
    const prod = repo.read('overlays/prod/kustomization.yaml');
    assert.match(prod, new RegExp(`name: ghcr.io/acme/api\\n    digest: ${O}`), 'the ambiguous image is left as it was');
    assert.match(prod, new RegExp(`name: ghcr.io/acme/worker\\n    digest: ${C}`));
  });

  it('after promotion the environment model (`image-pin envs`) shows each target deploying its source counterpart’s digest, in every fixture', async () => {
    const cases: Array<[string, string[], number]> = [
      ['kustomize', ['ghcr.io/acme/proxy'], 2],
      ['noimages', [], 3],
      ['helm', [], 2],
      ['argocd', [], 1],
      ['argocd-kustomize', [], 1],
      ['plain', [], 1],
      ['ambiguous', ['ghcr.io/acme/api', 'ghcr.io/acme/proxy'], 1],
    ];
    for (const [name, except, count] of cases) {
      const repo = copy(name);
      const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], repo.dir);
      assert.ok(r.code === 0 || except.length > 0, `${name}: ${r.stdout}${r.stderr}`);
      assert.equal(await assertDeploysSource(repo.dir, 'staging', 'prod', except), count, name);
    }
  });

  it('usage errors exit 2: an unknown stage, no stages, missing --to', async () => {
    const repo = copy('kustomize');
    const unknown = await run(['promote', '--from', 'staging', '--to', 'production', '.'], repo.dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown stage "production" \(stages: staging, prod\)/);
    const empty = tempDir('ip-promote-empty-');
    fs.writeFileSync(path.join(empty, 'pod.yaml'), 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n');
    const none = await run(['promote', '--from', 'staging', '--to', 'prod', '.'], empty);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no stages found/);
    const missing = await run(['promote', '--from', 'staging', '.'], repo.dir);
    assert.equal(missing.code, 2);
    othersUnchanged(repo, []);
  });
});

describe('image-pin set (with a digest)', () => {
  it('every environment of the stage deploys the reference; the other stage and the base stay', async () => {
    const repo = copy('kustomize');
    const D = `sha256:${'d'.repeat(64)}`;
    const r = await run(['set', `ghcr.io/acme/api:1.5.0@${D}`, '--stage', 'staging', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(repo.read('overlays/staging/kustomization.yaml'), new RegExp(`- name: ghcr.io/acme/api\\n    newTag: 1\\.5\\.0\\n    digest: ${D}\\n`));
    othersUnchanged(repo, ['overlays/staging/kustomization.yaml']);
    const again = await run(['set', `ghcr.io/acme/api:1.5.0@${D}`, '--stage', 'staging', '.'], repo.dir);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 to move, 1 already equal/);
  });

  it('an image the stage does not deploy is an error (exit 2) unless --add names the kustomization', async () => {
    const repo = copy('kustomize');
    const D = `sha256:${'d'.repeat(64)}`;
    const r = await run(['set', `ghcr.io/acme/new@${D}`, '--stage', 'prod', '.'], repo.dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /stage prod does not deploy ghcr\.io\/acme\/new; --add FILE/);
    const added = await run(['set', `ghcr.io/acme/new@${D}`, '--stage', 'prod', '--add', 'overlays/prod/kustomization.yaml', '--write', '.'], repo.dir);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    assert.ok(repo.read('overlays/prod/kustomization.yaml').endsWith(`    newTag: "1.8"\r\n  - name: ghcr.io/acme/new\r\n    digest: ${D}\r\n`));
  });

  it('--add with a values file: the image map is added at `image`, unless that is the chart’s own image map (exit 2, nothing written)', async () => {
    const repo = copy('helm');
    const N = `sha256:${'f'.repeat(64)}`;
    const added = await run(['set', `ghcr.io/acme/new:1.0@${N}`, '--stage', 'prod', '--add', 'charts/cache/values-prod.yaml', '--write', '.'], repo.dir);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    assert.equal(repo.read('charts/cache/values-prod.yaml'), `cache:\n  image:\n    pullPolicy: IfNotPresent\n    tag: "7.2" # pinned below soon\nimage:\n  repository: ghcr.io/acme/new\n  tag: "1.0"\n  digest: ${N}\n`);
    const refused = await run(['set', `ghcr.io/acme/other:1.0@${N}`, '--stage', 'prod', '--add', 'charts/web/values-prod.yaml', '--write', '.'], repo.dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /charts\/web\/values-prod\.yaml: its `image` map is ghcr\.io\/acme\/web's/);
    othersUnchanged(repo, ['charts/cache/values-prod.yaml']);
  });

  it('Argo CD Applications of the stage: a `kustomize.images` item is added where they have none', async () => {
    const repo = copy('apps-new');
    const F = `sha256:${'f'.repeat(64)}`;
    const r = await run(['set', `ghcr.io/acme/shop:rc-3@${F}`, '--stage', 'prod', '--write', '.'], repo.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /2 moved, 0 already equal, 0 skipped/);
    assert.ok(repo.read('apps/shop-prod.yaml').endsWith(`      images:\r\n        - ghcr.io/acme/shop:rc-3@${F}\r\n`));
    assert.match(repo.read('apps/shop-eu-prod.yaml'), new RegExp(`    kustomize:\\n      images:\\n        - ghcr\\.io/acme/shop:rc-3@${F}\\n---\\n`));
    othersUnchanged(repo, ['apps/shop-prod.yaml', 'apps/shop-eu-prod.yaml']);
  });
});
