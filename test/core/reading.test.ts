/**
 * Reading files: nothing may look clean that was not checked. Template actions excuse only the
 * syntax errors they can cause, a value written against a template action is templated, and
 * every text encoding YAML allows is read with the right line and column numbers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineCursor, LineIndex, decodeText, encodeText } from '../../server/src/core/text';
import { extractImages } from '../../server/src/core/extract';
import { applyEdits, ignoreEdit, pullPolicyEdit } from '../../server/src/core/fix';
import { blankTemplateActions } from '../../server/src/core/yamlSource';
import { extractLocated } from '../../server/src/scan/checkText';
import { checkText, triples } from '../helpers/check';

describe('template actions do not hide real YAML errors', () => {
  it('a {{ … }} in a comment does not excuse a syntax error, and what parsed is still checked', () => {
    const text = '# see {{ .Values.x }}\nxxxx\nimage: nginx:latest\nfoo: [\n';
    const seen = triples(checkText(text));
    assert.deepEqual(
      seen.map(([rule, line]) => [rule, line]),
      [
        ['yaml-syntax', 2],
        ['floating-tag', 3],
      ],
    );
    assert.equal(seen[1][2], 'nginx:latest');
  });

  it('a {{ … }} in a quoted tpl string or a block scalar does not excuse a syntax error either', () => {
    const quoted = 'fullnameOverride: "{{ .Release.Name }}-web"\nimage:\n  repository: acme/web\n  tag: dev\nbroken: [unclosed\n';
    assert.deepEqual(checkText(quoted).map((s) => s.rule), ['floating-tag', 'yaml-syntax']);
    const block = 'extraDeploy: |\n  name: {{ .Release.Name }}\nimage: redis:7\n  bad: indent\n';
    assert.ok(checkText(block).some((s) => s.rule === 'yaml-syntax'), 'a block scalar holds text, not structure');
  });

  it('an action that begins the first line of a block scalar sets its indentation: it excuses errors', () => {
    const text = 'issueTemplate: |\n  {{ define "summary" }}[{{ .Status }}]\n  Annotations:\n  {{ end }}\nimage: nginx:1.27\n';
    assert.deepEqual(triples(checkText(text)), [['unpinned-tag', 5, 'nginx:1.27']]);
  });

  it('a values file that is valid YAML as written has no syntax error, though blanking breaks a value', () => {
    const text = 'loki:\n  url: http://{{(include "loki.serviceName" .)}}:{{ .Values.loki.service.port }}\n  image: grafana/loki:2.9.3\n';
    assert.deepEqual(triples(checkText(text)), [['unpinned-tag', 3, 'grafana/loki:2.9.3']]);
  });

  it('a plain value with an action inside it does not excuse an error', () => {
    const text = 'host: web-{{ .Release.Name }}.example.com\nimage: nginx:1.27\n  bad: indent\n';
    assert.ok(checkText(text).some((s) => s.rule === 'yaml-syntax'));
  });

  it('an action that shapes the structure still excuses the errors of its document, and only of its document', () => {
    const chart = [
      'kind: Deployment',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '      {{- range .Values.containers }}',
      '        - name: {{ .name }}',
      '      {{- end }}',
      '        - name: sidecar',
      '          image: curlimages/curl:latest',
      '          env:',
      '    {{ toYaml .Values.env | indent 4 }}',
      '           - x: y',
      '---',
      'kind: Pod',
      'spec: {containers: [{name: a, image: "busybox:1.36"}]}',
      'broken: [unclosed',
    ].join('\n');
    assert.deepEqual(triples(checkText(chart)).map(([rule, line]) => [rule, line]), [
      ['floating-tag', 10],
      ['unpinned-tag', 16],
      ['yaml-syntax', 17],
    ]);
  });

  it('blanking finds the actions a regular expression finds: `{{` to the first `}}` after it, else to the end of its line', () => {
    const ACTION = /\{\{(?:[\s\S]*?\}\}|[^\n]*)/g;
    const text = fc.array(fc.constantFrom('{{', '}}', '{', '}', 'a', ' ', '\n', '\r', '\r\n', 'é'), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (t) => {
        const expected = [...t.matchAll(ACTION)].map((m) => ({ start: m.index!, end: m.index! + m[0].length }));
        const blanked = blankTemplateActions(t);
        assert.deepEqual(blanked.actions, expected);
        let want = t;
        for (const a of expected) want = want.slice(0, a.start) + t.slice(a.start, a.end).replace(/[^\r\n]/g, ' ') + want.slice(a.end);
        assert.equal(blanked.text, want);
      }),
      { numRuns: 5000 },
    );
  });

  it('blanking keeps every offset and line break, and is linear in the file size', () => {
    const text = 'a: {{ .x }}\r\nb: "{{ .y\n}}"\nc: {{ unclosed\nd: 1\n';
    const blanked = blankTemplateActions(text);
    assert.equal(blanked.text.length, text.length);
    assert.equal(blanked.text, 'a:         \r\nb: "     \n  "\nc:            \nd: 1\n');
    assert.deepEqual(blanked.actions.map((a) => text.slice(a.start, a.end)), ['{{ .x }}', '{{ .y\n}}', '{{ unclosed']);
    const edge = 'a: {{{ x }}}\nb: }} {{ y }}{{z}}\nc: {{ open\n  still }} d: {{ e';
    const edged = blankTemplateActions(edge);
    assert.equal(edged.text, 'a:         }\nb: }}             \nc:        \n           d:     ');
    assert.deepEqual(edged.actions.map((a) => edge.slice(a.start, a.end)), ['{{{ x }}', '{{ y }}', '{{z}}', '{{ open\n  still }}', '{{ e']);
    const bom = '\uFEFFa: {{ .x }} é 𝄞\n';
    assert.equal(blankTemplateActions(bom).text, '\uFEFFa:          é 𝄞\n', 'a byte order mark and characters beyond ASCII stay');
    const big = 'x: "{{ .v }}"\n'.repeat(200_000);
    const started = process.hrtime.bigint();
    const out = blankTemplateActions(big);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(out.actions.length, 200_000);
    assert.ok(ms < 1500, `blanking 200,000 actions took ${ms} ms`);
  });
});

describe('a value written against a template action is templated', () => {
  for (const value of ['{{ .Values.reg }}nginx:1.25', 'nginx:1.25{{ .Values.suffix }}', 'quay.io/{{ .Values.name }}', '{{ .Values.registry }}/nginx:latest']) {
    it(`image: ${value}`, () => {
      assert.deepEqual(checkText(`spec:\n  containers:\n    - name: a\n      image: ${value}\n`), []);
    });
  }

  it('split map parts written against an action are templated too', () => {
    assert.deepEqual(checkText('image:\n  repository: {{ .Values.org }}/web\n  tag: dev\n'), []);
    assert.deepEqual(checkText('image:\n  repository: acme/web\n  tag: 1.0{{ .Values.suffix }}\n'), []);
    assert.deepEqual(checkText('image:\n  repository: acme/web\n  tag: {{ .Values.tag }}\n'), [], 'a templated tag is not an empty one');
  });

  it('a literal reference beside an action on another line is still checked', () => {
    const text = 'spec:\n  containers:\n    - name: {{ .Chart.Name }}\n      image: nginx:latest\n';
    assert.deepEqual(triples(checkText(text)), [['floating-tag', 4, 'nginx:latest']]);
    const ex = extractLocated(text, {});
    assert.equal(ex.sites.length, 1);
  });
});

describe('text encodings', () => {
  const text = 'a: é\nimage: nginx:1.27 # ✓ 𝄞\n';

  it('UTF-8, UTF-16 and UTF-32 by their byte order marks decode to the same text, without the mark', () => {
    for (const encoding of ['utf8', 'utf8-bom', 'utf16le', 'utf16be', 'utf32le', 'utf32be'] as const) {
      const bytes = encodeText(text, encoding);
      assert.deepEqual(decodeText(bytes), { text, encoding }, encoding);
    }
    assert.equal(encodeText(text, 'utf16le')[1], 0xfe);
  });

  it('binary stays binary: a NUL in UTF-8, or a NUL or invalid unit in UTF-16', () => {
    assert.equal(decodeText(Buffer.from([0x69, 0x00, 0x6d])), null);
    assert.equal(decodeText(Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x61, 0x00])), null, 'UTF-32 LE mark and a NUL');
    assert.equal(decodeText(Buffer.from([0xff, 0xfe, 0x61, 0x00, 0x00, 0x00])), null, 'a NUL character');
    assert.equal(decodeText(Buffer.from([0xff, 0xfe, 0x00, 0xd8, 0x61, 0x00])), null, 'a lone surrogate');
  });

  it('a UTF-8 file is binary when its first 8 KiB hold a NUL, text when the first NUL comes later', () => {
    const withNulAt = (at: number) => {
      const bytes = Buffer.alloc(9000, 0x61);
      bytes[at] = 0;
      return bytes;
    };
    assert.equal(decodeText(withNulAt(0)), null);
    assert.equal(decodeText(withNulAt(8191)), null, 'the last byte of the first 8 KiB');
    assert.equal(decodeText(withNulAt(8192))?.text.length, 9000, 'the first byte after them');
    assert.equal(decodeText(Buffer.from('image: nginx:1.27\n'))?.text, 'image: nginx:1.27\n');
  });

  it('lines break at LF, CRLF and a lone CR, the same way for every position', () => {
    const lines = new LineIndex('a\rb\r\nc\nd');
    assert.equal(lines.lineCount, 4);
    assert.deepEqual([0, 2, 5, 7].map((o) => lines.position(o)), [0, 1, 2, 3].map((line) => ({ line, character: 0 })));
    assert.deepEqual(lines.position(3), { line: 1, character: 1 }, 'the CR of a CRLF ends its line');
  });

  it('a line cursor (for a scan of site ranges) answers as the line index, in order, out of order, with CR', () => {
    const text = fc.array(fc.constantFrom('a', ' ', '\n', '\n', '\r\n', '\r', 'é'), { maxLength: 60 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.array(fc.nat({ max: 70 }), { maxLength: 12 }), fc.boolean(), (t, offsets, sorted) => {
        const asked = sorted ? [...offsets].sort((a, b) => a - b) : offsets;
        const index = new LineIndex(t);
        const cursor = new LineCursor(t);
        for (const o of asked) assert.deepEqual(cursor.position(o), index.position(o), `${JSON.stringify(t)} at ${o} of ${asked}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('edits of a file with lone CR line endings keep them: a suppression comment, a pull policy', () => {
    const text = 'containers:\r  - name: a\r    image: nginx:dev\r    args: [x]\r';
    const [site] = extractImages(text).sites;
    assert.equal(applyEdits(text, [ignoreEdit(text, site, 'floating-tag')]), 'containers:\r  - name: a\r    # image-pin: ignore floating-tag\r    image: nginx:dev\r    args: [x]\r');
    assert.equal(applyEdits(text, [pullPolicyEdit(text, site)!]), 'containers:\r  - name: a\r    image: nginx:dev\r    imagePullPolicy: Always\r    args: [x]\r');
  });

  it('a file with lone CR line endings is read as lines, not as one broken line', () => {
    const cr = 'kind: Pod\rspec:\r  containers:\r    - name: a\r      image: nginx:latest\r';
    assert.deepEqual(triples(checkText(cr)), [['floating-tag', 5, 'nginx:latest']]);
  });
});
