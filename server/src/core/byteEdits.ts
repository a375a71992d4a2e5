/**
 * Text edits applied to the bytes a file was read from. Edits are computed on the decoded text,
 * but a file may hold bytes its decoding does not keep (a Latin-1 comment in a UTF-8 file decodes
 * to U+FFFD): re-encoding the whole text would replace them. Here only the edited ranges change;
 * every other byte is copied as it was. The result is checked: decoded, it must be exactly the
 * edited text, or the edit is refused.
 */
import { applyEdits, type TextEdit } from './fix';
import { decodeText, encodeText } from './text';

export type ByteEditResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

type Encoding = 'utf-8';

/**
 * `edits` (offsets in `text`) applied to `bytes`, the file `text` was decoded from. `text` may
 * omit a leading byte order mark that the bytes hold.
 */
export function editBytes(bytes: Uint8Array, text: string, edits: readonly TextEdit[]): ByteEditResult {
  const read = decodeText(bytes);
  if (!read) return { ok: false, reason: 'its content is not the text that was read from it' };
  if (read.encoding !== 'utf8' && read.encoding !== 'utf8-bom') {
    // UTF-16 and UTF-32 are decoded strictly (a file that does not decode losslessly is not read as
    // text), so encoding the edited text again changes no byte outside the edits.
    if (read.text !== text) return { ok: false, reason: 'its content is not the text that was read from it' };
    const out = encodeText(applyEdits(text, edits), read.encoding);
    const back = decodeText(out);
    if (!back || back.text !== applyEdits(text, edits)) return { ok: false, reason: 'its bytes could not be edited without changing others' };
    return { ok: true, bytes: out };
  }
  const encoding: Encoding = 'utf-8';
  const decoded = new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
  // Where `text` starts in the decoded units: after the byte order mark when the reader dropped it.
  const shift = decoded === text ? 0 : decoded.charCodeAt(0) === 0xfeff && decoded.slice(1) === text ? 1 : -1;
  if (shift < 0) return { ok: false, reason: 'its content is not the text that was read from it' };

  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].start < sorted[i - 1].end) return { ok: false, reason: 'two edits overlap' };
  }
  const offsets = [...new Set(sorted.flatMap((e) => [e.start + shift, e.end + shift]))].sort((a, b) => a - b);
  const byteAt = utf8Offsets(bytes, offsets);
  if (!byteAt) return { ok: false, reason: 'an edit would split a character' };

  const parts: Uint8Array[] = [];
  let copied = 0;
  for (const e of sorted) {
    const start = byteAt.get(e.start + shift)!;
    parts.push(bytes.subarray(copied, start), encode(e.newText, encoding));
    copied = byteAt.get(e.end + shift)!;
  }
  parts.push(bytes.subarray(copied));
  const out = concat(parts);

  // The guarantee, checked rather than assumed: the new bytes decode to exactly the edited text.
  const expected = (shift ? '\ufeff' : '') + applyEdits(text, edits);
  if (new TextDecoder(encoding, { ignoreBOM: true }).decode(out) !== expected) {
    return { ok: false, reason: 'its bytes could not be edited without changing others' };
  }
  return { ok: true, bytes: out };
}

/**
 * The byte offset of each UTF-16 offset in `wanted` (sorted), walking the bytes as the WHATWG UTF-8
 * decoder does (every invalid sequence is one U+FFFD, as TextDecoder and Buffer decode it).
 * Undefined when an offset falls inside a character.
 */
function utf8Offsets(bytes: Uint8Array, wanted: number[]): Map<number, number> | undefined {
  const found = new Map<number, number>();
  let k = 0;
  let units = 0;
  /** A character of `n` units starts at byte `at`. */
  const emit = (at: number, n: number): boolean => {
    while (k < wanted.length && wanted[k] <= units) {
      if (wanted[k] < units) return false;
      found.set(wanted[k++], at);
    }
    units += n;
    return true;
  };
  let needed = 0;
  let seen = 0;
  let codePoint = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      start = i;
      if (b <= 0x7f) {
        if (!emit(i, 1)) return undefined;
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        codePoint = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2;
        codePoint = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
        codePoint = b & 0x7;
      } else if (!emit(i, 1)) return undefined;
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is one U+FFFD; this byte starts afresh.
      needed = seen = codePoint = 0;
      lower = 0x80;
      upper = 0xbf;
      if (!emit(start, 1)) return undefined;
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    codePoint = (codePoint << 6) | (b & 0x3f);
    if (++seen === needed) {
      if (!emit(start, codePoint > 0xffff ? 2 : 1)) return undefined;
      needed = seen = codePoint = 0;
    }
  }
  if (needed !== 0 && !emit(start, 1)) return undefined;
  if (!emit(bytes.length, 0)) return undefined;
  return k === wanted.length ? found : undefined;
}

function encode(text: string, _encoding: Encoding): Uint8Array {
  return new TextEncoder().encode(text);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
