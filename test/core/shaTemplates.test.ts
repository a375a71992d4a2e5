/** How a chart's templates render an image map's `sha`: read from template text, decided per map or chart-wide. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shaRenderings, templateShaForm } from '../../server/src/core/shaTemplates';

const am = ['alertmanager', 'alertmanagerSpec', 'image'];

describe('sha in chart templates', () => {
  it('`@sha256:{{ … .sha }}` is the hex alone, `@{{ … .sha }}` the whole digest, with the map they name', () => {
    const text = 'image: "{{ $r }}/{{ .Values.alertmanager.alertmanagerSpec.image.repository }}:{{ .Values.alertmanager.alertmanagerSpec.image.tag }}@sha256:{{ .Values.alertmanager.alertmanagerSpec.image.sha }}"\n'
      + 'image: "{{ .Values.ksm.image.repository }}:{{ .Values.ksm.image.tag }}@{{- .Values.ksm.image.sha -}}"\n';
    assert.deepEqual(shaRenderings(text), [
      { subject: '.Values.alertmanager.alertmanagerSpec.image', form: 'hex' },
      { subject: '.Values.ksm.image', form: 'whole' },
    ]);
    // The map's own rendering decides, even with another form elsewhere in the chart.
    assert.equal(templateShaForm(shaRenderings(text), am), 'hex');
    assert.equal(templateShaForm(shaRenderings(text), ['ksm', 'image']), 'whole');
    // A map the templates do not name: two forms in the chart, none chosen.
    assert.equal(templateShaForm(shaRenderings(text), ['other', 'image']), undefined);
  });

  it('printf formats: the verb the `sha` fills, after `@sha256:` or `@`', () => {
    assert.deepEqual(shaRenderings('{{ printf "%s:%s@sha256:%s" .repository .tag .sha }}'), [{ subject: '', form: 'hex' }]);
    assert.deepEqual(shaRenderings('{{- printf "%s/%s:%s@%s" .registry .repository .tag $img.sha -}}'), [{ subject: '$img', form: 'whole' }]);
    assert.equal(templateShaForm(shaRenderings('{{ printf "%s@sha256:%s" .repository .sha }}'), am), 'hex');
  });

  it('a condition, a `sha256` field or a sha written elsewhere is not a rendering; none found decides nothing', () => {
    const text = '{{- if and .Values.a.image.tag .Values.a.image.sha }}\n{{ .Values.a.image.sha256 }}\nsha: {{ .Values.a.image.sha }}\n{{ .Values.a.image.sha | quote }}\n';
    assert.deepEqual(shaRenderings(text), []);
    assert.equal(templateShaForm([], am), undefined);
  });

  it('one form for every rendering in the chart decides for a map passed to a helper', () => {
    const helper = '{{- define "x.image" -}}{{ .repository }}:{{ .tag }}@sha256:{{ .sha }}{{- end -}}';
    assert.equal(templateShaForm(shaRenderings(helper), am), 'hex');
    assert.equal(templateShaForm([...shaRenderings(helper), { subject: '', form: 'whole' }], am), undefined);
  });
});
