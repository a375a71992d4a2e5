/**
 * istio's charts: defaults wrapped in `_internal_defaults_do_not_set`, merged beneath the root values
 * (root wins), `{hub, image, tag}` with `global.hub`/`global.tag`, an `image` holding a `/` taken whole,
 * and the sidecar images `global.proxy.image`/`global.proxy_init.image` read with the globals.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildModel, placeEdits, placeFindings, type EnvironmentModel, type Workspace } from '../../server/src/core/env';
import { applyEdits } from '../../server/src/core/fix';
import { configFrom } from '../helpers/check';
import { diskWorkspace, memoryWorkspace } from '../helpers/envWorkspace';
import { fixture } from '../helpers/paths';

const DIGEST = 'sha256:' + 'f'.repeat(64);
const CHART = 'apiVersion: v2\nname: mesh\nversion: 0.1.0\nappVersion: 0.1.0\n';
const WRAPPED = [
  '_internal_defaults_do_not_set:',
  '  hub: ""',
  '  tag: ""',
  '  image: discovery',
  '  global:',
  '    hub: registry.example.org/mesh',
  '    tag: 1.4.0',
  '    proxy:',
  '      image: sidecar',
  '',
].join('\n');

function refs(model: EnvironmentModel, root: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of model.environments) out[path.posix.relative(root, e.root)] = e.images.map((i) => i.reference);
  return out;
}

function findings(ws: Workspace, root = '/repo') {
  const config = { ...configFrom(), baseDir: root };
  return placeFindings(buildModel(ws), ws, (env) => ({ config, relativePath: path.posix.relative(root, env.rootFile), today: '2026-11-26', stage: env.stage }));
}

describe('istio charts: wrapped defaults', () => {
  it('the fixture chart alone deploys <global.hub>/<image>:<global.tag> for the component and the sidecar images', () => {
    const root = fixture('envs', 'istio');
    const model = buildModel(diskWorkspace(root));
    const got = refs(model, root);
    assert.deepEqual(got['alone/values.yaml'], [
      'registry.example.org/mesh/discovery:1.4.0',
      'registry.example.org/mesh/sidecar:1.4.0',
      'registry.example.org/mesh/sidecar:1.4.0',
    ]);
    const discovery = model.environments.find((e) => e.root.endsWith('alone/values.yaml'))!.images[0];
    assert.equal(discovery.provenance.registry!.value, 'registry.example.org/mesh');
    assert.equal(discovery.provenance.tag!.value, '1.4.0');
    assert.equal(discovery.tagFromAppVersion, undefined);
  });

  it('an environment values file writes at the root and wins over the wrapped defaults; staging’s whole references are taken as written', () => {
    const root = fixture('envs', 'istio');
    const got = refs(buildModel(diskWorkspace(root)), root);
    assert.deepEqual(got['mesh/values-prod.yaml'], ['mirror.example.net/mesh/discovery:1.4.0', 'mirror.example.net/mesh/sidecar:1.4.0', 'mirror.example.net/mesh/sidecar:1.4.0']);
    assert.deepEqual(got['mesh/values-staging.yaml'], [
      `mirror.example.net/mesh/discovery:1.4.1@sha256:${'a'.repeat(64)}`,
      `mirror.example.net/mesh/sidecar:1.4.1@sha256:${'b'.repeat(64)}`,
      `mirror.example.net/mesh/sidecar:1.4.1@sha256:${'b'.repeat(64)}`,
    ]);
  });

  it('root values the way mustMergeOverwrite merges them: an empty or null root value keeps the default, a set one wins, a wrapped key in an environment file merges into the defaults', () => {
    const model = buildModel(
      memoryWorkspace({
        'c/Chart.yaml': CHART,
        'c/values.yaml': `${WRAPPED}global:\n  hub: ""\n`,
        'c/values-a.yaml': 'global:\n  tag: null\n',
        'c/values-b.yaml': 'tag: "2.0"\n',
        'c/values-c.yaml': '_internal_defaults_do_not_set:\n  global:\n    tag: "3.0"\n',
        'c/values-d.yaml': 'image: other.example/x/discovery:9\n',
      }),
    );
    assert.deepEqual(refs(model, '/repo/c'), {
      'values-a.yaml': ['registry.example.org/mesh/discovery:1.4.0', 'registry.example.org/mesh/sidecar:1.4.0'],
      'values-b.yaml': ['registry.example.org/mesh/discovery:2.0', 'registry.example.org/mesh/sidecar:1.4.0'],
      'values-c.yaml': ['registry.example.org/mesh/discovery:3.0', 'registry.example.org/mesh/sidecar:3.0'],
      'values-d.yaml': ['other.example/x/discovery:9', 'registry.example.org/mesh/sidecar:1.4.0'],
    });
  });

  it('without the wrapper key nothing changes: a root `global` stays the only one read', () => {
    const model = buildModel(memoryWorkspace({ 'c/Chart.yaml': CHART, 'c/values.yaml': WRAPPED.replace('_internal_defaults_do_not_set', 'defaults') }));
    // `defaults.image` is then a map of its own, resolved without globals; no sidecar is read as istio's.
    assert.deepEqual(refs(model, '/repo/c')['values.yaml'], ['discovery:0.1.0', 'sidecar']);
  });
});

describe('istio charts: findings and where the digest goes', () => {
  it('the chart alone: findings name the effective images at their lines; the pin writes the component’s own wrapped tag and the sidecar’s whole reference', () => {
    const ws = memoryWorkspace({ 'c/Chart.yaml': CHART, 'c/values.yaml': WRAPPED });
    const found = findings(ws);
    assert.deepEqual(
      found.map((f) => [f.rule, f.image, ws.text(f.file)!.slice(f.span.start, f.span.end)]),
      [
        ['unpinned-tag', 'registry.example.org/mesh/discovery:1.4.0', 'discovery'],
        ['unpinned-tag', 'registry.example.org/mesh/sidecar:1.4.0', 'sidecar'],
      ],
    );
    let text = ws.text('/repo/c/values.yaml')!;
    const edits = found.flatMap((f) => {
      const fix = placeEdits(text, f.place, { digest: DIGEST, tag: f.effective.tag, reference: f.effective.reference });
      assert.ok(fix.ok, !fix.ok ? fix.error : '');
      return fix.ok ? fix.edits : [];
    });
    text = applyEdits(text, edits);
    assert.equal(text, WRAPPED.replace('tag: ""', `tag: "1.4.0@${DIGEST}"`).replace('image: sidecar', `image: registry.example.org/mesh/sidecar:1.4.0@${DIGEST}`));
    // And the model reads the pinned text as pinned, with the chart's hub kept.
    const after = memoryWorkspace({ 'c/Chart.yaml': CHART, 'c/values.yaml': text });
    assert.deepEqual(findings(after), []);
  });

  it('an environment’s root `global.tag`: one finding per image there; the component gets its own root `tag`, the sidecar is refused with the whole reference to write', () => {
    const prod = 'global:\n  tag: 1.4.1\nreplicas: 2\n';
    const ws = memoryWorkspace({ 'c/Chart.yaml': CHART, 'c/values.yaml': WRAPPED, 'c/values-prod.yaml': prod });
    const found = findings(ws);
    assert.deepEqual(
      found.map((f) => [path.posix.basename(f.file), f.image, prod.slice(f.span.start, f.span.end), f.asWritten]),
      [
        ['values-prod.yaml', 'registry.example.org/mesh/discovery:1.4.1', '1.4.1', false],
        ['values-prod.yaml', 'registry.example.org/mesh/sidecar:1.4.1', '1.4.1', false],
      ],
    );
    const [discovery, sidecar] = found.map((f) => placeEdits(prod, f.place, { digest: DIGEST, tag: f.effective.tag, reference: f.effective.reference }));
    assert.ok(discovery.ok);
    assert.equal(applyEdits(prod, discovery.edits), `global:\n  tag: 1.4.1\nreplicas: 2\ntag: 1.4.1@${DIGEST}\n`);
    assert.ok(!sidecar.ok);
    assert.match(sidecar.error, new RegExp(`set its \`image:\` to registry\\.example\\.org/mesh/sidecar:1\\.4\\.1@${DIGEST}`));
  });
});
