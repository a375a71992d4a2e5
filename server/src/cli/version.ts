/** The package version, read from the manifest beside the built code (two levels up from out/cli). */
import * as fs from 'node:fs';
import * as path from 'node:path';

function readVersion(): string {
  for (const candidate of [path.join(__dirname, '..', '..', '..', 'package.json'), path.join(__dirname, '..', 'package.json')]) {
    try {
      const manifest = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'image-pin' && manifest.version) return manifest.version;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
