#!/usr/bin/env node
// `npm run package`: the .vsix from the minified esbuild bundle. Everything the extension runs is
// inside dist/, so no node_modules are packed (--no-dependencies); .vscodeignore keeps everything
// else out but the manifest, README, CHANGELOG, LICENSE, the config schema, docs/rules.md, the walkthrough pages and images.
//   node scripts/package.js [--out FILE]     (default: image-pin-<version>.vsix in the repository root)
// Works offline: no repository URL is published, so relative README links are left as they are.
//
// package.json is also the npm package's manifest, whose "files" list names what `npm pack` ships
// (the CLI). vsce refuses a manifest with "files" beside a .vscodeignore, so vsce runs in a staging
// copy holding the manifest without "files" and the folders .vscodeignore picks from.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
// What .vscodeignore chooses from; it still decides, inside the staging copy, what the .vsix holds.
// (dist/ is not copied: the minified bundle is built straight into the staging copy.)
const STAGED = ['.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'schemas', 'docs', 'images', 'walkthrough'];

function main() {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const out = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(ROOT, `${manifest.name}-${manifest.version}.vsix`));

  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-vsix-'));
  try {
    for (const name of STAGED) fs.cpSync(path.join(ROOT, name), path.join(stage, name), { recursive: true });
    // The minified bundle goes straight into the staging copy: the checkout's dist/ is left as it was.
    execFileSync(process.execPath, [path.join(__dirname, 'bundle.js'), '--minify', '--outdir', path.join(stage, 'dist')], { cwd: ROOT, stdio: 'inherit' });
    const { files: _npmFiles, ...vsixManifest } = manifest;
    fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(vsixManifest, null, 2) + '\n');
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    execFileSync(
      process.execPath,
      [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out],
      { cwd: stage, stdio: 'inherit' },
    );
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  console.log(`package: ${path.relative(process.cwd(), out) || out} ${(fs.statSync(out).size / 1024).toFixed(0)} KiB`);
}

main();
