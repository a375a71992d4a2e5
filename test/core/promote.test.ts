/** core/promote/edits: values written so YAML reads them back as the same strings; entries and map paths added where they belong. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { applyEdits } from '../../server/src/core/fix';
import { yamlString } from '../../server/src/core/env/edit';
import { addImageEntries, addListItem, addMapPath } from '../../server/src/core/promote/edits';

const D = `sha256:${'d'.repeat(64)}`;

function apply(text: string, got: ReturnType<typeof addMapPath>): string {
  assert.ok(got.ok, got.ok ? '' : got.error);
  return applyEdits(text, got.edits);
}

describe('promotion edits', () => {
  it('yamlString quotes what YAML would read as something else', () => {
    assert.equal(yamlString('1.4.2'), '1.4.2');
    assert.equal(yamlString('1.10'), '"1.10"');
    assert.equal(yamlString('true'), '"true"');
    assert.equal(yamlString(D), D);
    assert.equal(yamlString('7.4@' + D), '7.4@' + D);
    for (const v of ['1.10', 'null', '0x1F', 'a: b', '#x', '1e3']) assert.equal(parse(`k: ${yamlString(v)}`).k, v, v);
  });

  it('addMapPath adds under the deepest map of the path that exists, at its indentation', () => {
    const text = 'controller:\n    replicas: 2\n    image:\n        pullPolicy: Always\nother: 1\n';
    const out = apply(text, addMapPath(text, ['controller', 'image'], [['digest', D]]));
    assert.equal(out, `controller:\n    replicas: 2\n    image:\n        pullPolicy: Always\n        digest: ${D}\nother: 1\n`);
    const partial = apply(text, addMapPath(text, ['controller', 'sidecar', 'image'], [['tag', '1.10']]));
    assert.deepEqual(parse(partial).controller.sidecar, { image: { tag: '1.10' } });
    assert.equal(parse(apply('', addMapPath('', ['image'], [['tag', '2.0']]))).image.tag, '2.0');
  });

  it('addImageEntries appends to a block list at its dash indentation, or adds the list', () => {
    const text = 'images:\n  - name: a\n    newTag: "1"\n# trailing comment\n';
    const out = apply(text, addImageEntries(text, [{ name: 'b', want: { tag: '1.10', digest: D } }]));
    assert.equal(out, `images:\n  - name: a\n    newTag: "1"\n  - name: b\n    newTag: "1.10"\n    digest: ${D}\n# trailing comment\n`);
    const flow = 'images: [{name: a}]\n';
    const refused = addImageEntries(flow, [{ name: 'b', want: { digest: D } }]);
    assert.equal(refused.ok, false);
  });
  it('addMapPath follows list indexes, picks the document by offset, and writes under a key with nothing after it', () => {
    const app = 'kind: Namespace\n---\nkind: Application\nspec:\n  sources:\n    - ref: values\n    - path: charts/x\n      helm:\n---\nkind: Other\n';
    const second = app.indexOf('kind: Application');
    const out = apply(app, addMapPath(app, ['spec', 'sources', 1, 'helm', 'valuesObject', 'image'], [['tag', '1.10']], second));
    assert.equal(out, 'kind: Namespace\n---\nkind: Application\nspec:\n  sources:\n    - ref: values\n    - path: charts/x\n      helm:\n        valuesObject:\n          image:\n            tag: "1.10"\n---\nkind: Other\n');
    const missing = addMapPath(app, ['spec', 'sources', 2, 'helm'], [['a', 'b']], second);
    assert.equal(missing.ok, false);
  });

  it('addMapPath refuses what it cannot write with certainty: a flow map, a key already there, a templated file, another image\'s map', () => {
    const refusal = (text: string, path: string[], fresh = false) => {
      const got = addMapPath(text, path, [['tag', '1']], undefined, { fresh });
      assert.equal(got.ok, false, text);
      return got.ok ? '' : got.error;
    };
    assert.match(refusal('image: {tag: 1}\n', ['image']), /image is written as a flow map/);
    assert.match(refusal('image:\n  tag: 2\n', ['image']), /image already has `tag`/);
    assert.match(refusal('name: {{ .Values.x }}\n', ['image']), /templated/);
    assert.match(refusal('image:\n  repository: a\n', ['image'], true), /is already there/);
    assert.match(refusal('image: a:1\n', ['image']), /image is not a map/);
  });

  it('addListItem appends at the dash indentation, or creates the list and the maps above it, keeping CRLF', () => {
    const list = 'spec:\n  source:\n    kustomize:\n      images:\n      - a=b:1\n';
    assert.equal(apply(list, addListItem(list, { path: ['spec', 'source', 'kustomize', 'images'] }, `c:2@${D}`)), `${list}      - c:2@${D}\n`);
    const bare = 'spec:\r\n  source:\r\n    path: x # here\r\n';
    assert.equal(apply(bare, addListItem(bare, { path: ['spec', 'source', 'kustomize', 'images'] }, 'c:1')), 'spec:\r\n  source:\r\n    path: x # here\r\n    kustomize:\r\n      images:\r\n        - c:1\r\n');
    const flow = 'spec:\n  source:\n    kustomize:\n      images: [a]\n';
    assert.equal(addListItem(flow, { path: ['spec', 'source', 'kustomize', 'images'] }, 'c:1').ok, false);
  });
});
