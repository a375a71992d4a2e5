/**
 * The language server's index keeps the files' environment facts as text (PackedFacts), taken out of
 * the scan's extractions, and parses a file's when a build asks. Over every environment fixture (and
 * the examples), scanned as the index scans: the judgement built from the packed facts is the one built
 * from the extractions' own, whole and for each file's environments alone, with a memo kept between
 * builds as the editor keeps it; each file's facts read back are the scan's; the extractions hold none
 * once taken (those from the result cache keep theirs, bytes until asked); one build parses a file once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ModelMemo } from '../../server/src/core/env';
import type { FileFacts } from '../../server/src/core/env/read';
import { ConfigResolver } from '../../server/src/scan/configResolver';
import { type EnvironmentJudgement, type ModelInput, ModelInputs, PackedFacts, judgeEnvironments } from '../../server/src/scan/environments';
import { scan } from '../../server/src/scan/scanner';
import { EXAMPLES, fixture } from '../helpers/paths';
import { tempDir } from '../helpers/tempDir';

const TODAY = '2026-11-30';

/** What a user sees of a judgement: each environment's images with their provenance, and the findings placed per file. */
function seen(j: EnvironmentJudgement): unknown {
  return JSON.parse(JSON.stringify({ environments: j.model.environments, problems: j.model.problems, covered: [...j.model.covered].map(([f, s]) => [f, [...s].sort((a, b) => a - b)]), placed: [...j.placed] }));
}

/** Facts as JSON has them: properties set to undefined are absent. */
const plain = (facts: FileFacts | undefined): unknown => (facts === undefined ? undefined : JSON.parse(JSON.stringify(facts)));

async function inputsOf(root: string, cacheDir: string | false = false): Promise<ModelInput[]> {
  const scanned = await scan([root], { cacheDir, environments: false, today: TODAY, version: 'test' });
  return scanned.files.filter((f) => f.extraction).map((f) => ({ absolute: f.absolute, extraction: f.extraction }));
}

describe('packed environment facts (the language server index)', () => {
  for (const root of [fixture('envs'), EXAMPLES]) {
    it(`judge as the scan's own facts: ${path.basename(root)}`, async () => {
      const resolver = new ConfigResolver();
      const fresh = await inputsOf(root);
      const packedInputs = await inputsOf(root);
      const facts = new PackedFacts();
      let withFacts = 0;
      for (const input of packedInputs) {
        if (input.extraction?.facts) withFacts++;
        facts.take(input.absolute, input.extraction);
        assert.equal(input.extraction?.facts, undefined, `${input.absolute}: its extraction still holds its facts`);
      }
      assert.ok(withFacts > 10, `only ${withFacts} files with facts`);
      // From the result cache: the extractions keep their facts (bytes until asked), and they are the scan's.
      const cacheDir = tempDir('image-pin-packed-');
      await inputsOf(root, cacheDir);
      const cached = await inputsOf(root, cacheDir);
      const fromCache = new PackedFacts();
      for (const input of cached) fromCache.take(input.absolute, input.extraction);
      const readCached = fromCache.reader();
      cached.forEach((input, i) => {
        assert.equal(input.absolute, fresh[i].absolute);
        assert.equal(readCached(input.absolute), undefined, input.absolute);
        assert.deepEqual(plain(input.extraction?.facts), plain(fresh[i].extraction?.facts), input.absolute);
      });
      // A file's facts read back are the scan's; one reader parses a file once.
      const read = facts.reader();
      for (const input of fresh) {
        assert.deepEqual(plain(read(input.absolute)), plain(input.extraction?.facts), input.absolute);
        if (input.extraction?.facts) assert.equal(read(input.absolute), read(input.absolute));
      }
      // Taken again (the same extraction handed over twice): the text stays.
      for (const input of packedInputs) facts.take(input.absolute, input.extraction);
      for (const input of fresh) assert.deepEqual(plain(facts.reader()(input.absolute)), plain(input.extraction?.facts), input.absolute);

      const freshModel = new ModelInputs(fresh);
      const packedModel = new ModelInputs(packedInputs);
      const freshMemo = new ModelMemo();
      const packedMemo = new ModelMemo();
      const whole = (inputs: ModelInputs, memo: ModelMemo, packed?: PackedFacts, only?: string) =>
        judgeEnvironments(inputs, { resolver, today: TODAY, memo, only, display: (p) => path.relative(root, p), facts: packed?.reader() });
      assert.deepEqual(seen(whole(packedModel, packedMemo, facts)), seen(whole(freshModel, freshMemo)));
      assert.deepEqual(seen(whole(new ModelInputs(cached), new ModelMemo(), fromCache)), seen(whole(freshModel, new ModelMemo())));
      // Each file's environments alone (a keystroke), the memo kept as the editor keeps it.
      for (const input of fresh) {
        freshMemo.changed.add(input.absolute);
        packedMemo.changed.add(input.absolute);
        assert.deepEqual(seen(whole(packedModel, packedMemo, facts, input.absolute)), seen(whole(freshModel, freshMemo, undefined, input.absolute)), input.absolute);
        assert.deepEqual(seen(whole(packedModel, packedMemo, facts)), seen(whole(freshModel, freshMemo)), input.absolute);
      }
    });
  }
});
