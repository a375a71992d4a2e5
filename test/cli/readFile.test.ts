/**
 * Reading a listed file for a check (`readForCheck`): one open, fstat, read and close, with no stat by
 * path first. Whatever took the file's place since it was listed — a FIFO, a folder, a device — is
 * reported, never waited on or read without end; a file that grew or shrank since the caller stat-ed
 * it is read as it is now; too large, binary and missing files are reported as they always were.
 * Each read that could block runs in a child process with a timeout, so a regression fails instead
 * of hanging the suite.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readForCheck, readTextForScan, type ReadOutcome } from '../../server/src/scan/readFile';
import { readRegularFile } from '../../server/src/scan/files';

const READ_FILE = require.resolve('../../server/src/scan/readFile');
const FILES = require.resolve('../../server/src/scan/files');

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-readfile-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What a read says, asked in a child process that is killed if it does not answer within 10 s (null). */
function readElsewhere(call: string): unknown {
  const script = `const r = require(${JSON.stringify(READ_FILE)}); const f = require(${JSON.stringify(FILES)}); process.stdout.write(JSON.stringify(${call}) ?? 'undefined');`;
  const child = spawnSync(process.execPath, ['-e', script], { timeout: 10_000, encoding: 'utf8' });
  if (child.error || child.signal) return null;
  assert.equal(child.status, 0, child.stderr);
  return child.stdout === 'undefined' ? undefined : JSON.parse(child.stdout);
}

const text = (outcome: ReadOutcome) => (outcome.kind === 'text' ? outcome.text : outcome);

