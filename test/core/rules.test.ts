/** The policy decisions: floating sets, severities, allowances and their expiry, pull policies. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../server/src/core/config';
import { extractLocated, findingsFor } from '../../server/src/scan/checkText';
import { checkText, configErrorOf, configFrom, triples } from '../helpers/check';

const pod = (image: string, extra = '') => `kind: Pod\nspec:\n  containers:\n    - name: c\n      image: ${image}\n${extra}`;

describe('rules', () => {
  it('classifies tags: missing, floating (default set and suffixes, any case), other tags, digests', () => {
    const rule = (image: string) => checkText(pod(image))[0]?.rule ?? 'none';
    assert.equal(rule('nginx'), 'missing-tag');
    for (const tag of ['latest', 'LATEST', 'main', 'dev', 'edge', 'stable', 'prod', 'lts', '1.2-latest', 'v3-nightly', 'x-SNAPSHOT']) {
      assert.equal(rule(`nginx:${tag}`), 'floating-tag', tag);
    }
    for (const tag of ['1.27', 'v1.31.0', 'sha-3f9c2a1', 'latest_release', 'latest-1']) assert.equal(rule(`nginx:${tag}`), 'unpinned-tag', tag);
    assert.equal(rule(`nginx@sha256:${'a'.repeat(64)}`), 'none');
    assert.equal(rule(`nginx:latest@sha256:${'a'.repeat(64)}`), 'none');
    assert.equal(rule('nginx@sha256:abc123'), 'invalid-reference');
  });

  it('messages lead with the problem and do not repeat the reference (the Problems panel cuts long lines)', () => {
    const message = (image: string) => checkText(pod(image))[0].message;
    assert.equal(message('ghcr.io/acme/api:main'), 'floating tag "main": pin it to a digest');
    assert.equal(message('nginx:1.27'), 'tag "1.27" without a digest can be pushed again: pin it to a digest');
    assert.equal(message('nginx'), 'no tag or digest, so it pulls whatever "latest" is: pin it to a digest');
    assert.equal(message('nginx@sha256:abc123'), 'invalid image reference: digest "sha256:abc123" must be 64 lowercase hex characters after "sha256:" (found 6)');
  });

  it('a tag floating under one config and not under another gets each rule its own message (messages are made once per tag)', () => {
    const loose = configFrom('floatingTags: []\n');
    const seen = (config?: ReturnType<typeof configFrom>) => checkText(pod('nginx:rolling-9'), config ? { config } : {})[0];
    const strict = configFrom('floatingTags: ["rolling-*"]\n');
    for (const order of [[strict, loose], [loose, strict]]) {
      for (const config of order) {
        const f = seen(config);
        if (config === strict) assert.deepEqual([f.rule, f.message], ['floating-tag', 'floating tag "rolling-9": pin it to a digest']);
        else assert.deepEqual([f.rule, f.message], ['unpinned-tag', 'tag "rolling-9" without a digest can be pushed again: pin it to a digest']);
      }
    }
    assert.equal(checkText(pod('nginx:rolling-10'), { config: strict })[0].message, 'floating tag "rolling-10": pin it to a digest');
  });

  it('an empty Helm tag names the chart appVersion it falls back to, when the chart says it', () => {
    const values = 'image:\n  repository: acme/web\n  tag: ""\n';
    const extraction = extractLocated(values, { path: 'values.yaml' });
    const config = defaultConfig('/repo');
    assert.deepEqual(
      findingsFor(extraction, config, 'values.yaml', '2026-11-26', { tag: '2.8.1', appVersion: '2.8.1', rendered: false }).map((f) => f.message),
      ['empty tag deploys 2.8.1 from Chart.yaml appVersion, which can be pushed again: pin it to a digest'],
    );
    assert.match(findingsFor(extraction, config, 'values.yaml', '2026-11-26')[0].message, /^empty tag: the chart fills in its appVersion/);
  });

  it('default severities: floating and missing are errors, other tags warnings', () => {
    assert.equal(checkText(pod('nginx:dev'))[0].severity, 'error');
    assert.equal(checkText(pod('nginx'))[0].severity, 'error');
    assert.equal(checkText(pod('nginx:1.27'))[0].severity, 'warning');
  });

  it('severity overrides and off', () => {
    const config = configFrom('severity:\n  floating-tag: warning\n  unpinned-tag: off\n');
    assert.deepEqual(
      checkText(pod('nginx:dev'), { config }).map((s) => s.severity),
      ['warning'],
    );
    assert.deepEqual(checkText(pod('nginx:1.27'), { config }), []);
  });

  it('a custom floating set replaces the default one', () => {
    const config = configFrom('floatingTags: [latest, "release-*"]\n');
    assert.equal(checkText(pod('nginx:release-2024'), { config })[0].rule, 'floating-tag');
    assert.equal(checkText(pod('nginx:dev'), { config })[0].rule, 'unpinned-tag');
  });

  const allow = (until: string, extra = '') =>
    configFrom(`allowances:\n  - paths: ["dev/**"]\n    images: ["ghcr.io/acme/*"]\n    until: ${until}\n    reason: fast iteration\n${extra}`);

  it('an active allowance permits a floating tag only with imagePullPolicy: Always', () => {
    const config = allow('2027-01-31');
    const withAlways = pod('ghcr.io/acme/api:dev', '      imagePullPolicy: Always\n');
    assert.deepEqual(checkText(withAlways, { config, path: 'dev/deploy.yaml' }), []);
    const without = checkText(pod('ghcr.io/acme/api:dev'), { config, path: 'dev/deploy.yaml' });
    assert.deepEqual(triples(without), [['pull-policy', 5, 'ghcr.io/acme/api:dev']]);
    assert.equal(without[0].severity, 'warning');
    assert.match(without[0].message, /imagePullPolicy: Always/);
    const ifNotPresent = checkText(pod('ghcr.io/acme/api:dev', '      imagePullPolicy: IfNotPresent\n'), { config, path: 'dev/deploy.yaml' });
    assert.match(ifNotPresent[0].message, /"IfNotPresent"/);
  });

  it('an allowance covers only its paths and images', () => {
    const config = allow('2027-01-31');
    assert.equal(checkText(pod('ghcr.io/acme/api:dev'), { config, path: 'prod/deploy.yaml' })[0].rule, 'floating-tag');
    assert.equal(checkText(pod('docker.io/nginx:dev'), { config, path: 'dev/deploy.yaml' })[0].rule, 'floating-tag');
  });

  it('an expired allowance turns what it covered into expired-allowance errors, naming the date and reason', () => {
    const config = allow('2026-10-31');
    const seen = checkText(pod('ghcr.io/acme/api:dev', '      imagePullPolicy: Always\n'), { config, path: 'dev/deploy.yaml', today: '2026-11-26' });
    assert.deepEqual(triples(seen), [['expired-allowance', 5, 'ghcr.io/acme/api:dev']]);
    assert.equal(seen[0].severity, 'error');
    assert.match(seen[0].message, /expired on 2026-10-31.*fast iteration/);
    // The last day is still allowed.
    assert.deepEqual(checkText(pod('ghcr.io/acme/api:dev', '      imagePullPolicy: Always\n'), { config, path: 'dev/deploy.yaml', today: '2026-10-31' }), []);
  });

  it('Helm and Compose pull policies count; Kustomize overrides defer to the container', () => {
    const config = configFrom('allowances:\n  - images: ["acme/*", "redis"]\n    until: 2099-01-01\n');
    assert.deepEqual(checkText('image:\n  repository: acme/web\n  tag: dev\n  pullPolicy: Always\n', { config }), []);
    assert.equal(checkText('image:\n  repository: acme/web\n  tag: dev\n', { config })[0].rule, 'pull-policy');
    assert.deepEqual(checkText('services:\n  cache:\n    image: redis:latest\n    pull_policy: always\n', { config }), []);
    assert.equal(checkText('services:\n  cache:\n    image: redis:latest\n', { config })[0].rule, 'pull-policy');
    assert.deepEqual(checkText('kind: Kustomization\nimages:\n  - name: acme/web\n    newTag: dev\n', { config }), []);
  });

  it('a digest never needs a pull policy, even under an allowance', () => {
    const config = allow('2027-01-31');
    assert.deepEqual(checkText(pod(`ghcr.io/acme/api:dev@sha256:${'b'.repeat(64)}`), { config, path: 'dev/x.yaml' }), []);
  });

  it('the renewed allowance wins over an expired one for the same images', () => {
    const config = configFrom('allowances:\n  - images: [nginx]\n    until: 2025-01-01\n  - images: [nginx]\n    until: 2099-01-01\n');
    assert.deepEqual(checkText(pod('nginx:dev', '      imagePullPolicy: Always\n'), { config }), []);
  });
});

describe('config validation', () => {
  const errorOf = configErrorOf;

  it('names the file, line, column and key of each problem', () => {
    const e = errorOf('floatingTags: [latest]\nseverity:\n  floating-tag: loud\n');
    assert.equal(e.file, '/repo/.image-pin.yaml');
    assert.equal(e.line, 3);
    assert.equal(e.key, 'severity.floating-tag');
    assert.match(e.message, /^\/repo\/\.image-pin\.yaml:3:17: severity\.floating-tag: must be error, warning/);
  });

  it('rejects unknown keys, unknown rules, bad dates, missing until and wrong types', () => {
    assert.match(errorOf('floatingTag: [x]\n').message, /:1:1: floatingTag: unknown setting/);
    assert.match(errorOf('severity: {no-such-rule: error}\n').message, /unknown rule/);
    assert.match(errorOf('allowances:\n  - images: [x]\n    until: 2026-02-30\n').message, /:3:12: allowances\[0\]\.until: must be a date/);
    assert.match(errorOf('allowances:\n  - images: [x]\n').message, /until: is required/);
    assert.match(errorOf('imageKeys: sidecarImage\n').message, /imageKeys: must be a list of strings/);
    assert.match(errorOf('maxFileSize: -1\n').message, /positive whole number/);
    assert.match(errorOf('include: [a\n').message, /not valid YAML/);
  });

  it('reads stages in promotion order and allowances by stage; bad stages are located errors', () => {
    const config = configFrom('stages:\n  - name: dev\n    paths: [overlays/dev]\n  - name: prod\n    paths: [overlays/prod, "charts/*/values-prod.yaml"]\nallowances:\n  - stages: [dev]\n    until: 2027-01-01\n');
    assert.deepEqual(config.stages, [{ name: 'dev', paths: ['overlays/dev'] }, { name: 'prod', paths: ['overlays/prod', 'charts/*/values-prod.yaml'] }]);
    assert.deepEqual(config.allowances[0].stages, ['dev']);
    assert.match(errorOf('stages: dev\n').message, /:1:9: stages: must be a list of \{name, paths\}/);
    assert.match(errorOf('stages:\n  - name: dev\n').message, /:2:5: stages\[0\]\.paths: is required/);
    assert.match(errorOf('stages:\n  - paths: [a]\n').message, /stages\[0\]\.name: is required/);
    assert.match(errorOf('stages:\n  - {name: dev, paths: [a]}\n  - {name: dev, paths: [b]}\n').message, /:3:12: stages\[1\]\.name: "dev" is already a stage/);
    assert.match(errorOf('stages:\n  - {name: dev, paths: [a], order: 1}\n').message, /stages\[0\]\.order: unknown key/);
    assert.match(errorOf('allowances:\n  - stages: prod\n    until: 2027-01-01\n').message, /:2:13: allowances\[0\]\.stages: must be a list of strings/);
  });

  it('an empty file is the default config', () => {
    assert.deepEqual(configFrom('').allowances, []);
    assert.deepEqual(configFrom('# nothing yet\n').floatingTags.includes('latest'), true);
  });
});
