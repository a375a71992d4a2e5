/**
 * The small core additions the language server needs: which keys a config file sets and the merge
 * with editor settings, a scan with a caller's config resolver, and a registry client that can say
 * what it has cached without sending a request.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, parseConfig, withFallback } from '../../server/src/core/config';
import { parseReference } from '../../server/src/core/reference';
import { EditorConfigResolver } from '../../server/src/lsp/policy';
import { RegistryClient } from '../../server/src/registry';
import { scan } from '../../server/src/scan/scanner';
import { seedStandard, startFaultProxy, startRegistry } from '../helpers/registry';

describe('config keys a file sets, and the merge with settings', () => {
  it('parseConfig records the keys the file sets, in order; an empty file sets none', () => {
    assert.deepEqual(parseConfig('pinStyle: digest\nseverity: {unpinned-tag: off}\n', '/r/.image-pin.yaml').explicitKeys, ['pinStyle', 'severity']);
    assert.deepEqual(parseConfig('', '/r/.image-pin.yaml').explicitKeys, []);
    assert.equal(defaultConfig('/r').explicitKeys, undefined);
  });

  it('withFallback: keys the file sets win, every other key comes from the fallback', () => {
    const file = parseConfig('severity: {unpinned-tag: hint}\nfloatingTags: [latest]\n', '/r/.image-pin.yaml');
    const merged = withFallback(file, { severity: { 'unpinned-tag': 'error' }, floatingTags: ['dev'], pinStyle: 'digest', imageKeys: ['sidecarImage'] });
    assert.deepEqual(merged.severity, { 'unpinned-tag': 'hint' });
    assert.deepEqual(merged.floatingTags, ['latest']);
    assert.equal(merged.pinStyle, 'digest');
    assert.deepEqual(merged.imageKeys, ['sidecarImage']);
    assert.equal(merged.baseDir, file.baseDir);
    assert.deepEqual(file.pinStyle, 'tag-digest', 'the file config itself is not changed');
    // Without a file every key is open to the fallback; undefined values change nothing.
    assert.equal(withFallback(defaultConfig('/r'), { pinStyle: undefined }).pinStyle, 'tag-digest');
    assert.equal(withFallback(defaultConfig('/r'), { pinStyle: 'digest' }).pinStyle, 'digest');
  });
});

describe('scan with a caller-supplied resolver', () => {
  it('judges every file with the configs the resolver gives (editor settings merged in)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-core-ext-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'image: nginx:1.27\n');
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(path.join(dir, 'sub', '.image-pin.yaml'), 'severity: {unpinned-tag: hint}\n');
      fs.writeFileSync(path.join(dir, 'sub', 'b.yaml'), 'image: nginx:1.27\n');
      const severities = (r: Awaited<ReturnType<typeof scan>>) => r.files.flatMap((f) => f.findings.map((x) => `${path.relative(dir, f.absolute)} ${x.severity}`));
      assert.deepEqual(severities(await scan([dir], { cacheDir: false })), ['a.yaml warning', 'sub/b.yaml hint']);
      const resolver = new EditorConfigResolver(dir, { severity: { 'unpinned-tag': 'error' } });
      assert.deepEqual(severities(await scan([dir], { cacheDir: false, resolver })), ['a.yaml error', 'sub/b.yaml hint'], 'the settings fill in only where the file is silent');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RegistryClient.cached', () => {
  it('answers from the cache only: nothing before a lookup, the lookup after it, never a request', async () => {
    const reg = await startRegistry();
    const proxy = await startFaultProxy(reg.url);
    const client = new RegistryClient({ env: {} });
    try {
      const seeded = await seedStandard(reg);
      const ref = (parseReference(`${proxy.host}/multi:1.0`) as { ok: true; ref: Parameters<RegistryClient['resolve']>[0] }).ref;
      assert.equal(client.cached(ref), undefined);
      assert.equal(proxy.requests.length, 0);
      const resolved = await client.resolve(ref, { withPlatforms: true });
      const requests = proxy.requests.length;
      const cached = client.cached(ref)!;
      assert.equal(proxy.requests.length, requests);
      assert.equal(cached.digest, seeded['multi:1.0'].digest);
      assert.deepEqual(cached, resolved);
      assert.deepEqual(cached.platforms?.map((p) => p.architecture), ['amd64', 'arm64']);
      client.clearCache();
      assert.equal(client.cached(ref), undefined);
    } finally {
      await client.close();
      await proxy.stop();
      await reg.stop();
    }
  });
});
