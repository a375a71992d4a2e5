/** The shipped JSON Schema and the config reader describe the same file. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_KEYS, DEFAULT_FLOATING_TAGS, RULE_IDS } from '../../server/src/core/config';
import { GLOB_LIMITS } from '../../server/src/core/glob';
import { REPO_ROOT } from '../helpers/paths';

const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'image-pin.schema.json'), 'utf8'));

describe('config JSON Schema', () => {
  it('lists exactly the keys the reader accepts, and no others', () => {
    assert.deepEqual(Object.keys(schema.properties).sort(), [...CONFIG_KEYS].sort());
    assert.equal(schema.additionalProperties, false);
  });

  it('names every rule id for severities', () => {
    assert.deepEqual([...schema.properties.severity.propertyNames.enum].sort(), [...RULE_IDS].sort());
  });

  it('documents the default floating set as the reader has it', () => {
    for (const tag of DEFAULT_FLOATING_TAGS) assert.ok(schema.properties.floatingTags.description.includes(tag), tag);
  });

  it('bounds every glob pattern as the reader does', () => {
    const p = schema.properties;
    for (const items of [p.floatingTags.items, p.include.items, p.exclude.items, p.allowances.items.properties.paths.items, p.allowances.items.properties.images.items]) {
      assert.equal(items.maxLength, GLOB_LIMITS.length);
    }
  });

  it('allowance keys match the reader', () => {
    assert.deepEqual(Object.keys(schema.properties.allowances.items.properties).sort(), ['images', 'paths', 'reason', 'stages', 'until']);
    assert.deepEqual(schema.properties.allowances.items.required, ['until']);
  });

  it('stage keys match the reader', () => {
    assert.deepEqual(Object.keys(schema.properties.stages.items.properties).sort(), ['name', 'paths']);
    assert.deepEqual(schema.properties.stages.items.required, ['name', 'paths']);
  });
});
