/**
 * The chart's templates read for how an empty `sha` is rendered (scan/chartTemplates.ts): only the
 * chart's own `templates/` folder, never through a symbolic link (which may point out of the
 * repository), never a file too large to be a template; a template changed on disk is read again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_TEMPLATE_BYTES, chartShaForm } from '../../server/src/scan/chartTemplates';
import { tempDir } from '../helpers/tempDir';

const HEX = 'image: "{{ .Values.app.image.repository }}:{{ .Values.app.image.tag }}@sha256:{{ .Values.app.image.sha }}"\n';
const WHOLE = 'image: "{{ .Values.app.image.repository }}:{{ .Values.app.image.tag }}@{{ .Values.app.image.sha }}"\n';
const map = ['app', 'image'];

/** A repository with a chart at `chart/` and a folder outside it (`outside/`), both under one temp folder. */
function layout(): { chart: string; values: string; templates: string; outside: string } {
  const root = tempDir('image-pin-chart-templates-');
  const chart = path.join(root, 'repo', 'chart');
  const templates = path.join(chart, 'templates');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(templates, { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 0.1.0\n');
  const values = path.join(chart, 'values.yaml');
  fs.writeFileSync(values, 'app:\n  image:\n    repository: acme/app\n    tag: "1.0"\n    sha: ""\n');
  fs.writeFileSync(path.join(templates, 'service.yaml'), 'kind: Service\n');
  return { chart, values, templates, outside };
}

describe('chart templates for an empty sha', () => {
  it('finds the form in the templates of the chart around a values file, beside it or two folders up', () => {
    const l = layout();
    fs.writeFileSync(path.join(l.templates, 'deployment.yaml'), HEX);
    assert.equal(chartShaForm(l.values, map), 'hex');
    fs.mkdirSync(path.join(l.chart, 'ci', 'prod'), { recursive: true });
    assert.equal(chartShaForm(path.join(l.chart, 'ci', 'prod', 'values.yaml'), map), 'hex');
    // Outside any chart: nothing decided.
    assert.equal(chartShaForm(path.join(l.outside, 'values.yaml'), map), undefined);
  });

  it('never follows a link out of the chart, to a file or a folder', () => {
    const l = layout();
    fs.writeFileSync(path.join(l.outside, 'evil.yaml'), HEX);
    fs.symlinkSync(path.join(l.outside, 'evil.yaml'), path.join(l.templates, 'linked.yaml'));
    fs.symlinkSync(l.outside, path.join(l.templates, 'linked-folder'));
    assert.equal(chartShaForm(l.values, map), undefined);
    // The templates folder itself a link out: not read either.
    fs.rmSync(l.templates, { recursive: true });
    fs.symlinkSync(l.outside, l.templates);
    assert.equal(chartShaForm(l.values, map), undefined);
  });

  it('leaves out a file too large to be a template', () => {
    const l = layout();
    fs.writeFileSync(path.join(l.templates, 'huge.yaml'), HEX + '#'.repeat(MAX_TEMPLATE_BYTES));
    assert.equal(chartShaForm(l.values, map), undefined);
    fs.writeFileSync(path.join(l.templates, 'small.yaml'), WHOLE);
    assert.equal(chartShaForm(l.values, map), 'whole');
  });

  it('reads a template again when it changed on disk (size or modification time), also when the old reading was kept', () => {
    const l = layout();
    const file = path.join(l.templates, 'deployment.yaml');
    const past = (s: number) => fs.utimesSync(file, new Date(Date.now() - s * 1000), new Date(Date.now() - s * 1000));
    fs.writeFileSync(file, WHOLE);
    past(100);
    assert.equal(chartShaForm(l.values, map), 'whole');
    fs.writeFileSync(file, HEX);
    past(50);
    assert.equal(chartShaForm(l.values, map), 'hex');
    // Two forms for the same map: nothing decided.
    fs.writeFileSync(path.join(l.templates, 'other.yaml'), WHOLE);
    assert.equal(chartShaForm(l.values, map), undefined);
  });

  it('a hostile template (unclosed actions, long field chains) is read in one pass', () => {
    const l = layout();
    const chain = `{{ ${'.a'.repeat(20000)}.sha ${'.b'.repeat(20000)}${'.sha'.repeat(50000)}`;
    fs.writeFileSync(path.join(l.templates, 'hostile.yaml'), `${'{{ '.repeat(30000)}${chain}\n${HEX}`);
    // The unclosed actions swallow the rest up to the first `}}`: the rendering after it is still found.
    assert.equal(chartShaForm(l.values, map), 'hex');
  });
});
