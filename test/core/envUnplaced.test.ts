/**
 * A values map whose end only `yaml` knows (comment lines after its last pair, on the fast path's
 * tree) is UNPLACED in the values tree: the model and its findings do not need it, and an edit that
 * adds a key there (pin, promote, a quick fix) finds the map in the text. The edit must be the one a
 * tree read with `yaml` gives, key for key and byte for byte.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, editPlace } from '../../server/src/core/env';
import { UNPLACED, readFacts } from '../../server/src/core/env/read';
import { fastDocuments } from '../../server/src/core/extract';
import type { EnvironmentModel } from '../../server/src/core/env';
import { memoryWorkspace } from '../helpers/envWorkspace';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

const FILES = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "1.0.0"\n',
  'chart/values.yaml': 'image:\n  repository: acme/web\n  tag: "1.0"\n  digest: ""\n',
  // dev's `image` ends in a nested map followed by comment lines: where it ends is `yaml`'s to say.
  'chart/values-dev.yaml': [
    '# Dev',
    'image:',
    '  tag: "2.0"',
    '  pullSecrets:',
    '    name: regcred',
    '    # more secrets go here',
    "  # a comment at the map's indentation",
    '',
    '# Replicas',
    'replicaCount: 1',
    '',
  ].join('\n'),
};

function model(fast: boolean): { model: EnvironmentModel; texts: Record<string, string> } {
  const ws = memoryWorkspace(FILES);
  const texts = Object.fromEntries(Object.entries(FILES).map(([rel, t]) => [`/repo/${rel}`, t]));
  ws.facts = (file) => {
    const text = texts[file];
    if (text === undefined) return undefined;
    return fast ? readFacts(file, text, fastDocuments(text)) : readFacts(file, text);
  };
  return { model: buildModel(ws), texts };
}

describe('values maps placed from the text', () => {
  it("adding a digest to the defaults' image map: the same edit as from the yaml tree", () => {
    const results = [true, false].map((fast) => {
      const { model: m, texts } = model(fast);
      const env = m.environments.find((e) => e.root.endsWith('values-dev.yaml'));
      assert.ok(env, 'the dev environment');
      const place = env.images[0].provenance.tag!;
      assert.equal(place.helm?.path.join('.'), 'image');
      if (fast) assert.equal(place.helm?.insertAt, UNPLACED, 'the fast tree leaves the map unplaced');
      else assert.ok((place.helm?.insertAt ?? -1) >= 0);
      const text = texts[place.file];
      const got = editPlace(text, place, { digest: DIGEST });
      assert.ok(got.ok, JSON.stringify(got));
      return { edits: got.edits, after: got.edits.reduceRight((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text) };
    });
    assert.deepEqual(results[0], results[1]);
    // The digest is added to dev's map (the chart's defaults have a digest key), where `yaml` ends it.
    assert.match(results[0].after, /\n {2}digest: "?sha256:[0-9a-f]{64}"?\n/);
    assert.equal(results[0].edits.length, 1);
  });

  it('a text that no longer has a map there: no edit, an error', () => {
    const { model: m, texts } = model(true);
    const place = m.environments.find((e) => e.root.endsWith('values-dev.yaml'))!.images[0].provenance.tag!;
    assert.equal(place.helm?.insertAt, UNPLACED);
    assert.ok(editPlace(texts[place.file], place, { digest: DIGEST }).ok);
    const got = editPlace('replicaCount: 1\n', place, { digest: DIGEST });
    assert.deepEqual(got, { ok: false, error: 'the map cannot be extended in place; edit it by hand' });
  });
});
