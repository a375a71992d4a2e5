/**
 * `readWorkloads` reads a file's workload images and patch containers in one walk of each tree. It must
 * say exactly what the two plain walks it replaced say (kept here as the reference): which `image`
 * strings a Kubernetes resource holds and where, and which containers a strategic-merge patch names,
 * on every fixture, on the realistic profile, on mutated documents and on the corner cases below.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { Doc, PatchContainer, WorkloadImage, documents, readWorkloads } from '../../server/src/core/env/read';
import { extractImages, fastDocuments } from '../../server/src/core/extract';
import { findPair, keyOf } from '../../server/src/core/extract/context';
import { Bail } from '../../server/src/core/extract/lineScan';
import { scalarPart } from '../../server/src/core/yamlSource';
import { corpusFiles } from '../bench/corpus';
import { EXAMPLES, FIXTURES } from '../helpers/paths';
import { LineMutation, MUTATION_KINDS, SEEDS, mutate } from '../helpers/yamlMutations';

// ---- The reference: one walk for images, a second for patch containers, as read.ts had them.

function value(d: Doc, map: YAMLMap, key: string): { value: string; start: number; end: number } | undefined {
  const pair = findPair(map, key);
  const p = pair ? scalarPart(pair.value, d.source) : null;
  return p ? { value: p.value, start: p.span.start + d.offset, end: p.span.end + d.offset } : undefined;
}

function meta(d: Doc, root: YAMLMap): { kind: string; name: string } {
  const m = findPair(root, 'metadata')?.value;
  return { kind: value(d, root, 'kind')?.value ?? '', name: isMap(m) ? (value(d, m, 'name')?.value ?? '') : '' };
}

function referenceImages(docs: readonly Doc[]): WorkloadImage[] {
  const out: WorkloadImage[] = [];
  for (const d of docs) {
    const root = d.doc.contents;
    if (!isMap(root)) continue;
    const resource = meta(d, root);
    if (resource.kind === 'CustomResourceDefinition') continue;
    const walk = (node: unknown, keys: string[], parentKey: string | undefined, inList: boolean): void => {
      if (isSeq(node)) return node.items.forEach((item) => walk(item, keys, parentKey, true));
      if (!isMap(node)) return;
      for (const pair of node.items) {
        const key = keyOf(pair);
        if (key === null) continue;
        if (key === 'image' && isScalar(pair.value)) {
          const p = scalarPart(pair.value, d.source);
          if (!p || !p.value) continue;
          const container = inList && ['containers', 'initContainers', 'ephemeralContainers'].includes(parentKey ?? '') ? (parentKey as 'containers') : undefined;
          const img: WorkloadImage = { span: { start: p.span.start + d.offset, end: p.span.end + d.offset }, value: p.value, field: container ?? 'other', keys: [...keys, key], resource };
          if (container) {
            img.container = value(d, node, 'name')?.value;
            img.pullPolicy = value(d, node, 'imagePullPolicy')?.value ?? null;
          }
          out.push(img);
        } else if (key === 'image' && isMap(pair.value) && parentKey === 'volumes' && inList) {
          const ref = value(d, pair.value, 'reference');
          if (ref?.value) out.push({ span: { start: ref.start, end: ref.end }, value: ref.value, field: 'volume', keys: [...keys, key, 'reference'], resource });
        } else if (isMap(pair.value) || isSeq(pair.value)) walk(pair.value, [...keys, key], key, false);
      }
    };
    walk(root, [], undefined, false);
  }
  return out;
}

function referencePatches(docs: readonly Doc[], images: readonly WorkloadImage[]): PatchContainer[] {
  const out: PatchContainer[] = [];
  for (const d of docs) {
    const root = d.doc.contents;
    if (!isMap(root)) continue;
    const resource = meta(d, root);
    const visit = (node: unknown, key?: string): void => {
      if (isSeq(node)) {
        for (const item of node.items) {
          if ((key === 'containers' || key === 'initContainers') && isMap(item)) {
            const name = value(d, item, 'name')?.value;
            if (!name) continue;
            const image = value(d, item, 'image');
            out.push({ resource: { ...resource }, container: name, image: image ? images.find((i) => i.span.start === image.start) : undefined, pullPolicy: value(d, item, 'imagePullPolicy')?.value || undefined });
          } else visit(item);
        }
      } else if (isMap(node)) for (const pair of node.items) visit(pair.value, keyOf(pair) ?? undefined);
    };
    visit(root);
  }
  return out;
}

// ---- The comparison, on `yaml`'s trees and on the fast scanner's (where it reads the whole file).

let compared = 0;

/** The documents an extraction hands over, with what its walk read of them, on the `yaml` path or the fast one. */
function handedOver(text: string, path: string, fast: boolean): Doc[] {
  const docs: Doc[] = [];
  extractImages(text, { path, fast, onDocument: (doc, source, offset, workloads) => docs.push({ doc, source, offset, workloads }) });
  assert.ok(docs.every((d) => d.workloads), 'every document walked without an error has its workloads');
  return docs;
}

