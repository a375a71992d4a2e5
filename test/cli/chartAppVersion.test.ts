/**
 * The chart appVersion an empty Helm `tag:` falls back to is read once per Chart.yaml state: on disk
 * by size and modification time, in an editor by its text. The reused reading must be a fresh one:
 * on random sequences of Chart.yaml edits (on disk, some keeping the size; opened, edited unsaved,
 * closed; deleted, or moved to the folder above), each lookup equals what parsing the current text
 * gives, and a Chart.yaml written moments ago is read again rather than trusted by its timestamp.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { chartAppVersion } from '../../server/src/scan/chart';
import { tempDir } from '../helpers/tempDir';

const chart = (appVersion: string) => `apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "${appVersion}"\n`;

type Op =
  | { kind: 'disk'; where: 'beside' | 'above'; version: string }
  | { kind: 'delete' }
  | { kind: 'open'; version: string }
  | { kind: 'close' }
  | { kind: 'look' };

describe('chartAppVersion', () => {
  const root = tempDir('image-pin-chart-');

  it('equals a fresh reading after every edit of Chart.yaml on disk and in an editor', () => {
    let run = 0;
    // Versions of one length: an edit keeps the file's size, so only its modification time tells.
    const version = fc.constantFrom('1.0.0', '2.0.0', '3.1.4', '9.9.9');
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('disk' as const), where: fc.constantFrom('beside' as const, 'above' as const), version }),
      fc.constant({ kind: 'delete' as const }),
      fc.record({ kind: fc.constant('open' as const), version }),
      fc.constant({ kind: 'close' as const }),
      fc.constant({ kind: 'look' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const dir = path.join(root, `run-${run++}`);
        const beside = path.join(dir, 'chart', 'Chart.yaml');
        const above = path.join(dir, 'Chart.yaml');
        const values = path.join(dir, 'chart', 'ci', 'values.yaml');
        fs.mkdirSync(path.dirname(values), { recursive: true });
        // Each save a second after the one before, all in the past: readings are kept (not "racy").
        let clock = Date.now() / 1000 - 3600;
        const onDisk = new Map<string, string>();
        let open: string | undefined;
        for (const o of ops) {
          if (o.kind === 'disk') {
            const file = o.where === 'beside' ? beside : above;
            fs.writeFileSync(file, chart(o.version));
            fs.utimesSync(file, ++clock, clock);
            onDisk.set(file, o.version);
          } else if (o.kind === 'delete') {
            fs.rmSync(beside, { force: true });
            onDisk.delete(beside);
          } else if (o.kind === 'open') open = o.version;
          else if (o.kind === 'close') open = undefined;
          // The nearest Chart.yaml wins: the open one beside the file, else the one on disk, else above.
          const expected = open ?? onDisk.get(beside) ?? onDisk.get(above);
          const editor = (file: string) => (file === beside && open !== undefined ? chart(open) : undefined);
          assert.equal(chartAppVersion(values, editor)?.appVersion, expected);
          assert.equal(chartAppVersion(values, editor)?.appVersion, expected, 'asked again');
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reads a Chart.yaml written moments ago again, though its size and time look the same', () => {
    const dir = path.join(root, 'racy');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'Chart.yaml');
    const values = path.join(dir, 'values.yaml');
    const now = new Date();
    fs.writeFileSync(file, chart('1.0.0'));
    fs.utimesSync(file, now, now);
    assert.equal(chartAppVersion(values)?.appVersion, '1.0.0');
    // Saved again within the file system's timestamp granularity: the same size and times.
    fs.writeFileSync(file, chart('2.0.0'));
    fs.utimesSync(file, now, now);
    assert.equal(chartAppVersion(values)?.appVersion, '2.0.0');
  });

  it('reads the appVersion as written and nothing for a Chart.yaml without one', () => {
    const dir = path.join(root, 'written');
    fs.mkdirSync(dir, { recursive: true });
    const values = path.join(dir, 'values.yaml');
    const open = (text: string) => (file: string) => (file === path.join(dir, 'Chart.yaml') ? text : undefined);
    assert.equal(chartAppVersion(values, open('appVersion: 2.10\n'))?.appVersion, '2.10');
    assert.equal(chartAppVersion(values, open('name: web\n'))?.appVersion, undefined);
    assert.equal(chartAppVersion(values, open('appVersion: ""\n'))?.appVersion, undefined);
    assert.equal(chartAppVersion(values, open('- not a map\n'))?.appVersion, undefined);
  });
});
