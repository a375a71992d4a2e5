/**
 * `isTemplated` looks at only the two template actions nearest a value (a binary search), not at
 * every action of the document: on random texts of actions, blanks, words and line breaks it must
 * answer what a look at every action answers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WalkContext, isTemplated } from '../../server/src/core/extract/context';
import type { ScalarPart, Span } from '../../server/src/core/types';
import { blankTemplateActions } from '../../server/src/core/yamlSource';

/** Every action: one overlapping the token, or one with only spaces and tabs between it and the token. */
function touchedByAnyAction(source: string, actions: readonly Span[], token: Span): boolean {
  return actions.some((a) => {
    if (a.start < token.end && a.end > token.start) return true;
    const gap = a.end <= token.start ? source.slice(a.end, token.start) : source.slice(token.end, a.start);
    return /^[ \t]*$/.test(gap);
  });
}

const piece = fc.constantFrom('{{ .x }}', '{{- if .y }}', '{{ a\n}}', ' ', '  ', '\t', 'img', 'nginx:1', ':', '\n', '-', '{{ open');

describe('a value next to a template action', () => {
  it('is templated exactly when some action touches it (nearest actions only)', () => {
    let touched = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 30 }), fc.nat(), fc.nat(), (pieces, a, b) => {
        const text = pieces.join('');
        const blanked = blankTemplateActions(text);
        const start = a % (text.length + 1);
        const end = start + (b % (text.length - start + 1));
        const token = { start, end };
        // A value without `$`, `{{` or sed tokens: only the actions decide.
        const part: ScalarPart = { value: 'v', span: token, exact: false, token };
        const ctx = { source: blanked.text, templateActions: blanked.actions } as unknown as WalkContext;
        const expected = touchedByAnyAction(blanked.text, blanked.actions, token);
        assert.equal(isTemplated(ctx, part), expected, JSON.stringify({ text, token }));
        runs++;
        if (expected) touched++;
      }),
      { numRuns: 5000 },
    );
    // Both answers must be common, or the comparison proves little.
    assert.ok(touched > runs / 10 && touched < (runs * 9) / 10, `${touched} of ${runs} touched`);
  });
});
