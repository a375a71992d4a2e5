/**
 * `image-pin check` on charts whose templates default an empty tag differently (test/fixtures/tagDefaults):
 * the finding names the tag the chart deploys (`v2.13.0` where the templates print `v` + appVersion),
 * one file alone (its finding) and the chart's environments (the environment model, per map).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cliRun';
import { fixture } from '../helpers/paths';
import { tempDir } from '../helpers/tempDir';
import { chartTagOf } from '../../server/src/scan/chartTemplates';

/** A copy of the fixture charts (the scan cache and any edit stay out of the source tree). */
function copy(): string {
  const root = tempDir('image-pin-tag-defaults-');
  fs.cpSync(fixture('tagDefaults'), root, { recursive: true });
  return root;
}

interface JsonFinding {
  file: string;
  rule: string;
  message: string;
  image: string;
}

async function findings(cwd: string, ...paths: string[]): Promise<JsonFinding[]> {
  const r = await runCli(['check', '--no-cache', '--format', 'json', ...paths], cwd);
  assert.equal(r.code, 1, r.stderr);
  return (JSON.parse(r.stdout).findings as JsonFinding[]).map(({ file, rule, message, image }) => ({ file, rule, message, image }));
}

describe('an empty tag deploys what the chart templates make of appVersion', () => {
  it('one values file: its finding names v2.13.0 where the templates print `v`, the appVersion where they do not say or disagree', async () => {
    const root = copy();
    const got = await findings(root, 'vprefix/values.yaml', 'bare/values.yaml', 'nodefault/values.yaml', 'ambiguous/values.yaml');
    const byFile = (f: string) => got.filter((x) => x.file === f).map((x) => x.message);
    assert.deepEqual(byFile('vprefix/values.yaml'), [
      "empty tag deploys v2.13.0 from Chart.yaml appVersion 2.13.0 as the chart's templates print it, which can be pushed again: pin it to a digest",
    ]);
    const plain = 'empty tag deploys 2.13.0 from Chart.yaml appVersion, which can be pushed again: pin it to a digest';
    assert.deepEqual(byFile('bare/values.yaml'), [plain]);
    assert.deepEqual(byFile('nodefault/values.yaml'), [plain]);
    // One file's sites do not know their map's path: the chart's two defaults disagree, so the appVersion as written.
    assert.deepEqual(byFile('ambiguous/values.yaml'), [plain, plain]);
  });

  it("the chart's environments deploy each map's own default: v2.13.0 for `image`, 2.13.0 for `sidecar.image`", async () => {
    const root = copy();
    const got = await findings(root, '.');
    const images = got.map((f) => f.image).sort();
    assert.deepEqual(images, [
      'registry.example.com/team/exporter:2.13.0', // bare
      'registry.example.com/team/exporter:2.13.0', // nodefault
      'registry.example.com/team/exporter:v2.13.0', // ambiguous: image
      'registry.example.com/team/exporter:v2.13.0', // vprefix
      'registry.example.com/team/reloader:2.13.0', // ambiguous: sidecar.image
    ]);
    const prod = got.find((f) => f.file === 'ambiguous/values-prod.yaml');
    assert.match(prod?.message ?? '', /^tag "v2\.13\.0" without a digest/);
    const envs = await runCli(['envs', '--no-cache', 'ambiguous'], root);
    assert.match(envs.stdout, /registry\.example\.com\/team\/exporter:v2\.13\.0/);
    assert.match(envs.stdout, /registry\.example\.com\/team\/reloader:2\.13\.0/);
  });

  it('promote writes the tag the chart deploys beside the digest it copies: v2.13.0', async () => {
    const root = copy();
    const digest = `sha256:${'a'.repeat(64)}`;
    fs.writeFileSync(path.join(root, 'vprefix', 'values-dev.yaml'), `image:\n  digest: ${digest}\n`);
    fs.writeFileSync(path.join(root, 'vprefix', 'values-prod.yaml'), 'image:\n  registry: registry.example.com\n');
    const r = await runCli(['promote', '--from', 'dev', '--to', 'prod', '--write', 'vprefix'], root);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(fs.readFileSync(path.join(root, 'vprefix', 'values-prod.yaml'), 'utf8'), `image:\n  registry: registry.example.com\n  tag: v2.13.0@${digest}\n`);
  });

  it('reads a template again when it changes: the default follows it', () => {
    const root = copy();
    const values = path.join(root, 'vprefix', 'values.yaml');
    assert.equal(chartTagOf(values)?.tag, 'v2.13.0');
    assert.equal(chartTagOf(values, undefined, ['image'])?.tag, 'v2.13.0');
    const helpers = path.join(root, 'vprefix', 'templates', '_helpers.tpl');
    fs.writeFileSync(helpers, fs.readFileSync(helpers, 'utf8').replace('(printf "v%s" .Chart.AppVersion)', '.Chart.AppVersion'));
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(helpers, old, old);
    assert.deepEqual(chartTagOf(values), { tag: '2.13.0', appVersion: '2.13.0', rendered: true });
    // Chart.yaml as open in an editor decides the appVersion the templates print.
    assert.equal(chartTagOf(values, (f) => (f.endsWith('Chart.yaml') ? 'appVersion: 3.0.0\n' : undefined))?.tag, '3.0.0');
  });
});
