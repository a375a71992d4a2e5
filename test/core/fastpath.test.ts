/**
 * Parity of the structural fast path (`core/extract/lineScan.ts`) with the `yaml` walk:
 * every site (ranges, pull-policy slots, insertion points, key spans, appVersion
 * fallbacks, ignore comments), every syntax error and every finding must be the same,
 * on every fixture, on both benchmark profiles and on mutated documents. Any difference fails.
 * The counts of documents compared and of documents handed back to `yaml` (by cause) are
 * printed as test diagnostics.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { defaultConfig } from '../../server/src/core/config';
import { ExtractOptions, FastPathStats, extractImages, newFastPathStats } from '../../server/src/core/extract';
import { type Doc, type FileFacts, UNPLACED, type ValuesMap, documents, placeValuesMap, readValues } from '../../server/src/core/env/read';
import { fastDocuments } from '../../server/src/core/extract';
import { Bail, scanDocument } from '../../server/src/core/extract/lineScan';
import { parseDocument } from 'yaml';
import { evaluate } from '../../server/src/core/rules';
import { environmentFacts } from '../../server/src/scan/environments';
import { corpusFiles } from '../bench/corpus';
import { benchValues } from '../bench/lspWorkspace';
import { realisticFiles } from '../bench/realistic';
import { EXAMPLES, FIXTURES } from '../helpers/paths';
import { LineMutation, MUTATION_KINDS, SEEDS, mutate } from '../helpers/yamlMutations';

const config = defaultConfig('/repo');

/** Extracts `text` both ways and fails on any difference; returns the fast path's counts. */
export function assertSameExtraction(text: string, opts: Omit<ExtractOptions, 'fast' | 'cache' | 'onDocument'>, stats: FastPathStats): void {
  const fullDocs: Doc[] = [];
  const fastDocs: Doc[] = [];
  const full = extractImages(text, { ...opts, onDocument: (doc, source, offset, workloads) => fullDocs.push({ doc, source, offset, workloads }) });
  const fast = extractImages(text, { ...opts, fast: stats, onDocument: (doc, source, offset, workloads) => fastDocs.push({ doc, source, offset, workloads }) });
  // The environment model reads the same documents (and, on the fast side, the documents the extraction
  // skipped read by the scanner too, as a scan does): it must learn the same facts from the fast trees,
  // or meet a `Bail` (then the scan parses the file for it, as extractFiles does).
  const file = opts.path ?? 'x.yaml';
  let fastFacts: unknown;
  try {
    fastFacts = environmentFacts(file, text, fastDocs, { fast: true });
  } catch (err) {
    if (!(err instanceof Bail)) throw err;
    fastFacts = environmentFacts(file, text, fullDocs);
  }
  // A values map whose end only `yaml` knows is placed as an edit places it: the text parsed again.
  if (fastFacts) placeUnplaced(fastFacts as FileFacts, text);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(fastFacts ?? null)), JSON.parse(JSON.stringify(environmentFacts(file, text, fullDocs) ?? null)), `environment facts differ on ${file}`);
  // JSON drops `undefined` members the same way a cache or a worker message would.
  const a = JSON.parse(JSON.stringify(full)) as unknown;
  const b = JSON.parse(JSON.stringify(fast)) as unknown;
  assert.deepStrictEqual(b, a, `fast path differs from the yaml walk on ${opts.path ?? 'a document'}:\n${text.slice(0, 2000)}`);
  const judge = (e: typeof full) => evaluate(e, { config, relativePath: opts.path ?? 'x.yaml', today: '2026-11-26' });
  assert.deepStrictEqual(judge(fast), judge(full));
}

/** Values maps placed since the start (UNPLACED on the fast path, found again in the text). */
export const unplacedMaps = { count: 0 };

