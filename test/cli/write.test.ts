/**
 * The one write path (`pin --write` and every later command that writes): only edited bytes
 * change, the changed-on-disk check is by bytes, the temporary file cannot be redirected by a
 * planted link, links are written through (or refused outside the folder), mode and owner
 * survive, and read-only files are reported rather than replaced.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { editBytes } from '../../server/src/core/byteEdits';
import type { TextEdit } from '../../server/src/core/fix';
import { writeEdits } from '../../server/src/pin/writeFile';

const DIGEST = `sha256:${'d'.repeat(64)}`;

/** The edit that pins `ref` in `text`. */
function pinEdit(text: string, ref: string): TextEdit {
  const start = text.indexOf(ref);
  assert.ok(start >= 0, `${ref} in the text`);
  return { start: start + ref.length, end: start + ref.length, newText: `@${DIGEST}` };
}

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-write-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fresh folder with `name` holding `bytes`. */
function fileWith(name: string, bytes: Buffer, mode = 0o644): string {
  const sub = fs.mkdtempSync(path.join(dir, 'case-'));
  const file = path.join(sub, name);
  fs.writeFileSync(file, bytes);
  fs.chmodSync(file, mode);
  return file;
}

/** Pins `ref` in the file as `pin --write` would, from what it reads now. */
function pin(file: string, ref: string, root = path.dirname(file)) {
  const original = fs.readFileSync(file);
  const text = original.toString('utf8');
  return writeEdits({ file, original, text, edits: [pinEdit(text, ref)], root });
}

describe('bytes the edit does not touch', () => {
  it('a Latin-1 comment and other invalid UTF-8 survive byte for byte', () => {
    const before = Buffer.concat([
      Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from(' cr'), Buffer.from([0xe8, 0x6d, 0x65]), Buffer.from(' '), Buffer.from([0xf0, 0x9f, 0x98]),
      Buffer.from('\nimage: nginx:1.27   # '), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(' \u00e9t\u00e9 \u{1f600}\n'),
    ]);
    const file = fileWith('latin1.yaml', before);
    assert.deepEqual(pin(file, 'nginx:1.27'), { ok: true });
    const at = before.indexOf('nginx:1.27') + 'nginx:1.27'.length;
    assert.deepEqual(fs.readFileSync(file), Buffer.concat([before.subarray(0, at), Buffer.from(`@${DIGEST}`), before.subarray(at)]));
  });

  it('a UTF-8 byte order mark, multi-byte and astral characters before the edit keep the offsets right', () => {
    const text = '\ufeff# \u00fcber \u{1f680} \u4e2d\nimage: redis:7\n';
    const file = fileWith('bom.yaml', Buffer.from(text, 'utf8'));
    assert.deepEqual(pin(file, 'redis:7'), { ok: true });
    assert.equal(fs.readFileSync(file, 'utf8'), text.replace('redis:7', `redis:7@${DIGEST}`));
    // A reader that drops the byte order mark from the text gets the same result.
    const again = fileWith('bom.yaml', Buffer.from(text, 'utf8'));
    const original = fs.readFileSync(again);
    const stripped = original.toString('utf8').slice(1);
    assert.deepEqual(writeEdits({ file: again, original, text: stripped, edits: [pinEdit(stripped, 'redis:7')] }), { ok: true });
    assert.equal(fs.readFileSync(again, 'utf8'), text.replace('redis:7', `redis:7@${DIGEST}`));
  });

  it('a UTF-16 file is edited in UTF-16', () => {
    const text = 'image: nginx:1.27\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const result = editBytes(le, text, [pinEdit(text, 'nginx:1.27')]);
    assert.ok(result.ok);
    assert.deepEqual(Buffer.from(result.bytes), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace('1.27', `1.27@${DIGEST}`), 'utf16le')]));
  });

  it('an edit planned on other text than the bytes hold is refused', () => {
    const result = editBytes(Buffer.from('image: a:1\n'), 'image: b:1\n', [pinEdit('image: b:1\n', 'b:1')]);
    assert.deepEqual(result, { ok: false, reason: 'its content is not the text that was read from it' });
  });
});

describe('the changed-on-disk check', () => {
  it('compares bytes: a byte that decodes to the same text still counts as a change', () => {
    const file = fileWith('a.yaml', Buffer.concat([Buffer.from('# '), Buffer.from([0xe9]), Buffer.from('\nimage: a:1\n')]));
    const original = fs.readFileSync(file);
    const text = original.toString('utf8');
    // Another Latin-1 letter: the decoded text (U+FFFD) is the same, the file is not.
    const changed = Buffer.from(original);
    changed[2] = 0xe8;
    fs.writeFileSync(file, changed);
    assert.equal(changed.toString('utf8'), text);
    assert.deepEqual(writeEdits({ file, original, text, edits: [pinEdit(text, 'a:1')] }), { ok: false, reason: 'it changed on disk since it was read; left as it is' });
    assert.deepEqual(fs.readFileSync(file), changed);
  });
});

