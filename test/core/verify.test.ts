/** The pure decisions of verification: which finding a pin deserves given the registry's answers, and tag-conflict. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../server/src/core/config';
import { judgePin, pinQuestion, tagConflicts, verdictFinding, verdictMessage, type PinnedPlace } from '../../server/src/core/verify';
import { grammarOf } from '../../server/src/core/rules';
import { configFrom } from '../helpers/check';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

describe('judgePin', () => {
  const tagged = pinQuestion(`ghcr.io/acme/api:v1.4.2@${A}`)!;
  const bare = pinQuestion(`ghcr.io/acme/api@${A}`)!;

  it('asks about every reference with a digest, and nothing else', () => {
    assert.deepEqual(tagged, { domain: 'ghcr.io', path: 'acme/api', digest: A, tag: 'v1.4.2' });
    assert.deepEqual(pinQuestion(`nginx@${A}`), { domain: 'docker.io', path: 'library/nginx', digest: A });
    assert.equal(pinQuestion('nginx:1.27'), undefined);
    assert.equal(pinQuestion('nginx@sha256:abc'), undefined);
  });

  it('a tag that still points to the digest proves it exists without a digest answer', () => {
    assert.deepEqual(judgePin(tagged, undefined, { digest: A }), { status: 'verified' });
    assert.deepEqual(judgePin(bare, { exists: true }, undefined), { status: 'verified' });
  });

  it('a digest the registry does not have is unknown-digest, whatever the tag says', () => {
    assert.deepEqual(judgePin(bare, { exists: false }, undefined), { status: 'unknown-digest', registry: 'ghcr.io', digest: A });
    const v = judgePin(tagged, { exists: false }, { digest: B });
    assert.deepEqual(v, { status: 'unknown-digest', registry: 'ghcr.io', digest: A, tagNow: B });
    assert.match(verdictMessage('x', v)!, new RegExp(`${A} does not exist in ghcr\\.io.*fail to pull.*points to ${B}`));
  });

  it('a tag that points elsewhere or is gone is moved-tag; a platform of its index is not', () => {
    const moved = judgePin(tagged, { exists: true }, { digest: B });
    assert.deepEqual(moved, { status: 'moved-tag', tag: 'v1.4.2', digest: A, now: B });
    const message = verdictMessage(`ghcr.io/acme/api:v1.4.2@${A}`, moved)!;
    assert.ok(message.includes(A) && message.includes(B), message);
    assert.deepEqual(judgePin(tagged, { exists: true }, { gone: 'tag "v1.4.2" was not found' }).status, 'moved-tag');
    assert.deepEqual(judgePin(tagged, { exists: true }, { digest: B, children: [C, A] }), { status: 'verified', platformOf: B });
    assert.deepEqual(judgePin(tagged, { exists: true }, { digest: B, children: [C] }).status, 'moved-tag');
  });

  it('no answer is registry-error with the reason, never a pass', () => {
    assert.deepEqual(judgePin(bare, { error: 'could not reach ghcr.io (ECONNREFUSED)' }, undefined), { status: 'registry-error', reason: 'could not reach ghcr.io (ECONNREFUSED)' });
    assert.deepEqual(judgePin(tagged, { exists: true }, { error: 'rate-limited' }), { status: 'registry-error', reason: 'rate-limited' });
    assert.match((judgePin(tagged, { error: 'x' }, { error: 'y' }) as { reason: string }).reason, /^y \(the digest could not be checked either\)$/);
    assert.equal(judgePin(tagged, undefined, undefined).status, 'registry-error');
  });

  it('findings follow the config severity and ignore comments', () => {
    const site = { reference: `ghcr.io/acme/api:v1.4.2@${A}`, span: { start: 3, end: 40 } };
    const moved = judgePin(tagged, { exists: true }, { digest: B });
    assert.deepEqual(verdictFinding(site, 2, moved, defaultConfig('/')) && { ...verdictFinding(site, 2, moved, defaultConfig('/'))!, message: '' }, {
      rule: 'moved-tag', severity: 'warning', span: site.span, message: '', image: site.reference, site: 2,
    });
    assert.equal(verdictFinding({ ...site, ignored: ['moved-tag'] }, 0, moved, defaultConfig('/')), undefined);
    assert.equal(verdictFinding({ ...site, ignored: [] }, 0, moved, defaultConfig('/')), undefined);
    assert.equal(verdictFinding(site, 0, moved, configFrom('severity: {moved-tag: off}\n')), undefined);
    assert.equal(verdictFinding(site, 0, { status: 'registry-error', reason: 'r' }, configFrom('severity: {registry-error: error}\n'))!.severity, 'error');
    assert.equal(verdictFinding(site, 0, { status: 'verified' }, defaultConfig('/')), undefined);
  });
});

describe('tagConflicts', () => {
  const config = defaultConfig('/');
  const place = (reference: string, where: string, index = 0): PinnedPlace => ({ site: { reference, span: { start: 0, end: reference.length } }, index, config, where });

  it('the same registry/repository:tag pinned to two digests is reported at each place, naming the other places and both digests', () => {
    const places = [
      place(`ghcr.io/acme/api:v1.4.2@${A}`, 'base/deploy.yaml:8:18'),
      place(`ghcr.io/acme/api:v1.4.2@${A}`, 'overlays/dev/k.yaml:5:12', 3),
      place(`ghcr.io/acme/api:v1.4.2@${B}`, 'overlays/prod/k.yaml:5:12', 1),
      place(`ghcr.io/acme/api:v1.5.0@${C}`, 'x.yaml:1:1'),
      place(`ghcr.io/acme/other:v1.4.2@${C}`, 'y.yaml:1:1'),
    ];
    const found = tagConflicts(places);
    assert.deepEqual([...found.keys()].sort(), [0, 1, 2]);
    const prod = found.get(2)!;
    assert.equal(prod.rule, 'tag-conflict');
    assert.equal(prod.severity, 'warning');
    assert.equal(prod.site, 1);
    assert.ok(prod.message.includes('base/deploy.yaml:8:18') && prod.message.includes('overlays/dev/k.yaml:5:12'), prod.message);
    assert.ok(prod.message.includes(A) && prod.message.includes(B), prod.message);
    assert.ok(!found.get(0)!.message.includes('overlays/dev/k.yaml'), 'a place with the same digest is not a conflict');
  });

  it('normalizes names (docker.io/library), and leaves floating tags, ignored sites and severity off alone', () => {
    assert.equal(tagConflicts([place(`nginx:1.27@${A}`, 'a'), place(`docker.io/library/nginx:1.27@${B}`, 'b')]).size, 2);
    assert.equal(tagConflicts([place(`nginx:latest@${A}`, 'a'), place(`nginx:latest@${B}`, 'b')]).size, 0);
    const ignored = { ...place(`nginx:1.27@${A}`, 'a'), site: { reference: `nginx:1.27@${A}`, span: { start: 0, end: 1 }, ignored: ['tag-conflict'] } };
    assert.deepEqual([...tagConflicts([ignored, place(`nginx:1.27@${B}`, 'b')]).keys()], [1]);
    const off = configFrom('severity: {tag-conflict: off}\n');
    assert.equal(tagConflicts([{ ...place(`nginx:1.27@${A}`, 'a'), config: off }, { ...place(`nginx:1.27@${B}`, 'b'), config: off }]).size, 0);
  });

  it('groups sites that carry their grammar (as a scan and its cache give them) by the repository it names, without parsing', () => {
    // Tags no other test uses: the places are not in the by-reference memo yet.
    const judged = (reference: string, where: string): PinnedPlace => ({ ...place(reference, where), site: { reference, span: { start: 0, end: 1 }, grammar: grammarOf(reference) } });
    const g = grammarOf(`index.docker.io/nginx:1.28@${A}`);
    assert.equal(g.ok && g.repository, 'docker.io/library/nginx');
    const spellings = [judged(`nginx:1.28@${A}`, 'a'), judged(`docker.io/library/nginx:1.28@${B}`, 'b'), judged(`index.docker.io/nginx:1.28@${A}`, 'c'), judged(`ghcr.io/x/nginx:1.28@${B}`, 'd')];
    assert.deepEqual([...tagConflicts(spellings).keys()].sort(), [0, 1, 2]);
    // A digest-only or tag-only reference pins no tag.
    assert.equal(tagConflicts([judged(`nginx@${A}`, 'a'), judged(`nginx@${B}`, 'b'), judged('nginx:1.28', 'c')]).size, 0);
    // The grammar's repository is what counts (a cached site's reference is not parsed again).
    const said = { ...place(`acme/said:1.29@${A}`, 'a'), site: { reference: `acme/said:1.29@${A}`, span: { start: 0, end: 1 }, grammar: { ok: true as const, tag: '1.29', digest: A, repository: 'docker.io/library/nginx' } } };
    assert.deepEqual([...tagConflicts([said, judged(`nginx:1.29@${B}`, 'b')]).keys()].sort(), [0, 1]);
  });
});
