/**
 * The scan cache (`server/src/scan/resultCache.ts`): what it gives back is what was extracted, a
 * changed file is never served from it, and a cache file that is not exactly its format is ignored.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResultCache } from '../../server/src/scan/resultCache';
import { extractFile } from '../../server/src/scan/extractFiles';
import type { JudgedExtraction } from '../../server/src/scan/checkText';
import { EXAMPLES, FIXTURES } from '../helpers/paths';
import { runCli, writeTree } from '../helpers/cliRun';
import { tempDir } from '../helpers/tempDir';

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e.name) && e.isFile() ? [p] : [];
  });
}

/** Sets the files' modification time an hour back. */
function backdate(files: string[]): void {
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const f of files) fs.utimesSync(f, hourAgo, hourAgo);
}

/** Every fixture and example extracted as a scan does, by path. */
function extractAll(): Map<string, { size: number; mtimeMs: number; extraction: JudgedExtraction }> {
  const out = new Map<string, { size: number; mtimeMs: number; extraction: JudgedExtraction }>();
  // Text beyond ASCII in facts and references: the facts are stored at byte offsets.
  const own = tempDir('ip-cache-text-');
  writeTree(own, {
    'a/values.yaml': '# 日本語\nimage:\n  repository: acme/wébapp\n  tag: "1.0"\nnote: ünïcode\n',
    'b/values.yaml': 'image:\n  repository: acme/app\n  tag: "2.0"\nname: "☃"\n',
    'c/deploy.yaml': 'kind: Deployment\nmetadata:\n  name: café\nspec:\n  template:\n    spec:\n      containers:\n        - name: ü\n          image: acme/ü:1.0\n',
  });
  // Written long ago, as far as the cache can tell: it keeps no entry of a file modified moments before its run.
  backdate(yamlFiles(own));
  for (const file of [...yamlFiles(own), ...yamlFiles(FIXTURES), ...yamlFiles(EXAMPLES)]) {
    const outcome = extractFile({ absolute: file, imageKeys: ['customImage'], maxFileSize: 4 * 1024 * 1024 });
    if (outcome.kind === 'extracted') out.set(file, { size: outcome.size, mtimeMs: outcome.mtimeMs, extraction: outcome.extraction });
  }
  return out;
}

/** The extraction as plain data, its facts read through the getter a cached one has. */
function plain(e: JudgedExtraction | undefined): unknown {
  return e && JSON.parse(JSON.stringify({ ...e, facts: e.facts }));
}

interface CacheParts {
  header: { records: number; mtimes: number[]; format: number; littleEndian: boolean };
  records: Int32Array;
  facts: Buffer;
}

/** A cache file taken apart: its JSON header, its records (4-byte integers after the header, aligned to 4) and its facts. */
function cacheParts(bytes: Buffer): CacheParts & { factsAt: number } {
  const magicEnd = bytes.indexOf(10) + 1;
  const eol = bytes.indexOf(10, magicEnd);
  const headerEnd = eol + 1 + Number(bytes.toString('latin1', magicEnd, eol));
  const header = JSON.parse(bytes.toString('utf8', eol + 1, headerEnd)) as CacheParts['header'];
  const recordsAt = Math.ceil(headerEnd / 4) * 4;
  const factsAt = recordsAt + header.records * 4;
  const records = new Int32Array(new Uint8Array(bytes.subarray(recordsAt, factsAt)).buffer);
  return { header, records, facts: bytes.subarray(factsAt), factsAt };
}

/** A cache file from its parts, laid out as the cache lays them out. */
function cacheBytes({ header, records, facts }: CacheParts): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.from(`image-pin scan cache\n${json.length}\n`);
  const pad = Buffer.alloc(Math.ceil((head.length + json.length) / 4) * 4 - (head.length + json.length));
  return Buffer.concat([head, json, pad, Buffer.from(records.buffer, records.byteOffset, records.byteLength), facts]);
}

function cacheFile(dir: string): string {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cache'));
  assert.equal(files.length, 1, `one cache file in ${dir}: ${files.join(', ')}`);
  return path.join(dir, files[0]);
}