describe('a file replaced by something else', () => {
  it('a FIFO in its place is refused at once, never opened to wait for a writer', () => {
    const file = fileWith('f.yaml', Buffer.from('image: a:1\n'));
    const original = fs.readFileSync(file);
    fs.rmSync(file);
    execFileSync('mkfifo', [file]);
    const text = original.toString('utf8');
    assert.deepEqual(writeEdits({ file, original, text, edits: [pinEdit(text, 'a:1')] }), { ok: false, reason: 'it is not a regular file; left as it is' });
    const link = path.join(path.dirname(file), 'link.yaml');
    fs.symlinkSync('f.yaml', link);
    assert.deepEqual(writeEdits({ file: link, original, text, edits: [pinEdit(text, 'a:1')], root: path.dirname(file) }), {
      ok: false,
      reason: 'it is a symbolic link to something that is not a regular file; left as it is',
    });
  });
});

describe('the temporary file', () => {
  it('a link planted where the temporary file used to go redirects nothing', () => {
    const file = fileWith('deploy.yaml', Buffer.from('image: a:1\n'));
    const victim = path.join(dir, `victim-${path.basename(path.dirname(file))}`);
    fs.writeFileSync(victim, 'precious\n');
    // The names the temporary file had before (pid-based), for this process and its neighbours.
    for (let pid = process.pid - 5; pid <= process.pid + 5; pid++) {
      fs.symlinkSync(victim, path.join(path.dirname(file), `.deploy.yaml.image-pin-${pid}.tmp`));
    }
    assert.deepEqual(pin(file, 'a:1'), { ok: true });
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n');
    assert.ok(fs.lstatSync(file).isFile(), 'the file is still a regular file');
    assert.equal(fs.readFileSync(file, 'utf8'), `image: a:1@${DIGEST}\n`);
    const left = fs.readdirSync(path.dirname(file)).filter((n) => !n.startsWith('.deploy.yaml.image-pin-'));
    assert.deepEqual(left, ['deploy.yaml'], 'no temporary file is left behind');
  });
});

describe('symbolic links', () => {
  it('a link to a file inside the folder is written through: the link stays a link, its target changes', () => {
    const file = fileWith('real.yaml', Buffer.from('image: a:1\n'));
    const link = path.join(path.dirname(file), 'link.yaml');
    fs.symlinkSync('real.yaml', link);
    assert.deepEqual(pin(link, 'a:1'), { ok: true });
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(fs.readlinkSync(link), 'real.yaml');
    assert.equal(fs.readFileSync(file, 'utf8'), `image: a:1@${DIGEST}\n`);
  });

  it('a link to a file outside the folder is refused with the reason, and nothing changes', () => {
    const outside = fileWith('outside.yaml', Buffer.from('image: a:1\n'));
    const root = fs.mkdtempSync(path.join(dir, 'root-'));
    const link = path.join(root, 'link.yaml');
    fs.symlinkSync(outside, link);
    const result = pin(link, 'a:1', root);
    assert.deepEqual(result, { ok: false, reason: `it is a symbolic link to ${fs.realpathSync(outside)}, outside the folder being pinned; not written through` });
    assert.equal(fs.readFileSync(outside, 'utf8'), 'image: a:1\n');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
  });
});

describe('mode, owner and read-only files', () => {
  it('0664 stays 0664 and setgid stays', () => {
    for (const mode of [0o664, 0o2664, 0o600]) {
      const file = fileWith('m.yaml', Buffer.from('image: a:1\n'), mode);
      assert.deepEqual(pin(file, 'a:1'), { ok: true });
      assert.equal((fs.statSync(file).mode & 0o7777).toString(8), mode.toString(8));
    }
  });

  it('the owner is kept where the system permits it', () => {
    const file = fileWith('o.yaml', Buffer.from('image: a:1\n'), 0o666);
    const root = process.getuid?.() === 0;
    // A superuser can hand the file to someone else first; anyone else keeps their own.
    const owner = root ? { uid: 4321, gid: 4322 } : { uid: fs.statSync(file).uid, gid: fs.statSync(file).gid };
    if (root) fs.chownSync(file, owner.uid, owner.gid);
    assert.deepEqual(pin(file, 'a:1'), { ok: true });
    const st = fs.statSync(file);
    assert.deepEqual({ uid: st.uid, gid: st.gid }, owner);
  });

  it('a read-only file is reported and left as it is, even for a superuser', () => {
    const file = fileWith('ro.yaml', Buffer.from('image: a:1\n'), 0o444);
    assert.deepEqual(pin(file, 'a:1'), { ok: false, reason: 'it is read-only (mode 0444); not written' });
    assert.equal(fs.readFileSync(file, 'utf8'), 'image: a:1\n');
  });
});
