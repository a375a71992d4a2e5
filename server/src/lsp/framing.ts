/**
 * Reads LSP messages from a byte stream (`--stdio`): `Content-Length: N\r\n\r\n` then N bytes of
 * JSON. vscode-jsonrpc's own reader stops making sense of the stream after one bad header (the
 * body of the bad message is then read as the next header, and the request after it is lost).
 * This one reports the bad message and finds the next header, so one malformed message costs
 * only itself:
 * - a header without a valid `Content-Length` (missing, not a decimal number, given twice
 *   differently, too large) is skipped with the body after it;
 * - a length shorter than the body leaves bytes that are not JSON: they are skipped;
 * - a length longer than the body would swallow the next message: a header line inside the
 *   expected body gives it away, since raw CR LF cannot occur inside a JSON string and
 *   `Content-Length:` cannot occur outside one.
 */
import type { Readable } from 'node:stream';
import { AbstractMessageReader, DataCallback, Disposable, Message } from 'vscode-languageserver/node';

/** Longer than any real header block: bytes without a blank line by then are not a header. */
const MAX_HEADER_BYTES = 8 * 1024;
/** Above what a JavaScript string can hold; a larger length is a broken header, not a message to wait for. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
const CONTENT_LENGTH = 'content-length:';
/** A header line that starts a message (used to resynchronise and to spot an overlong length). */
const HEADER_LINE = /content-length:[ \t]*\d+\r\n/i;
/** How far back a search for HEADER_LINE must reach into bytes already searched (a line cut in two). */
const HEADER_LINE_OVERLAP = 64;

export class FramedMessageReader extends AbstractMessageReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** The body length announced by the last header; -1 while a header is expected. */
  private expected = -1;
  /** Bytes of the pending body already searched for a header line. */
  private searched = 0;
  private callback?: DataCallback;

  constructor(private readonly readable: Readable) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (data: Buffer) => this.onData(data);
    const onError = (err: Error) => this.fireError(err);
    const onClose = () => this.fireClose();
    this.readable.on('data', onData);
    this.readable.on('error', onError);
    this.readable.on('close', onClose);
    return Disposable.create(() => {
      this.callback = undefined;
      this.readable.off('data', onData);
      this.readable.off('error', onError);
      this.readable.off('close', onClose);
    });
  }

  private onData(data: Buffer): void {
    this.chunks.push(data);
    this.size += data.length;
    for (;;) {
      if (this.expected < 0 && !this.readHeader()) return;
      if (!this.readBody()) return;
    }
  }

  /** Reads one header block; false when more bytes are needed. */
  private readHeader(): boolean {
    for (;;) {
      const head = this.peek(Math.min(this.size, MAX_HEADER_BYTES + 4));
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length <= MAX_HEADER_BYTES) return false;
        this.skipBadMessage(`no header ends within ${MAX_HEADER_BYTES} bytes`, 1);
        continue;
      }
      const length = contentLength(head.toString('latin1', 0, end));
      if (typeof length === 'string') {
        this.skipBadMessage(length, 1);
        continue;
      }
      this.drop(end + 4);
      this.expected = length;
      this.searched = 0;
      return true;
    }
  }

  /** Delivers the pending body once it is complete; false when more bytes are needed. */
  private readBody(): boolean {
    const available = Math.min(this.size, this.expected);
    const from = Math.max(0, this.searched - HEADER_LINE_OVERLAP);
    const stray = HEADER_LINE.exec(this.slice(from, available).toString('latin1'));
    if (stray) {
      this.expected = -1;
      this.skipBadMessage('its Content-Length is longer than its body (the next message starts inside it)', 0, from + stray.index);
      return true;
    }
    this.searched = available;
    if (this.size < this.expected) return false;
    const body = this.slice(0, this.expected);
    this.drop(this.expected);
    this.expected = -1;
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch (err) {
      this.skipBadMessage(`its body is not JSON (${(err as Error).message}); is its Content-Length right?`, 0);
      return true;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      this.fireError(new Error('ignored a message whose body is not a JSON object'));
      return true;
    }
    this.callback?.(message as Message);
    return true;
  }

  /**
   * Reports a message that cannot be read and drops bytes up to the next `Content-Length:` at or
   * after `searchFrom` (or exactly to `to`), keeping a tail that may be the start of one.
   */
  private skipBadMessage(problem: string, searchFrom: number, to?: number): void {
    this.fireError(new Error(`ignored a message that cannot be read: ${problem}`));
    if (to === undefined) {
      const text = this.peek(this.size).toString('latin1').toLowerCase();
      const next = text.indexOf(CONTENT_LENGTH, searchFrom);
      to = next >= 0 ? next : Math.max(searchFrom, this.size - (CONTENT_LENGTH.length - 1));
    }
    this.drop(to);
  }

  /** The first `n` bytes as one buffer (joining chunks as needed, without copying the rest). */
  private peek(n: number): Buffer {
    if (this.chunks.length === 0) return Buffer.alloc(0);
    if (this.chunks[0].length < n && this.chunks.length > 1) {
      let joined = 0;
      let count = 0;
      while (joined < n && count < this.chunks.length) joined += this.chunks[count++].length;
      this.chunks.splice(0, count, Buffer.concat(this.chunks.slice(0, count), joined));
    }
    return this.chunks[0].subarray(0, n);
  }

  /** A copy of bytes [start, end) of what is buffered. */
  private slice(start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(Math.max(0, end - start));
    let offset = 0;
    let written = 0;
    for (const chunk of this.chunks) {
      if (written >= out.length) break;
      const from = Math.max(start - offset, 0);
      const to = Math.min(end - offset, chunk.length);
      if (to > from) written += chunk.copy(out, written, from, to);
      offset += chunk.length;
    }
    return out;
  }

  private drop(n: number): void {
    n = Math.min(n, this.size);
    this.size -= n;
    while (n > 0) {
      const first = this.chunks[0];
      if (first.length <= n) {
        n -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }
}

/** The body length a header block announces, or what is wrong with it. */
function contentLength(block: string): number | string {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!/^[A-Za-z0-9-]+$/.test(name)) return `a header line is not "Name: value": ${JSON.stringify(line.slice(0, 80))}`;
    if (name.toLowerCase() !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d+$/.test(value)) return `Content-Length is not a decimal number: ${JSON.stringify(value.slice(0, 40))}`;
    const n = Number(value);
    if (n > MAX_MESSAGE_BYTES) return `Content-Length ${value} is over the limit of ${MAX_MESSAGE_BYTES} bytes`;
    if (length !== undefined && length !== n) return 'Content-Length is given twice, with different values';
    length = n;
  }
  return length ?? 'the header has no Content-Length';
}