describe('readForCheck', () => {
  it('a FIFO in the place of a listed file is skipped at once, whether or not the caller stat-ed the file, and whether or not a writer holds it', () => {
    const fifo = path.join(dir, 'swapped.yaml');
    execFileSync('mkfifo', [fifo]);
    const skipped = { kind: 'skipped', reason: 'skipped: not a regular file (a FIFO)' };
    assert.deepEqual(readElsewhere(`r.readForCheck(${JSON.stringify(fifo)}, 1e7)`), skipped);
    // The cache's lookup stat-ed a regular file of 40 bytes there; then the FIFO took its place.
    assert.deepEqual(readElsewhere(`r.readForCheck(${JSON.stringify(fifo)}, 1e7, { size: 40, mtimeMs: 1 })`), skipped);
    // A writer holds the FIFO open (this process, read-write, which does not block): a read finds no data yet.
    const writer = fs.openSync(fifo, fs.constants.O_RDWR);
    try {
      assert.deepEqual(readElsewhere(`r.readForCheck(${JSON.stringify(fifo)}, 1e7)`), skipped);
      assert.deepEqual(readElsewhere(`r.readForCheck(${JSON.stringify(fifo)}, 1e7, { size: 40, mtimeMs: 1 })`), skipped);
    } finally {
      fs.closeSync(writer);
    }
  });

  it('a device is never read without end, even when the caller was told it was a file of some size', () => {
    const device = { kind: 'skipped', reason: 'skipped: not a regular file (a device)' };
    assert.deepEqual(readElsewhere(`r.readForCheck('/dev/zero', 1e7)`), device);
    assert.deepEqual(readElsewhere(`r.readForCheck('/dev/zero', 1e7, { size: 10, mtimeMs: 1 })`), device);
  });

  it('a folder is "cannot read: is a folder", as it always was', () => {
    const folder = path.join(dir, 'folder.yaml');
    fs.mkdirSync(folder);
    assert.deepEqual(readForCheck(folder, 1e7), { kind: 'error', reason: 'cannot read: is a folder' });
    assert.deepEqual(readForCheck(folder, 1e7, { size: 4096, mtimeMs: 1 }), { kind: 'error', reason: 'cannot read: is a folder' });
  });

  it('a file that grew or shrank since the caller stat-ed it is read whole, as it is now', () => {
    const file = path.join(dir, 'changed.yaml');
    const long = `image: app:1\n${'# comment line\n'.repeat(5000)}image: tail:2\n`;
    fs.writeFileSync(file, long);
    const grown = readForCheck(file, 1e7, { size: 12, mtimeMs: 1 });
    assert.equal(text(grown), long);
    assert.equal(grown.kind === 'text' && grown.size, Buffer.byteLength(long));
    fs.writeFileSync(file, 'image: a:1\n');
    assert.equal(text(readForCheck(file, 1e7, { size: long.length, mtimeMs: 1 })), 'image: a:1\n');
    // Grown past the limit since: skipped as too large, by its size now.
    fs.writeFileSync(file, long);
    assert.deepEqual(readForCheck(file, 1000, { size: 12, mtimeMs: 1 }), { kind: 'skipped', reason: 'skipped: 73.3 KiB is over the 1000 bytes limit (maxFileSize)' });
  });

  it('size and modification time come from what was read when the caller stat-ed nothing; from the caller when it did', () => {
    const file = path.join(dir, 'times.yaml');
    fs.writeFileSync(file, 'image: a:1\n');
    const when = new Date('2026-01-02T03:04:05Z');
    fs.utimesSync(file, when, when);
    const read = readForCheck(file, 1e7);
    assert.ok(read.kind === 'text');
    assert.deepEqual([read.size, read.mtimeMs, read.text, read.encoding], [11, when.getTime(), 'image: a:1\n', 'utf8']);
    assert.deepEqual(read.bytes, Buffer.from('image: a:1\n'));
    const told = readForCheck(file, 1e7, { size: 11, mtimeMs: 7 });
    assert.ok(told.kind === 'text');
    assert.deepEqual([told.size, told.mtimeMs], [11, 7]);
  });

  it('too large, binary, empty, UTF-16 and missing files are reported as before', () => {
    const write = (name: string, bytes: string | Buffer) => {
      fs.writeFileSync(path.join(dir, name), bytes);
      return path.join(dir, name);
    };
    assert.deepEqual(readForCheck(write('big.yaml', 'x'.repeat(2048)), 1024), { kind: 'skipped', reason: 'skipped: 2.0 KiB is over the 1.0 KiB limit (maxFileSize)' });
    assert.deepEqual(readForCheck(write('blob.yaml', Buffer.from([0x69, 0x00, 0x01])), 1e7), { kind: 'skipped', reason: 'skipped: binary file' });
    assert.equal(text(readForCheck(write('empty.yaml', ''), 1e7)), '');
    const wide = readForCheck(write('wide.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('image: w:1\n', 'utf16le')])), 1e7);
    assert.deepEqual(wide.kind === 'text' && [wide.text, wide.encoding], ['image: w:1\n', 'utf16le']);
    assert.deepEqual(readForCheck(path.join(dir, 'nope.yaml'), 1e7), { kind: 'error', reason: 'cannot read: no such file or folder' });
  });
});

describe('readTextForScan (one buffer reused from file to file)', () => {
  it('reads what readForCheck reads, without the bytes, and no text read earlier changes when the buffer is reused', () => {
    const write = (name: string, bytes: string | Buffer) => {
      fs.writeFileSync(path.join(dir, name), bytes);
      return path.join(dir, name);
    };
    const files = [
      write('s1.yaml', `image: first:1\n${'# é ünïcode\n'.repeat(3000)}`),
      write('s2.yaml', 'image: second:2\n'),
      write('s3.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('image: bom:3\n')])),
      write('s4.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('image: wide:4\n', 'utf16le')])),
      // Larger than the buffer kept between reads (1 MiB).
      write('s5.yaml', `image: large:5\n${'#'.repeat(1536 * 1024)}\n`),
      write('s6.yaml', 'image: after:6\n'),
      write('s7.yaml', Buffer.from([0x69, 0x00])),
    ];
    const scanned = files.map((f) => readTextForScan(f, 1e7));
    const checked = files.map((f) => readForCheck(f, 1e7));
    for (let i = 0; i < files.length; i++) {
      const c = checked[i];
      const expected = c.kind === 'text' ? { kind: c.kind, text: c.text, encoding: c.encoding, size: c.size, mtimeMs: c.mtimeMs } : c;
      assert.deepEqual(scanned[i], expected, files[i]);
    }
    assert.equal(scanned[0].kind === 'text' && scanned[0].text.slice(0, 15), 'image: first:1\n');
    assert.equal(scanned[6].kind, 'skipped');
    // readForCheck's bytes are its own: a later read does not change them.
    const first = readForCheck(files[0], 1e7);
    readForCheck(files[1], 1e7);
    assert.ok(first.kind === 'text');
    assert.deepEqual(first.bytes, fs.readFileSync(files[0]));
  });
});

describe('readRegularFile (texts the environment model reads beyond the listing)', () => {
  it('a FIFO, a folder, a device or a missing file is no text, and nothing waits', () => {
    const fifo = path.join(dir, 'kustomization.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const file of [fifo, dir, '/dev/zero', path.join(dir, 'missing', 'kustomization.yaml')]) {
      assert.equal(readElsewhere(`f.readRegularFile(${JSON.stringify(file)})`), undefined, file);
    }
    const writer = fs.openSync(fifo, fs.constants.O_RDWR);
    try {
      assert.equal(readElsewhere(`f.readRegularFile(${JSON.stringify(fifo)})`), undefined);
    } finally {
      fs.closeSync(writer);
    }
  });

  it('a regular file is its UTF-8 text, a byte order mark kept as the model always read it', () => {
    const file = path.join(dir, 'plain.yaml');
    fs.writeFileSync(file, '\uFEFFresources:\n  - a.yaml\n');
    assert.equal(readRegularFile(file), '\uFEFFresources:\n  - a.yaml\n');
  });
});