describe('scan cache', () => {
  const all = extractAll();

  it('gives back every extraction of the fixtures as it was stored, through a save that rewrites loaded entries', () => {
    // What the fixtures hold must cover every part of an extraction the cache stores.
    const values = [...all.values()].map((v) => v.extraction);
    const sites = values.flatMap((e) => e.sites);
    for (const [part, has] of Object.entries({
      ignored: sites.some((s) => s.ignored),
      pullPolicy: sites.some((s) => s.pullPolicy),
      'pull policy value': sites.some((s) => s.pullPolicy?.value),
      helm: sites.some((s) => s.helm),
      'appVersion fallback': sites.some((s) => s.helm?.tagFromAppVersion),
      'invalid reference': sites.some((s) => s.grammar && !s.grammar.ok),
      digest: sites.some((s) => s.grammar?.ok && s.grammar.digest),
      'repository of a pinned tag': sites.some((s) => s.grammar?.ok && s.grammar.repository),
      syntaxErrors: values.some((e) => e.syntaxErrors.length),
      templated: values.some((e) => e.templated),
      declaresApp: values.some((e) => e.declaresApp),
      'patch image': values.some((e) => e.facts?.patches.some((p) => p.image)),
      'no facts': values.some((e) => !e.facts),
      'line starts of a kustomization': values.some((e) => e.lineStarts && e.lineStarts.length > 1),
      'non-ASCII facts': values.some((e) => e.facts && /[^\x00-\x7f]/.test(JSON.stringify(e.facts))),
    })) assert.ok(has, `the fixtures hold no extraction with ${part}`);

    const dir = tempDir('ip-cache-roundtrip-');
    const first = ResultCache.open(dir, ['/x'], '1');
    for (const [file, v] of all) first.set(file, v, 'customImage', v.extraction);
    first.save([...all.keys()]);
    // A second run that changes one file and drops another rewrites the others from the loaded file.
    const [changed, dropped] = [...all.keys()];
    const second = ResultCache.open(dir, ['/x'], '1');
    const v = all.get(changed)!;
    second.set(changed, { size: v.size + 1, mtimeMs: v.mtimeMs }, 'customImage', all.get(dropped)!.extraction);
    second.save([...all.keys()].filter((f) => f !== dropped));

    // A run that changes nothing and drops a file rewrites the cache without it.
    const [, , gone] = [...all.keys()];
    const dropOnly = ResultCache.open(dir, ['/x'], '1');
    assert.ok(dropOnly.get(gone, all.get(gone)!, 'customImage'));
    dropOnly.save([...all.keys()].filter((f) => f !== dropped && f !== gone));
    assert.equal(ResultCache.open(dir, ['/x'], '1').get(gone, all.get(gone)!, 'customImage'), undefined, 'a file dropped in a run that changed nothing');
    const keepAll = ResultCache.open(dir, ['/x'], '1');
    keepAll.save([...all.keys()].filter((f) => f !== dropped));
    const third = ResultCache.open(dir, ['/x'], '1');
    for (const [file, v] of all) {
      const got = third.get(file, v, 'customImage');
      if (file === dropped || file === gone) assert.equal(got, undefined, 'a file of no later run is dropped');
      else if (file === changed) {
        assert.equal(got, undefined, 'the old size is not served');
        assert.deepEqual(plain(third.get(file, { size: v.size + 1, mtimeMs: v.mtimeMs }, 'customImage')), plain(all.get(dropped)!.extraction));
      } else assert.deepEqual(plain(got), plain(v.extraction), path.relative(FIXTURES, file));
    }
    // Patch images come back as the very workload image they were (the model compares them so).
    for (const [file, v] of all) {
      const facts = third.get(file, v, 'customImage')?.facts;
      for (const p of facts?.patches ?? []) if (p.image) assert.ok(facts!.workloads.includes(p.image), file);
    }
  });

  it("serves each file its own entry whatever order a run lists files in, with files added and removed between", () => {
    const dir = tempDir('ip-cache-order-');
    // Files whose entries differ, all with one size and mtime: an entry served for the wrong file would pass the key check.
    const stored = [...all].filter(([, v]) => v.extraction.sites.length).slice(0, 6);
    const key = { size: 100, mtimeMs: 1_000_000.5 };
    const files = stored.map(([f]) => f);
    const first = ResultCache.open(dir, ['/x'], '1');
    for (const [file, v] of stored) first.set(file, key, 'k', v.extraction);
    first.save(files);
    const added = path.join(dir, 'added.yaml');
    const orders: Record<string, string[]> = {
      'as stored': files,
      reversed: [...files].reverse(),
      'one added between': [files[0], files[1], added, ...files.slice(2)],
      'one removed': [files[0], ...files.slice(2)],
      'pairs swapped': [files[1], files[0], files[3], files[2], files[5], files[4]],
      'one listed first': [files[4], ...files.filter((f) => f !== files[4])],
    };
    const check = (cache: ResultCache, order: string[], name: string) => {
      for (const file of order) {
        const got = cache.get(file, key, 'k');
        if (file === added) assert.equal(got, undefined, `${name}: a file the cache does not hold`);
        else assert.deepEqual(plain(got), plain(all.get(file)!.extraction), `${name}: ${path.relative(FIXTURES, file)}`);
      }
    };
    for (const [name, order] of Object.entries(orders)) check(ResultCache.open(dir, ['/x'], '1'), order, name);
    // A run that changes a file saves in its own order; the next run, in the stored order, still finds each entry.
    const again = ResultCache.open(dir, ['/x'], '1');
    const reversed = [...files].reverse();
    check(again, reversed.slice(0, 2), 'before the change');
    again.set(reversed[2], { size: 101, mtimeMs: key.mtimeMs }, 'k', all.get(reversed[2])!.extraction);
    again.save(reversed);
    const after = ResultCache.open(dir, ['/x'], '1');
    check(after, files.filter((f) => f !== reversed[2]), 'after a save in another order');
    assert.deepEqual(plain(after.get(reversed[2], { size: 101, mtimeMs: key.mtimeMs }, 'k')), plain(all.get(reversed[2])!.extraction));
  });

  it('serves an entry only for the same size, mtime and options', () => {
    const dir = tempDir('ip-cache-keys-');
    const [file, v] = [...all].find(([, x]) => x.extraction.sites.length)!;
    const cache = ResultCache.open(dir, ['/x'], '1');
    cache.set(file, v, 'a,b', v.extraction);
    cache.save([file]);
    const again = ResultCache.open(dir, ['/x'], '1');
    assert.ok(again.get(file, v, 'a,b'));
    assert.equal(again.get(file, { size: v.size + 1, mtimeMs: v.mtimeMs }, 'a,b'), undefined, 'another size');
    assert.equal(again.get(file, { size: v.size, mtimeMs: v.mtimeMs + 1 }, 'a,b'), undefined, 'another mtime');
    assert.equal(again.get(file, { size: v.size, mtimeMs: v.mtimeMs + 0.001 }, 'a,b'), undefined, 'an mtime a microsecond later');
    assert.equal(again.get(file, v, 'a'), undefined, 'other options');
    assert.equal(ResultCache.open(dir, ['/x'], '2').get(file, v, 'a,b'), undefined, 'another version');
    assert.equal(ResultCache.open(dir, ['/y'], '1').get(file, v, 'a,b'), undefined, 'other roots');
  });

  it('a cache file that is not exactly its format is an empty cache', () => {
    const dir = tempDir('ip-cache-corrupt-');
    const cache = ResultCache.open(dir, ['/x'], '1');
    for (const [file, v] of all) cache.set(file, v, '', v.extraction);
    cache.save([...all.keys()]);
    const file = cacheFile(dir);
    const good = fs.readFileSync(file);
    const { factsAt, ...parts } = cacheParts(good);
    assert.deepEqual(cacheBytes(parts), good, 'the test lays a cache file out as the cache does');
    const eol = good.indexOf(10, good.indexOf(10) + 1);
    const withHeader = (change: (h: CacheParts['header'], records: number[]) => void) => {
      const h = JSON.parse(JSON.stringify(parts.header)) as CacheParts['header'];
      const records = [...parts.records];
      change(h, records);
      return cacheBytes({ header: h, records: Int32Array.from(records), facts: parts.facts });
    };
    const variants: Record<string, Buffer> = {
      empty: Buffer.alloc(0),
      'cut in the facts': good.subarray(0, good.length - 10),
      'cut in the header': good.subarray(0, eol + 100),
      'a byte more': Buffer.concat([good, Buffer.from(' ')]),
      garbage: Buffer.from('\x00\x01 not a cache \xff'),
      'another format': withHeader((h) => (h.format += 1)),
      'records that do not add up': withHeader((h, r) => (r.pop(), (h.records -= 1))),
      'fewer records than the header says': withHeader((h) => (h.records += 1)),
      'a count out of its record': withHeader((h, r) => (r[6] = 1e6)),
      'mtimes that are not one per path': withHeader((h) => h.mtimes.pop()),
      "a record that names another file's mtime": withHeader((h, r) => (r[1] = 1)),
      'records in the other byte order': withHeader((h) => (h.littleEndian = !h.littleEndian)),
      'the old format (one JSON object)': Buffer.from(JSON.stringify(Object.fromEntries([...all].map(([f, v]) => [f, { size: v.size, mtimeMs: v.mtimeMs, options: '', extraction: v.extraction, ranges: [] }])))),
      'another magic line': Buffer.concat([Buffer.from('image-pin scan cachf\n'), good.subarray(21)]),
      'a header length that is not a number': Buffer.concat([Buffer.from('image-pin scan cache\n-1'), good.subarray(good.indexOf(10, 21))]),
    };
    const [someFile, some] = [...all][0];
    assert.ok(ResultCache.open(dir, ['/x'], '1').get(someFile, some, ''), 'the good file is read');
    for (const [name, bytes] of Object.entries(variants)) {
      fs.writeFileSync(file, bytes);
      const opened = ResultCache.open(dir, ['/x'], '1');
      for (const [f, v] of all) assert.equal(opened.get(f, v, ''), undefined, `${name}: ${f} served`);
    }
    // Facts that do not parse are none, and the rest of the entry is served.
    const [withFacts, v] = [...all].find(([, x]) => x.extraction.facts)!;
    const broken = Buffer.from(good);
    broken.fill('x', factsAt);
    fs.writeFileSync(file, broken);
    const got = ResultCache.open(dir, ['/x'], '1').get(withFacts, v, '');
    assert.ok(got);
    assert.equal(got.facts, undefined);
    assert.deepEqual(got.sites, JSON.parse(JSON.stringify(v.extraction.sites)));
  });

  it('check from a broken cache file prints what a cold check prints', async () => {
    const cacheHome = tempDir('ip-cache-cli-');
    const env = { XDG_CACHE_HOME: cacheHome };
    const args = ['check', 'examples', '--format', 'json', '--today', '2026-11-26'];
    const cwd = path.dirname(EXAMPLES);
    const cold = await runCli([...args, '--no-cache'], cwd);
    assert.equal(cold.code, 1, cold.stderr);
    const first = await runCli(args, cwd, env);
    assert.equal(first.stdout, cold.stdout);
    const file = cacheFile(path.join(cacheHome, 'image-pin'));
    const good = fs.readFileSync(file);
    assert.equal((await runCli(args, cwd, env)).stdout, cold.stdout, 'from the cache');
    const { factsAt } = cacheParts(good);
    assert.ok(factsAt < good.length, 'the examples have facts');
    for (const [name, bytes] of Object.entries({
      truncated: good.subarray(0, Math.floor(good.length / 2)),
      'facts that do not parse': Buffer.concat([good.subarray(0, factsAt), Buffer.alloc(good.length - factsAt, '}')]),
      garbage: Buffer.from('{"not": "a cache"}'),
    })) {
      fs.writeFileSync(file, bytes);
      const r = await runCli(args, cwd, env);
      assert.equal(r.code, cold.code, name);
      assert.equal(r.stdout, cold.stdout, name);
    }
  });

  it('a file edited to the same size is read again when its mtime changed, and so is one whose size changed with the same mtime', async () => {
    const dir = tempDir('ip-cache-edit-');
    const env = { XDG_CACHE_HOME: tempDir('ip-cache-edit-home-') };
    const file = path.join(dir, 'deploy.yaml');
    writeTree(dir, { 'deploy.yaml': 'image: acme/app:1.0.0\n', 'other.yaml': 'image: acme/other:1.0.0\n' });
    backdate([file, path.join(dir, 'other.yaml')]);
    const images = async () => {
      const r = await runCli(['check', '.', '--format', 'json'], dir, env);
      return (JSON.parse(r.stdout) as { findings: Array<{ image: string }> }).findings.map((f) => f.image).sort();
    };
    assert.deepEqual(await images(), ['acme/app:1.0.0', 'acme/other:1.0.0']);
    const before = fs.statSync(file);
    // The same size, a later mtime.
    fs.writeFileSync(file, 'image: acme/app:2.0.0\n');
    const later = new Date(before.mtimeMs + 5000);
    fs.utimesSync(file, later, later);
    assert.equal(fs.statSync(file).size, before.size);
    assert.deepEqual(await images(), ['acme/app:2.0.0', 'acme/other:1.0.0']);
    // Another size, the mtime the cache holds.
    fs.writeFileSync(file, 'image: acme/app:10.0.0\n');
    fs.utimesSync(file, later, later);
    assert.deepEqual(await images(), ['acme/app:10.0.0', 'acme/other:1.0.0']);
  });

  it("places an environment problem from the line starts its kustomization's entry keeps, never from a stale entry", async () => {
    const dir = tempDir('ip-cache-problem-');
    const env = { XDG_CACHE_HOME: tempDir('ip-cache-problem-home-') };
    const file = path.join(dir, 'overlay', 'kustomization.yaml');
    writeTree(dir, { 'overlay/kustomization.yaml': 'resources:\n  - ../missing\n' });
    backdate([file]);
    const problems = async () => {
      const r = await runCli(['check', '.', '--format', 'json'], dir, env);
      return (JSON.parse(r.stdout) as { environmentProblems: Array<{ line: number; column: number }> }).environmentProblems.map((p) => `${p.line}:${p.column}`);
    };
    assert.deepEqual(await problems(), ['2:5'], 'cold');
    assert.deepEqual(await problems(), ['2:5'], 'warm');
    const before = fs.statSync(file);
    // The same size and mtime, the entry a line lower: the cache's entry (span and line starts) is what
    // the warm run uses, so the problem stays where the entry says. Read again, the old offset would be 3:3.
    fs.writeFileSync(file, '#\nresources:\n- ../missing\n');
    fs.utimesSync(file, before.atime, before.mtime);
    assert.equal(fs.statSync(file).size, before.size);
    assert.deepEqual(await problems(), ['2:5'], 'from the entry, not from the file');
    // A later mtime: read again, placed where it now is.
    const later = new Date(before.mtimeMs + 5000);
    fs.utimesSync(file, later, later);
    assert.deepEqual(await problems(), ['3:3'], 'after an edit');
    assert.deepEqual(await problems(), ['3:3'], 'after an edit, warm');
    // Another size with the mtime the cache holds.
    fs.writeFileSync(file, '#\n\nresources:\n- ../missing\n');
    fs.utimesSync(file, later, later);
    assert.deepEqual(await problems(), ['4:3'], 'another size');
    assert.deepEqual(await problems(), ['4:3'], 'another size, warm');
  });

  it('keeps no entry of a file modified moments before the run: a same-size edit within its timestamp is read again', async () => {
    const dir = tempDir('ip-cache-racy-');
    const env = { XDG_CACHE_HOME: tempDir('ip-cache-racy-home-') };
    const file = path.join(dir, 'deploy.yaml');
    writeTree(dir, { 'deploy.yaml': 'image: acme/app:1.0.0\n' });
    const now = new Date();
    fs.utimesSync(file, now, now);
    const images = async () => {
      const r = await runCli(['check', '.', '--format', 'json'], dir, env);
      return (JSON.parse(r.stdout) as { findings: Array<{ image: string }> }).findings.map((f) => f.image);
    };
    assert.deepEqual(await images(), ['acme/app:1.0.0']);
    // Saved again within the same timestamp (a coarse file system, or two saves in one tick): size and mtime as before.
    fs.writeFileSync(file, 'image: acme/app:2.0.0\n');
    fs.utimesSync(file, now, now);
    assert.deepEqual(await images(), ['acme/app:2.0.0']);
  });
});
