/** `image-pin envs` on each fixture layout: golden JSON, the text table, and exit codes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, writeTree } from '../helpers/cliRun';
import { REPO_ROOT, fixture } from '../helpers/paths';

const run = (args: string[], cwd: string) => runCli(args, cwd);

const UPDATE = process.env.UPDATE_GOLDEN === '1';

describe('image-pin envs', () => {
  for (const layout of ['kustomize', 'helm', 'fallbacks', 'istio', 'argocd', 'flux']) {
    it(`${layout}: JSON matches the golden file`, async () => {
      const r = await run(['envs', '.', '--format', 'json', '--no-cache'], fixture('envs', layout));
      assert.equal(r.code, 0, r.stderr);
      const file = fixture('golden', `envs-${layout}.json`);
      if (UPDATE) fs.writeFileSync(file, r.stdout);
      assert.equal(r.stdout, fs.readFileSync(file, 'utf8'), `differs from ${path.relative(REPO_ROOT, file)} (UPDATE_GOLDEN=1 rewrites it)`);
      const parsed = JSON.parse(r.stdout) as { environments: Array<{ stage: string; kind: string; root: string; images: Array<Record<string, unknown>> }> };
      for (const env of parsed.environments) {
        assert.ok(['kustomize', 'helm', 'argocd', 'flux'].includes(env.kind));
        for (const img of env.images) {
          assert.deepEqual(Object.keys(img), ['image', 'reference', 'tag', 'digest', 'status', 'sources']);
          assert.ok(['pinned', 'floating-tag', 'unpinned-tag', 'missing-tag', 'invalid-reference', 'templated'].includes(img.status as string));
        }
      }
    });
  }

  it('text: one table per group, stages in promotion order as columns, drift marked', async () => {
    const r = await run(['envs', 'examples', '--no-cache'], REPO_ROOT);
    assert.equal(r.code, 0, r.stderr);
    const header = r.stdout.split('\n').find((l) => l.startsWith('image (base line)') && l.includes('overlays/dev'))!;
    assert.ok(header.indexOf('dev examples/overlays/dev') < header.indexOf('prod examples/overlays/prod'), header);
    // dev runs an unpinned tag: promoting from dev would not change prod (promote skips it), so no drift.
    assert.match(r.stdout, /^examples\/base\/deployment\.yaml:26 +nginx:1\.27 \(unpinned\) +nginx:1\.27@sha256:/m);
  });

  it('text: drift is what promoting from the previous stage would change, as the editor marks it (not a neighbouring column)', async () => {
    const r = await run(['envs', '.', '--no-cache'], fixture('promote', 'ambiguous'));
    assert.equal(r.code, 0, r.stderr);
    const d = (c: string) => `sha256:${c.repeat(64)}`;
    // staging-us differs from staging-eu (the same stage: no drift); prod's api cannot be promoted (staging is
    // ambiguous: no drift); prod's worker would move; the unpinned proxy would not.
    const lines = r.stdout.split('\n').map((l) => l.split(/ {2,}/));
    assert.deepEqual(lines.slice(2, 5), [
      ['base/deployment.yaml:10', `ghcr.io/acme/api@${d('a')}`, `ghcr.io/acme/api@${d('b')}`, `ghcr.io/acme/api@${d('0')}`],
      ['base/deployment.yaml:12', `ghcr.io/acme/worker@${d('c')}`, `ghcr.io/acme/worker@${d('c')}`, `≠ ghcr.io/acme/worker@${d('0')}`],
      ['base/deployment.yaml:14', 'ghcr.io/acme/proxy:1.0 (unpinned)', 'ghcr.io/acme/proxy:1.0 (unpinned)', 'ghcr.io/acme/proxy:1.0 (unpinned)'],
    ]);
    assert.match(r.stdout, /≠ marks an image that promoting from the previous stage would change\.\n$/);
  });

  it('the environments of examples/: overlays, values files and the Argo CD Application, by configured stage', async () => {
    const r = await run(['envs', 'examples', '--format', 'json', '--no-cache'], REPO_ROOT);
    const parsed = JSON.parse(r.stdout) as { environments: Array<{ stage: string; kind: string; root: string }> };
    assert.deepEqual(parsed.environments.map((e) => [e.stage, e.kind, e.root]), [
      ['dev', 'helm', 'examples/charts/web/ci/smoke-values.yaml'],
      ['dev', 'kustomize', 'examples/overlays/dev'],
      ['prod', 'argocd', 'examples/argocd/web-prod.yaml'],
      ['prod', 'helm', 'examples/charts/web/values-prod.yaml'],
      ['prod', 'kustomize', 'examples/overlays/prod'],
    ]);
  });

  it('a values file outside every chart folder, named by an Application, is read for it (cold and from the scan cache)', async () => {
    // The scan reads values trees only where a listed chart can own the file; this one is read by the model itself.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-envs-values-'));
    writeTree(root, {
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: "1.0"\n',
      'charts/web/values.yaml': 'image:\n  repository: acme/web\n  tag: "1.0"\n',
      'shared/prod/values-web.yaml': '# shared overrides\nimage:\n  tag: 2.0.1\n',
      'apps/web.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-prod\nspec:\n  source:\n    path: charts/web\n    helm:\n      valueFiles:\n        - ../../shared/prod/values-web.yaml\n',
    });
    try {
      const images = (out: string) => (JSON.parse(out) as { environments: Array<{ root: string; images: Array<{ reference: string; sources: Array<{ file: string; line: number }> }> }> }).environments.find((e) => e.root === 'apps/web.yaml')?.images;
      const cold = await run(['envs', '.', '--format', 'json', '--no-cache'], root);
      assert.equal(cold.code, 0, cold.stderr);
      assert.deepEqual(images(cold.stdout)?.map((i) => [i.reference, i.sources.map((s) => `${s.file}:${s.line}`)]), [['acme/web:2.0.1', ['charts/web/values.yaml:3', 'shared/prod/values-web.yaml:3', 'charts/web/values.yaml:2']]]);
      // XDG_CACHE_HOME: the scan cache of this run only, outside the scanned tree.
      const cache = { XDG_CACHE_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-envs-cache-')) };
      for (let i = 0; i < 2; i++) {
        const cached = await runCli(['envs', '.', '--format', 'json'], root, cache);
        assert.equal(cached.stdout, cold.stdout, `run ${i + 1} with the scan cache`);
      }
      fs.rmSync(cache.XDG_CACHE_HOME, { recursive: true, force: true });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('an image set by a kustomize patch: the same from the scan cache as cold', async () => {
    // The cache stores a patch's image as a reference to the file's workload image; it must come back whole.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-envs-patch-'));
    const deployment = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${image}\n`;
    writeTree(root, {
      'base/kustomization.yaml': 'resources:\n  - deploy.yaml\n',
      'base/deploy.yaml': deployment('acme/api:1.0'),
      'prod/kustomization.yaml': 'resources:\n  - ../base\npatches:\n  - path: api.yaml\n',
      'prod/api.yaml': deployment('acme/api:2.0@sha256:' + 'c'.repeat(64)),
    });
    const cache = { XDG_CACHE_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-envs-cache-')) };
    try {
      const cold = await run(['envs', '.', '--format', 'json', '--no-cache'], root);
      assert.equal(cold.code, 0, cold.stderr);
      const prod = (JSON.parse(cold.stdout) as { environments: Array<{ root: string; images: Array<{ reference: string }> }> }).environments.find((e) => e.root === 'prod');
      assert.deepEqual(prod?.images.map((i) => i.reference), ['acme/api:2.0@sha256:' + 'c'.repeat(64)]);
      for (let i = 0; i < 2; i++) {
        const cached = await runCli(['envs', '.', '--format', 'json'], root, cache);
        assert.equal(cached.stdout, cold.stdout, `run ${i + 1} with the scan cache`);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(cache.XDG_CACHE_HOME, { recursive: true, force: true });
    }
  });

  it('bad usage exits 2', async () => {
    const r = await run(['envs', '--format', 'sarif'], REPO_ROOT);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be text or json/);
  });
});