/** Places every UNPLACED map of the facts' values tree (as `withAdded` does for an edit), in place. */
function placeUnplaced(facts: FileFacts, text: string): void {
  const visit = (map: ValuesMap): void => {
    if (map.insertAt === UNPLACED) {
      const at = placeValuesMap(text, map.start!);
      map.insertAt = at.at;
      map.indent = at.indent;
      delete map.start;
      unplacedMaps.count++;
    }
    for (const [, v] of map.entries) if (v.kind === 'map') visit(v);
  };
  if (facts.values) visit(facts.values);
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** A walk error on the fast path's tree is a scanner bug even when the fallback hides it. */
function assertNoWalkErrors(stats: FastPathStats): void {
  assert.equal(stats.bailed['walk-error'] ?? 0, 0, report(stats));
}

function report(stats: FastPathStats): string {
  const bailed = Object.values(stats.bailed).reduce((a, b) => a + (b ?? 0), 0);
  return `${stats.documents} documents compared, ${stats.documents - bailed} read by the fast path, ${bailed} handed to yaml ${JSON.stringify(stats.bailed)}`;
}

describe('fast path parity with the yaml walk', () => {
  it('is identical on every fixture and example file', (t) => {
    const stats = newFastPathStats();
    const files = [...yamlFiles(FIXTURES), ...yamlFiles(EXAMPLES)];
    assert.ok(files.length > 20);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      assertSameExtraction(text, { path: file }, stats);
      assertSameExtraction(text, { path: file, imageKeys: ['sidecarImage', 'initImage'] }, stats);
    }
    t.diagnostic(`fixtures: ${files.length} files, ${report(stats)}`);
    assertNoWalkErrors(stats);
    // The fixtures are what the fast path is for: most of them must not need the fallback.
    const bailed = Object.values(stats.bailed).reduce((a, b) => a + (b ?? 0), 0);
    assert.ok(bailed < stats.documents / 3, report(stats));
  });

  for (const profile of ['realistic', 'generated'] as const) {
    it(`is identical on the ${profile} benchmark profile (scaled down)`, (t) => {
      const stats = newFastPathStats();
      let files = 0;
      for (const { rel, text } of corpusFiles(profile, { scale: profile === 'realistic' ? 0.08 : 0.05 })) {
        assertSameExtraction(text, { path: rel }, stats);
        files++;
      }
      t.diagnostic(`${profile}: ${files} files, ${report(stats)}`);
      assertNoWalkErrors(stats);
      assert.ok(stats.documents > 350, report(stats));
    });
  }

  it("reads the same values trees from the bench's values file and every values file of the realistic profile", (t) => {
    const placedBefore = unplacedMaps.count;
    const texts = [benchValues(), ...[...realisticFiles(1)].filter((f) => /values[^/]*\.ya?ml$/.test(f.rel)).map((f) => f.text)];
    let read = 0;
    for (const text of texts) {
      const fast = fastDocuments(text);
      if (!fast) continue;
      let tree: ValuesMap;
      try {
        tree = readValues(fast, true);
      } catch (err) {
        if (err instanceof Bail) continue; // a value only `yaml` reads: the model parses the file
        throw err;
      }
      const facts = { values: tree } as FileFacts;
      placeUnplaced(facts, text);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(facts.values)), JSON.parse(JSON.stringify(readValues(documents(text)))));
      read++;
    }
    t.diagnostic(`values files: ${texts.length}, ${read} read by the fast path, ${unplacedMaps.count - placedBefore} maps placed from the text`);
    assert.ok(read > texts.length * 0.8);
    // The bench's values file has maps whose end only `yaml` knows: placing them is compared here.
    assert.ok(unplacedMaps.count > placedBefore);
  });

  it('is identical on values files with comment and blank lines where maps end (placed from the text)', (t) => {
    const stats = newFastPathStats();
    const placedBefore = unplacedMaps.count;
    const seeds = SEEDS.filter(([name]) => /(^|\/)values[^/]*\.yaml$/.test(name));
    const line = fc.record({ at: fc.nat(), indent: fc.nat({ max: 8 }), text: fc.constantFrom('', '# c', '#', '#   image: nginx:1', '## section', '# - a') });
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(line, { minLength: 1, maxLength: 6 }), ([name, seed], inserted) => {
        const lines = seed.split('\n');
        for (const l of inserted) lines.splice(l.at % (lines.length + 1), 0, l.text ? ' '.repeat(l.indent) + l.text : ' '.repeat(l.indent % 3));
        assertSameExtraction(lines.join('\n'), { path: name }, stats);
      }),
      { numRuns: Number(process.env.FASTPATH_RUNS ?? 3000) / 2 },
    );
    t.diagnostic(`${seeds.length} values seeds: ${report(stats)}, ${unplacedMaps.count - placedBefore} values maps placed from the text`);
    assert.ok(unplacedMaps.count - placedBefore > 100, `${unplacedMaps.count - placedBefore} values maps placed from the text`);
  });

  it('is identical on documents mutated line by line around image keys', (t) => {
    const stats = newFastPathStats();
    const placedBefore = unplacedMaps.count;
    fc.assert(
      fc.property(seedDocument, fc.array(lineMutation, { minLength: 1, maxLength: 6 }), fc.boolean(), ([name, seed], mutations, extraKeys) => {
        const text = mutate(seed, mutations);
        assertSameExtraction(text, { path: name, imageKeys: extraKeys ? ['sidecarImage'] : undefined }, stats);
      }),
      { numRuns: Number(process.env.FASTPATH_RUNS ?? 3000) },
    );
    t.diagnostic(`mutations: ${report(stats)}, ${unplacedMaps.count - placedBefore} values maps placed from the text`);
    assert.ok(unplacedMaps.count - placedBefore > 0, "no values map was placed from the text");
    assertNoWalkErrors(stats);
    // The mutations must exercise both paths, or the comparison proves little.
    assert.ok(Object.keys(stats.bailed).length >= 6, report(stats));
    const bailed = Object.values(stats.bailed).reduce((a, b) => a + (b ?? 0), 0);
    assert.ok(stats.documents - bailed > stats.documents / 4, report(stats));
  });
});