function assertSameWorkloads(text: string, where: string): void {
  const trees: Array<readonly Doc[]> = [documents(text), handedOver(text, where, false), handedOver(text, where, true)];
  const fast = fastDocuments(text);
  if (fast) trees.push(fast);
  for (const docs of trees) {
    let expected: unknown;
    try {
      const images = referenceImages(docs);
      expected = { workloads: images, patches: images.length ? referencePatches(docs, images) : [] };
    } catch (err) {
      // A part of the fast tree only `yaml` knows: the reference could not read it either.
      if (err instanceof Bail) continue;
      throw err;
    }
    let actual: unknown;
    try {
      // The workloads the extraction read on its walk, or a walk of these documents here.
      actual = readWorkloads(docs);
    } catch (err) {
      // Reading more of a fast tree than the reference did only sends the file to `yaml`.
      if (err instanceof Bail) continue;
      throw err;
    }
    assert.deepStrictEqual(actual, expected, `workloads differ on ${where}:\n${text.slice(0, 1500)}`);
    compared++;
  }
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

const CORNERS: Record<string, string> = {
  'containers in containers, nested lists, an unnamed container': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: busybox:1
          containers:
            - name: inner
              image: inner:1
        - image: unnamed:1
        - - name: nested
            image: nested:1
      containers:
        - name: app
          image: app:1
          imagePullPolicy: IfNotPresent
        - name: no-image
          imagePullPolicy: Always
        - name: empty
          image: ""
      ephemeralContainers:
        - name: debug
          image: debug:1
      volumes:
        - name: data
          image:
            reference: data:1
            containers:
              - name: under-volume
                image: under:1
        - name: other
          image:
            pullPolicy: Always
`,
  'a key that is not a string, a CRD, an alias': `apiVersion: apps/v1
kind: Deployment
metadata: {name: keyed}
spec:
  ? [complex]
  : containers:
      - name: hidden
        image: hidden:1
  1: {containers: [{name: numbered, image: numbered:1}]}
  base: &base {image: anchored:1}
  copy: *base
---
apiVersion: apiextensions.k8s.io/v1
kind: "CustomResourceDefinition"
metadata: {name: crd}
spec:
  containers:
    - name: in-crd
      image: crd:1
---
kind: Pod
metadata: {name: pod}
spec:
  containers:
    - {name: flow, image: flow:1, imagePullPolicy: Never}
`,
  'patches and no image': `kind: Deployment
metadata: {name: patch}
spec:
  template:
    spec:
      containers:
        - name: only-policy
          imagePullPolicy: Always
`,
};

describe('readWorkloads: one walk for workload images and patch containers', () => {
  it('reads what the two walks read on the corner cases', () => {
    for (const [name, text] of Object.entries(CORNERS)) assertSameWorkloads(text, name);
    // The corners exercise what they are for.
    const { workloads, patches } = readWorkloads(documents(CORNERS['containers in containers, nested lists, an unnamed container']));
    // Inside an image volume and under a key that is not a string, no workload image; a container of a
    // container is not a patch's, a list in a list of containers is not one either.
    assert.deepEqual(
      workloads.map((w) => `${w.value} ${w.field} ${w.container ?? ''}`),
      ['busybox:1 initContainers init', 'inner:1 containers inner', 'unnamed:1 initContainers ', 'nested:1 initContainers nested', 'app:1 containers app', 'debug:1 ephemeralContainers debug', 'data:1 volume '],
    );
    assert.deepEqual(
      patches.map((p) => `${p.container} ${p.image?.value ?? '-'} ${p.pullPolicy ?? '-'}`),
      ['init busybox:1 -', 'app app:1 IfNotPresent', 'no-image - Always', 'empty - -', 'under-volume - -'],
    );
    const keyed = readWorkloads(documents(CORNERS['a key that is not a string, a CRD, an alias']));
    assert.deepEqual(
      keyed.workloads.map((w) => w.value),
      ['numbered:1', 'anchored:1', 'flow:1'],
    );
    assert.deepEqual(
      keyed.patches.map((p) => p.container),
      ['hidden', 'numbered', 'in-crd', 'flow'],
    );
    assert.equal(readWorkloads(documents(CORNERS['patches and no image'])).patches.length, 0);
  });

  it('reads what the two walks read on every fixture, example and the realistic profile', (t) => {
    const before = compared;
    for (const file of [...yamlFiles(FIXTURES), ...yamlFiles(EXAMPLES)]) assertSameWorkloads(fs.readFileSync(file, 'utf8'), file);
    for (const { rel, text } of corpusFiles('realistic', { scale: 0.08 })) assertSameWorkloads(text, rel);
    t.diagnostic(`${compared - before} files' trees compared`);
    assert.ok(compared - before > 500);
  });

  it('reads what the two walks read on documents mutated line by line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(lineMutation, { minLength: 1, maxLength: 6 }), ([name, seed], mutations) => assertSameWorkloads(mutate(seed, mutations), name)),
      { numRuns: Number(process.env.FASTPATH_RUNS ?? 1000) },
    );
  });
});

const lineMutation: fc.Arbitrary<LineMutation> = fc.record({ line: fc.nat(), kind: fc.nat({ max: MUTATION_KINDS - 1 }), pick: fc.nat() });
