/**
 * A scan of many files reads them on a helper thread ahead of the extraction (scan/readAhead.ts). What
 * it finds must be exactly what reading each file on the main thread finds: every file's sites and
 * facts in its own place, and a file that cannot be read, is too large or is binary reported as before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExtractJob, extractFile, extractMany } from '../../server/src/scan/extractFiles';
import { ReadAhead } from '../../server/src/scan/readAhead';
import { tempDir } from '../helpers/tempDir';

describe('reading ahead on a helper thread', () => {
  const dir = tempDir('image-pin-read-ahead-');

  it('hands back each file as fs.readFileSync reads it, and null for one it cannot read', async () => {
    const files = ['a.yaml', 'b.yaml', 'empty.yaml'].map((n) => path.join(dir, n));
    fs.writeFileSync(files[0], 'image: nginx:1.27\n');
    fs.writeFileSync(files[1], Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x3a, 0x20, 0xc3, 0xa9, 0x0a]));
    fs.writeFileSync(files[2], '');
    const reader = new ReadAhead();
    try {
      const read = await reader.read([...files, path.join(dir, 'missing.yaml'), dir]);
      assert.ok(read);
      assert.equal(read.length, 5);
      files.forEach((f, i) => assert.deepEqual(Buffer.from(read[i]!), fs.readFileSync(f)));
      assert.equal(read[3], null, 'a missing file');
      assert.equal(read[4], null, 'a folder');
    } finally {
      reader.close();
    }
  });

  it('finds in a scan of 700 files what reading each file here finds, in the same order', async () => {
    const jobs: ExtractJob[] = [];
    const add = (name: string, content: string | Buffer, opts: { maxFileSize?: number; listedSize?: number } = {}) => {
      const file = path.join(dir, 'tree', name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      const st = fs.statSync(file);
      jobs.push({ absolute: file, imageKeys: [], maxFileSize: opts.maxFileSize ?? 1 << 20, stat: { size: opts.listedSize ?? st.size, mtimeMs: st.mtimeMs } });
    };
    for (let i = 0; i < 700; i++) {
      // Sizes vary so that batches (by bytes and by count) do not line up with anything.
      const pad = '#'.repeat((i * 7919) % 3000);
      if (i === 13) add(`f${i}.yaml`, Buffer.from([0x61, 0x00, 0x62]));
      else if (i === 77) add(`f${i}.yaml`, `image: big:${i}\n${pad}`, { maxFileSize: 10 });
      else if (i === 301) {
        add(`f${i}.yaml`, `image: gone:${i}\n`);
        fs.unlinkSync(jobs[jobs.length - 1].absolute);
      } else if (i === 555) {
        fs.mkdirSync(path.join(dir, 'tree', `d${i}.yaml`), { recursive: true });
        jobs.push({ absolute: path.join(dir, 'tree', `d${i}.yaml`), imageKeys: [], maxFileSize: 1 << 20, stat: { size: 4096, mtimeMs: 0 } });
      } else add(`f${i}.yaml`, `${pad}\napiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  containers:\n    - name: c\n      image: registry.example/app${i}:1.${i}\n`);
    }
    const outcomes = await extractMany(jobs, { workers: 1 });
    const expected = jobs.map((job) => extractFile(job));
    assert.deepEqual(outcomes, expected);
    // The cases are what they say.
    assert.equal(outcomes.filter((o) => o.kind === 'extracted' && o.extraction.sites.length === 1).length, 696);
    const reason = (i: number) => (outcomes[i].kind === 'extracted' ? 'extracted' : (outcomes[i] as { reason: string }).reason);
    assert.equal(reason(13), 'skipped: binary file');
    assert.match(reason(77), /^skipped: .* over the 10 bytes limit/);
    assert.equal(reason(301), 'cannot read: no such file or folder');
    assert.equal(reason(555), 'cannot read: is a folder');
  });
});
