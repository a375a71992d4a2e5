/**
 * Long output written to a file in pieces (`writePieces`, what `check` does when its standard output
 * is a file or /dev/null): the bytes are exactly the text's UTF-8, whatever falls on a piece's edge.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writePieces } from '../../server/src/cli/common';
import { tempDir } from '../helpers/tempDir';

describe('writePieces', () => {
  it('writes the UTF-8 of the text for every piece size, with pairs of surrogates (and lone ones), 3-byte and 2-byte characters on every edge', () => {
    const dir = tempDir('ip-write-pieces-');
    const file = path.join(dir, 'out.json');
    const texts = ['', 'a', '{"image": "acme/app:1.0"}\n', '😀', 'a😀b€c😀😀é\n'.repeat(40), 'é€😀'.repeat(50) + 'x', '"' + '😀'.repeat(33) + '"', 'lone \ud800 high, \udc00 low, \ud83d\ud83d twice'.repeat(5)];
    for (const text of texts) {
      for (const piece of [1, 2, 3, 4, 5, 7, 16, 1000]) {
        const fd = fs.openSync(file, 'w');
        try {
          writePieces(fd, text, piece);
        } finally {
          fs.closeSync(fd);
        }
        assert.deepEqual(fs.readFileSync(file), Buffer.from(text, 'utf8'), `piece ${piece}: ${JSON.stringify(text.slice(0, 20))}`);
      }
    }
  });
});
