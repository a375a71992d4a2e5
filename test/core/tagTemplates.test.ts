/** What a chart's templates default an empty image tag to: the appVersion as printed, per map or chart-wide. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture } from '../helpers/paths';
import { chartTag, tagRenderings, templateTagAffix } from '../../server/src/core/tagTemplates';

/** Every tag default in a fixture chart's templates. */
function chartReading(name: string) {
  const dir = fixture('tagDefaults', name, 'templates');
  return fs.readdirSync(dir).sort().flatMap((f) => tagRenderings(fs.readFileSync(path.join(dir, f), 'utf8')));
}
const v = { prefix: 'v', suffix: '' };
const bare = { prefix: '', suffix: '' };

describe('tag defaults in chart templates', () => {
  it('`printf "v%s"` and `print "v"` around the appVersion, as the default of a named tag, in either order', () => {
    assert.deepEqual(tagRenderings('{{ .Values.image.tag | default (printf "v%s" .Chart.AppVersion) }}'), [{ subject: '.Values.image', ...v }]);
    assert.deepEqual(tagRenderings('{{- printf "%s:%s" .Values.a.image.repository (default (printf "v%s" .Chart.AppVersion) .Values.a.image.tag) -}}'), [{ subject: '.Values.a.image', ...v }]);
    assert.deepEqual(tagRenderings('{{ default (print "v" $.Chart.AppVersion "-alpine") $root.Values.image.tag }}'), [{ subject: '.Values.image', prefix: 'v', suffix: '-alpine' }]);
    assert.deepEqual(tagRenderings('{{ $tag := default .Chart.AppVersion .Values.image.tag }}'), [{ subject: '.Values.image', ...bare }]);
    assert.deepEqual(tagRenderings('{{ .Values.image.tag | default .Chart.AppVersion }}'), [{ subject: '.Values.image', ...bare }]);
  });

  it("a helper's `print \"v\" .Chart.AppVersion` in the else of `if <tag>` is that tag's default; alone, the chart's", () => {
    const helper = '{{- define "x.tag" -}}\n{{- if .Values.image.tag -}}\n{{- .Values.image.tag -}}\n{{- else -}}\n{{- print "v" .Chart.AppVersion -}}\n{{- end -}}\n{{- end -}}\n';
    assert.deepEqual(tagRenderings(helper), [{ subject: '.Values.image', ...v }]);
    assert.deepEqual(tagRenderings('{{ printf "v%s" .Chart.AppVersion }}'), [{ subject: '', ...v }]);
  });

  it('a label, a condition, a bare appVersion of its own or an unknown function is no tag default', () => {
    const text = 'app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}\n'
      + '{{- if semverCompare ">=1.4.0-0" (coalesce .Values.image.tag .Chart.AppVersion) }}\n'
      + 'version: {{ .Chart.AppVersion | quote }}\n{{ .Chart.AppVersion }}\n'
      + '{{ default (cat "v" .Chart.AppVersion) .Values.image.tag }}\n{{ printf "%s-%s" .Chart.AppVersion .Values.x }}\n'
      + '{{/* default (printf "v%s" .Chart.AppVersion) .Values.image.tag */}}\n';
    assert.deepEqual(tagRenderings(text), []);
  });

  it("the map's own default decides; a map the templates do not name takes the chart's agreement, none or two: the bare appVersion", () => {
    const mixed = chartReading('ambiguous');
    assert.deepEqual(templateTagAffix(mixed, ['image']), v);
    assert.deepEqual(templateTagAffix(mixed, ['sidecar', 'image']), bare);
    assert.equal(templateTagAffix(mixed, ['other', 'image']), undefined);
    assert.equal(templateTagAffix(mixed), undefined);
    assert.deepEqual(templateTagAffix(chartReading('vprefix'), ['image']), v);
    assert.deepEqual(templateTagAffix(chartReading('vprefix')), v);
    assert.deepEqual(templateTagAffix(chartReading('bare')), bare);
    assert.equal(templateTagAffix(chartReading('nodefault'), ['image']), undefined);
  });

  it('the tag deployed: the appVersion as printed, or as written when the templates do not say', () => {
    assert.deepEqual(chartTag('2.13.0', v), { tag: 'v2.13.0', appVersion: '2.13.0', rendered: true });
    assert.deepEqual(chartTag('2.13.0', bare), { tag: '2.13.0', appVersion: '2.13.0', rendered: true });
    assert.deepEqual(chartTag('2.13.0', undefined), { tag: '2.13.0', appVersion: '2.13.0', rendered: false });
  });

  it('a hostile template (a long run of `{{` without `}}`, long actions and lines) is read in linear time', () => {
    const small = 20000;
    const time = (n: number) => {
      const texts = [
        '{{'.repeat(n),
        `{{ ${'( default .Chart.AppVersion '.repeat(n)}`,
        `{{ ${'.Chart.AppVersion .tag default | '.repeat(n)} }}`,
        `${'x'.repeat(n * 10)}{{ .Values.image.tag | default .Chart.AppVersion }}`.repeat(4),
        '{{ if .tag }}'.repeat(n) + '{{ print "v" .Chart.AppVersion }}'.repeat(n),
        `{{ "${'\\"'.repeat(n)}`,
      ];
      const start = process.hrtime.bigint();
      for (const t of texts) tagRenderings(t);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    // The best of three runs each: a busy machine slows a run, never speeds one up.
    const best = (n: number) => Math.min(time(n), time(n), time(n));
    const a = best(small);
    const b = best(small * 10);
    // Ten times the text: well under a hundred times the time (quadratic would be ~100x).
    assert.ok(b < Math.max(a, 5) * 30, `${a.toFixed(1)} ms, then ${b.toFixed(1)} ms for 10x`);
  });
});
