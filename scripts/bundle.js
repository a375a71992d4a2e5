#!/usr/bin/env node
// Bundles what the .vsix ships into dist/: the extension (client), the language server, and the
// worker threads the server starts. The CLI runs from out/ (npm) and is not bundled.
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  logLevel: 'warning',
  // VS Code provides this module at run time.
  external: ['vscode'],
};

async function main() {
  fs.rmSync(DIST, { recursive: true, force: true });
  const entries = {
    extension: 'client/src/extension.ts',
    server: 'server/src/lsp/main.ts',
    // Started by path next to the bundle that starts them (`path.join(__dirname, 'worker.js')`).
    worker: 'server/src/scan/worker.ts',
  };
  const optional = ['server/src/lsp/largeDocumentWorker.ts'];
  for (const file of optional) if (fs.existsSync(path.join(ROOT, file))) entries[path.basename(file, '.ts')] = file;
  await esbuild.build({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, path.join(ROOT, file)])),
    outdir: DIST,
  });
  for (const name of Object.keys(entries)) {
    const size = fs.statSync(path.join(DIST, `${name}.js`)).size;
    console.log(`dist/${name}.js ${(size / 1024).toFixed(0)} KiB`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
