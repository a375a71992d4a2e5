#!/usr/bin/env node
// Draws images/icon.png (128×128 RGBA), the extension's Marketplace icon: a map pin whose head holds
// a "#" (a digest pins the image). Plain geometry, 4×4 supersampled, written as PNG with zlib.
//   node images/generate-icon.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const SIZE = 128;
const SAMPLES = 4;
const BACKGROUND = [0x1e, 0x2a, 0x3a];
const PIN = [0x2b, 0xb3, 0xa3];
const MARK = [0xf4, 0xf7, 0xfa];

const head = { x: 64, y: 50, r: 33 };
const tipY = 116;
const hole = { x: 64, y: 50, r: 21 };

/** Rounded square filling the canvas, corner radius 22. */
function inBackground(x, y) {
  const r = 22;
  const dx = Math.max(r - x, 0, x - (SIZE - r));
  const dy = Math.max(r - y, 0, y - (SIZE - r));
  return dx * dx + dy * dy <= r * r;
}

/** The pin: its round head and the cone from the tip that touches the head tangentially. */
function inPin(x, y) {
  if ((x - head.x) ** 2 + (y - head.y) ** 2 <= head.r ** 2) return true;
  if (y < head.y || y > tipY) return false;
  const d = tipY - head.y;
  const tan = head.r / Math.sqrt(d * d - head.r * head.r);
  return Math.abs(x - head.x) <= (tipY - y) * tan;
}

function inHole(x, y) {
  return (x - hole.x) ** 2 + (y - hole.y) ** 2 <= hole.r ** 2;
}

/** A "#": two slanted strokes crossed by two level ones, centred in the hole. */
function inHash(x, y) {
  const cx = hole.x;
  const cy = hole.y;
  const half = 12;
  const stroke = 2.4;
  if (Math.abs(y - cy) > half || Math.abs(x - cx) > half) return false;
  const slant = 0.22;
  const u = x - cx + (y - cy) * slant;
  if (Math.abs(Math.abs(u) - 5) <= stroke) return true;
  return Math.abs(Math.abs(y - cy) - 5) <= stroke && Math.abs(x - cx) <= half - 1;
}

function colorAt(x, y) {
  if (!inBackground(x, y)) return null;
  if (inPin(x, y) && !inHole(x, y)) return PIN;
  if (inHole(x, y) && inHash(x, y)) return MARK;
  return BACKGROUND;
}

function render() {
  const rows = Buffer.alloc(SIZE * (1 + SIZE * 4));
  for (let py = 0; py < SIZE; py++) {
    const rowStart = py * (1 + SIZE * 4);
    rows[rowStart] = 0; // filter: none
    for (let px = 0; px < SIZE; px++) {
      const sum = [0, 0, 0];
      let covered = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const color = colorAt(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
          if (!color) continue;
          covered++;
          for (let c = 0; c < 3; c++) sum[c] += color[c];
        }
      }
      const at = rowStart + 1 + px * 4;
      for (let c = 0; c < 3; c++) rows[at + c] = covered ? Math.round(sum[c] / covered) : 0;
      rows[at + 3] = Math.round((covered / (SAMPLES * SAMPLES)) * 255);
    }
  }
  return rows;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(rows) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const file = path.join(__dirname, 'icon.png');
fs.writeFileSync(file, png(render()));
console.log(`${path.relative(process.cwd(), file)} ${fs.statSync(file).size} bytes`);
