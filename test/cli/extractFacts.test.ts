/**
 * A scan reads the environment model's facts of a file whose only document holds no image (a
 * Chart.yaml, a kustomization, a values file) with the fast scanner; where the scanner cannot say a
 * value (a folded or escaped one) the file is parsed with `yaml` instead. Either way the facts must be
 * what the `yaml` parse of the file gives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFacts } from '../../server/src/core/env/read';
import { extractFile } from '../../server/src/scan/extractFiles';
import { tempDir } from '../helpers/tempDir';

const FILES: Array<[string, string]> = [
  ['chart/Chart.yaml', 'apiVersion: v2\nname: app\nversion: 1.2.3\nappVersion: "4.5.6"\n'],
  // Folded: only `yaml` computes its value, so the fast tree says "ask yaml" when the model reads it.
  ['folded/Chart.yaml', 'apiVersion: v2\nname: app\nversion: 1.2.3\nappVersion: >-\n  4.5.6\n'],
  ['escaped/Chart.yaml', 'apiVersion: v2\nname: "a\\u0070p"\nversion: 1.2.3\nappVersion: "4.5\\x2e6"\n'],
  ['overlays/prod/kustomization.yaml', 'kind: Kustomization\nresources:\n  - ../../base\npatches:\n  - path: patch.yaml\n'],
  ['chart/values-prod.yaml', 'replicaCount: 3\nservice:\n  port: 8080\n  name: "web"\n'],
  ['chart/values-two.yaml', 'replicaCount: 3\n---\nservice:\n  port: 8080\n'],
];

describe('environment facts of a file the extraction skipped', () => {
  const dir = tempDir('image-pin-facts-');
  for (const [name, text] of FILES) {
    it(`are the yaml parse's for ${name}`, () => {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      const outcome = extractFile({ absolute: file, imageKeys: [], maxFileSize: 1 << 20 });
      assert.equal(outcome.kind, 'extracted');
      if (outcome.kind !== 'extracted') return;
      assert.equal(outcome.extraction.sites.length, 0);
      assert.ok(outcome.extraction.facts);
      assert.deepEqual(JSON.parse(JSON.stringify(outcome.extraction.facts)), JSON.parse(JSON.stringify(readFacts(file, text))));
    });
  }
});
