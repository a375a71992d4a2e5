/**
 * Config globs against a hostile repository: matching is bounded (a pattern made to backtrack
 * answers at once), patterns beyond the limits are located config errors, and the syntax users
 * write (`**`, `*`, `?`, classes, braces) means what it meant before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { GLOB_LIMITS, globMatch, globMatcher, globProblem } from '../../server/src/core/glob';
import { checkSettings } from '../../server/src/lsp/settings';
import { checkText, configErrorOf, configFrom } from '../helpers/check';

const pod = (image: string) => `kind: Pod\nspec:\n  containers:\n    - name: c\n      image: ${image}\n`;
const EVIL = '*a*a*a*a*a*a*a*a*a*a*a*a*b';

/** Milliseconds one call takes. */
function timed(f: () => void): number {
  const start = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('glob matching is bounded', () => {
  it('a floatingTags pattern built to backtrack answers at once for a 36-character tag', () => {
    const config = configFrom(`floatingTags: ["${EVIL}"]\n`);
    let rule = '';
    const ms = timed(() => (rule = checkText(pod(`nginx:${'a'.repeat(36)}`), { config })[0].rule));
    assert.equal(rule, 'unpinned-tag');
    assert.ok(ms < 500, `took ${ms} ms`);
  });

  it('include, exclude and allowance paths and images built to backtrack answer at once', () => {
    const deepPath = Array.from({ length: 30 }, () => 'a').join('/') + '/x.yml';
    const config = configFrom(
      `include: ["**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/b.yaml"]\nexclude: ["${EVIL}"]\n` +
        `allowances:\n  - paths: ["**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/c"]\n    images: ["${EVIL}"]\n    until: 2099-01-01\n`,
    );
    const image = `${'a'.repeat(40)}:dev`;
    const ms = timed(() => {
      assert.equal(globMatch(config.include[0], deepPath), false);
      assert.equal(globMatch(config.exclude[0], 'a'.repeat(40)), false);
      assert.equal(checkText(pod(image), { config, path: deepPath })[0].rule, 'floating-tag');
    });
    assert.ok(ms < 500, `took ${ms} ms`);
  });
});

describe('glob syntax', () => {
  it('agrees with the previous matcher (picomatch, dot: true) on the patterns users write', () => {
    const patterns = [
      '**/*.yaml', '**/*.yml', '*.yaml', 'vendor/**', 'overlays/dev/**', 'a/**/b/*.yaml', '**/testdata/**', 'charts/*/values.yaml',
      'ghcr.io/acme/*', 'nginx', 'redis:7-*', '*-latest', 'v?.*', 'release-[0-9]*', '**/*.{yaml,yml}', '{a,b}/**', 'x/**/y',
    ];
    const subjects = [
      'a.yaml', 'x.yml', 'dir/a.yaml', '.github/workflows/ci.yml', 'vendor', 'vendor/x.yaml', 'vendor/a/b/c.yaml', 'overlays/dev/k.yaml',
      'overlays/prod/k.yaml', 'a/b/x.yaml', 'a/c/b/x.yaml', 'a/b/c/x.yaml', 'pkg/testdata/x.yaml', 'charts/web/values.yaml', 'charts/web/sub/values.yaml',
      'ghcr.io/acme/api', 'ghcr.io/acme/team/api', 'nginx', 'nginx:1', 'redis:7-alpine', 'redis:6', '1.2-latest', 'latest', 'v1.2', 'v12',
      'release-2024', 'release-x', 'b/q', 'x/y', 'x/p/q/y', '.hidden.yaml',
    ];
    for (const p of patterns) {
      const ours = globMatcher([p]);
      const theirs = picomatch(p, { dot: true });
      for (const s of subjects) assert.equal(ours(s), theirs(s), `${p} against ${s}`);
    }
  });

  it('a pattern whose literal segments a path lacks is ruled out without a walk, and only such a pattern (random paths and patterns)', () => {
    const name = fc.constantFrom('a', 'b', 'ab', 'tests', 'testdata', 'x.yaml', 'a_test.yaml', 'ba');
    const part = fc.oneof(name, fc.constantFrom('*', '**', '*.yaml', 'a*', '*_test.yaml', 't?sts', '[ab]'));
    fc.assert(
      fc.property(fc.array(part, { minLength: 2, maxLength: 5 }), fc.array(fc.array(name, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), (parts, subjects) => {
        const pattern = parts.join('/');
        const patterns = [pattern, '**/never-there/**'];
        const fast = globMatcher(patterns);
        const walked = globMatcher(patterns, { exhaustive: true });
        for (const subject of subjects.map((s) => s.join('/'))) assert.equal(fast(subject), walked(subject), `${pattern} against ${subject}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('floating tags match in any case; escapes and unclosed brackets are literal', () => {
    assert.equal(globMatch('*-SNAPSHOT', '1.0-snapshot', { nocase: true }), true);
    assert.equal(globMatch('[A-C]x', 'bx', { nocase: true }), true);
    assert.equal(globMatch('a\\*b', 'a*b'), true);
    assert.equal(globMatch('a\\*b', 'axb'), false);
    assert.equal(globMatch('a[b', 'a[b'), true);
    assert.equal(globMatch('[!v]*', 'a.yaml'), true);
    assert.equal(globMatch('[!v]*', 'v1'), false);
  });
});

describe('glob limits', () => {
  const errorOf = configErrorOf;

  it('a pattern with too many wildcards, too long, or too many alternatives is a located config error', () => {
    const stars = '*a'.repeat(GLOB_LIMITS.wildcards + 1);
    assert.match(errorOf(`floatingTags:\n  - latest\n  - "${stars}"\n`).message, /:3:5: floatingTags: the pattern has 65 wildcards; at most 64/);
    assert.match(errorOf(`include: ["${'a'.repeat(GLOB_LIMITS.length + 1)}"]\n`).message, /:1:11: include: the pattern is 1025 characters long/);
    assert.match(errorOf(`exclude: ["{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"]\n`).message, /exclude: the pattern's \{…\} alternatives make more than 256/);
    assert.match(errorOf(`allowances:\n  - images: ["${stars}"]\n    until: 2099-01-01\n`).message, /:2:14: allowances\[0\]\.images: the pattern has 65/);
    assert.equal(globProblem(EVIL), undefined, 'the pattern of the report is within the limits: it is the matcher that must cope');
  });

  it('editor settings with such a pattern are ignored with a warning', () => {
    const warnings: string[] = [];
    const settings = checkSettings({ floatingTags: ['*a'.repeat(100)], include: ['**/*.yaml'] }, (w) => warnings.push(w));
    assert.equal(settings.floatingTags, undefined);
    assert.deepEqual(settings.include, ['**/*.yaml']);
    assert.match(warnings.join('\n'), /imagePin\.floatingTags: the pattern has 100 wildcards.*; ignored/);
  });
});
