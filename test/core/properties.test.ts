/**
 * Properties over random and mutated YAML: the check never throws, and every
 * finding's range covers text of the reference it names.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { defaultConfig } from '../../server/src/core/config';
import { extractLocated, findingsFor } from '../../server/src/scan/checkText';
import { fixture } from '../helpers/paths';

const config = defaultConfig('/repo');

/** Checks a text and asserts the range invariants; returns the number of findings. */
function checkInvariants(text: string, file = 'x.yaml'): number {
  const extraction = extractLocated(text, { path: file });
  const findings = findingsFor(extraction, config, file, '2026-11-26');
  for (const f of findings) {
    assert.ok(f.span.start >= 0 && f.span.end <= text.length && f.span.start <= f.span.end, `span ${JSON.stringify(f.span)} out of bounds`);
    if (f.site === undefined) continue;
    const site = extraction.sites[f.site];
    const covered = text.slice(f.span.start, f.span.end);
    const parts = [site.scalar, site.helm?.repository, site.helm?.tag, site.kustomize?.name, site.kustomize?.newName, site.kustomize?.newTag];
    const shown = parts.find((p) => p && p.span.end >= site.span.end && p.span.start <= site.span.start);
    const exact = shown?.exact ?? false;
    if (exact) {
      assert.ok(covered.length > 0, `empty range for ${site.reference}`);
      assert.ok(site.reference.includes(covered), `range covers ${JSON.stringify(covered)}, not part of ${JSON.stringify(site.reference)}`);
    }
    // Line/column agree with the offsets; a lone CR breaks a line too (a CR just before the span is then a whole break).
    const before = text.slice(0, f.span.start).split(/\r\n|\r(?!\n)|\n/);
    assert.equal(f.range.start.line, before.length - 1);
    assert.equal(f.range.start.character, before[before.length - 1].length);
  }
  return findings.length;
}

const refPart = fc.constantFrom('nginx', 'ghcr.io/acme/app', 'localhost:5000/x', 'Bad/Name', 'a..b', '', 'redis', 'docker://alpine');
const tagPart = fc.constantFrom('', ':latest', ':1.0', ':dev', ':v1.2-latest', ':', `@sha256:${'a'.repeat(64)}`, ':1@sha256:abc', ':x y');
const reference = fc.tuple(refPart, tagPart).map(([r, t]) => r + t);
const keys = fc.constantFrom('image', 'containers', 'repository', 'tag', 'registry', 'digest', 'images', 'name', 'newTag', 'newName', 'kind', 'spec', 'helm', 'values', 'uses', 'container', 'jobs', 'services', 'build', 'imagePullPolicy', 'sidecarImage', 'hub', 'reference');

const yamlValue = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    reference,
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(keys, tie('node'), { maxKeys: 5 }),
  ),
}));

describe('properties', () => {
  it('random YAML documents in every shape never throw, and ranges cover the named reference', () => {
    fc.assert(
      fc.property(fc.array(yamlValue.node, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), (docs, crlf, flow) => {
        let text = docs.map((d) => stringify(d, { collectionStyle: flow ? 'flow' : 'any' })).join('---\n');
        if (crlf) text = text.replace(/\n/g, '\r\n');
        checkInvariants(text);
        checkInvariants(text, 'kustomization.yaml');
      }),
      { numRuns: 400 },
    );
  });

  it('mutated real fixtures (deletions, insertions of YAML and template syntax) never throw', () => {
    const dir = fixture('shapes');
    const texts = ['workloads.yaml', 'values.yaml', 'argocd.yaml', 'kustomization.yaml', 'docker-compose.yaml', 'chart/templates/deployment.yaml'].map((f) =>
      fs.readFileSync(path.join(dir, f), 'utf8'),
    );
    const insert = fc.constantFrom('{{', '}}', ':', '"', "'", '\n', '\t', '&a ', '*a', '- ', '|', '>', '#', '---\n', '[', '{', '\uFEFF', '\r', '@sha256:');
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), what: insert }),
    );
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (which, mutations) => {
        let text = texts[which];
        for (const m of mutations) {
          const at = m.at % (text.length + 1);
          text = m.kind === 'delete' ? text.slice(0, at) + text.slice(at + m.len) : text.slice(0, at) + m.what + text.slice(at);
        }
        checkInvariants(text);
      }),
      { numRuns: 600 },
    );
  });
});
