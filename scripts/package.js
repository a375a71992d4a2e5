#!/usr/bin/env node
// `npm run package`: the .vsix from the minified esbuild bundle. Everything the extension runs is
// inside dist/, so no node_modules are packed (--no-dependencies); .vscodeignore keeps everything
// else out but the manifest, README, CHANGELOG, LICENSE, the config schema, docs/rules.md, the walkthrough pages and images.
//   node scripts/package.js [--out FILE]     (default: image-pin-<version>.vsix in the repository root)
// Works offline: no repository URL is published, so relative README links are left as they are.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function main() {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const out = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(ROOT, `${manifest.name}-${manifest.version}.vsix`));

  execFileSync(process.execPath, [path.join(__dirname, 'bundle.js'), '--minify'], { cwd: ROOT, stdio: 'inherit' });
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(
    process.execPath,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out],
    { cwd: ROOT, stdio: 'inherit' },
  );
  console.log(`package: ${path.relative(process.cwd(), out) || out} ${(fs.statSync(out).size / 1024).toFixed(0)} KiB`);
}

main();
