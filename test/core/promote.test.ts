/** core/promote/edits: values written so YAML reads them back as the same strings; entries and map paths added where they belong. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { applyEdits } from '../../server/src/core/fix';
import { addImageEntries, addMapPath, yamlString } from '../../server/src/core/promote/edits';

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
});