describe('fast path scalars', () => {
  it('read plain scalars as the core schema does: null, booleans, numbers, and everything else a string', () => {
    const word = fc.array(fc.constantFrom(...'nNuUlLtTrRfFaAsSeE~.0123456789+-xoiIb'), { minLength: 1, maxLength: 7 }).map((cs) => cs.join(''));
    let compared = 0;
    fc.assert(
      fc.property(fc.oneof(word, fc.constantFrom('null', 'Null', 'NULL', 'nuLL', 'true', 'True', 'TRUE', 'tRue', 'false', 'False', 'FALSE', 'fAlse', '~', '~~', '.inf', '-.Inf', '.nan', 'nulls', 'truE', 'n', 't', 'f', 'F')), (w) => {
        const text = `k: ${w}\n${w}: v\n`;
        let fast: { items: Array<{ key: { value: unknown }; value: { value: unknown } }> };
        try {
          fast = scanDocument(text, false).contents as typeof fast;
        } catch (err) {
          if (err instanceof Bail) return;
          throw err;
        }
        const full = parseDocument(text, { uniqueKeys: false });
        if (full.errors.length) return;
        const items = (full.contents as unknown as typeof fast).items;
        assert.deepEqual([fast.items[0].value.value, fast.items[1].key.value], [items[0].value.value, items[1].key.value], w);
        compared++;
      }),
      { numRuns: 3000 },
    );
    assert.ok(compared > 1000);
  });
});

const seedDocument = fc.constantFrom(...SEEDS);
const lineMutation: fc.Arbitrary<LineMutation> = fc.record({ line: fc.nat(), kind: fc.nat({ max: MUTATION_KINDS - 1 }), pick: fc.nat() });
