/** The package version, from the nearest image-pin manifest above the running code (source tree or bundle). */
import * as fs from 'node:fs';
import * as path from 'node:path';

function readVersion(): string {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'image-pin' && manifest.version) return manifest.version;
    } catch {
      // not here: look one folder up
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
