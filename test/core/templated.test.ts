/**
 * `isTemplated` looks at only the two template actions nearest a value (a binary search), not at
 * every action of the document: on random texts of actions, blanks, words and line breaks it must
 * answer what a look at every action answers. `templateExcusesErrors` answers without parsing when
 * an action opens the document: on random texts and on every fixture and benchmark document it must
 * answer what the parse of the text as written answers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WalkContext, isTemplated } from '../../server/src/core/extract/context';
import type { ScalarPart, Span } from '../../server/src/core/types';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blankTemplateActions, excusedByTokens, splitDocuments, templateExcusesErrors } from '../../server/src/core/yamlSource';
import { corpusFiles } from '../bench/corpus';
import { EXAMPLES, FIXTURES } from '../helpers/paths';
import { SEEDS } from '../helpers/yamlMutations';

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

  it('excuses syntax errors without a parse only where the parse would excuse them', () => {
    // Texts that open with what may come before an action (blank and comment lines, `---`, spaces,
    // tabs, CRs) or with YAML, then actions among YAML lines, quotes, block scalars and comments.
    const lead = fc.constantFrom('', '\n', '# c\n', '  # c\n', '---\n', '--- \n', '\t# c\n', '#\r\n', 'a: 1\n', '"q\n', 'k: |\n', '- ', '  ', '\t', '#x ', '? ');
    const body = fc.constantFrom('{{ .x }}', '{{- if .y }}\n', '{{/*\nheader\n*/}}\n', '{{ end }}\n', 'image: ', 'nginx:1', 'k: |\n  ', '"', "'", '# ', '\n', '  ', '- ', ': ', '{', '[', 'x: {{ .v }}\n');
    let short = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(lead, { maxLength: 4 }), fc.array(body, { minLength: 1, maxLength: 20 }), (leads, pieces) => {
        const text = leads.join('') + pieces.join('');
        const { actions } = blankTemplateActions(text);
        const expected = excusedByTokens(text, actions);
        assert.equal(templateExcusesErrors(text, actions), expected, JSON.stringify(text));
        runs++;
        if (expected) short++;
      }),
      { numRuns: 5000 },
    );
    assert.ok(short > runs / 10 && short < (runs * 9) / 10, `${short} of ${runs} excused`);

    // Every document of the fixtures, the examples, the seeds and the realistic profile (scaled down).
    const texts = [
      ...[FIXTURES, EXAMPLES].flatMap((dir) =>
        fs
          .readdirSync(dir, { withFileTypes: true, recursive: true })
          .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
          .map((e) => fs.readFileSync(path.join(e.parentPath ?? e.path, e.name), 'utf8')),
      ),
      ...SEEDS.map(([, text]) => text),
      ...[...corpusFiles('realistic', { scale: 0.08 })].map((f) => f.text),
    ];
    let documents = 0;
    for (const text of texts) {
      for (const span of splitDocuments(text)) {
        const doc = text.slice(span.start, span.end);
        const { actions } = blankTemplateActions(doc);
        if (actions.length === 0) continue;
        assert.equal(templateExcusesErrors(doc, actions), excusedByTokens(doc, actions), doc.slice(0, 500));
        documents++;
      }
    }
    assert.ok(documents > 100, `${documents} templated documents`);
  });
});
