#!/usr/bin/env node
// Bundles into dist/ what the .vsix and the npm package ship: the extension (client), the language
// server, the CLI, and the worker threads they start. package.json `main` points at dist/extension.js
// and `bin` at dist/cli.js and dist/server.js, so a development checkout (`npm run build`), the packaged
// extension and the installed package run the same files. (bin/*.js run the tsc output, for tests.)
//   node scripts/bundle.js [--minify | --watch] [--outdir DIR]
// (--outdir: `npm run package` bundles minified into its staging copy, so the checkout's dist/ stays the
// development build with source maps that bin/, the benchmarks and F5 use.)
// With --action it builds the GitHub Action instead (action/index.js and its worker, minified), which is
// committed because GitHub runs an action from the repository as it is; test/cli/action.test.ts checks
// that the committed files equal a fresh build.
//   node scripts/bundle.js --action [--outdir DIR]
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const outdirAt = process.argv.indexOf('--outdir');
const OUTDIR = outdirAt >= 0 ? path.resolve(process.argv[outdirAt + 1]) : undefined;
const DIST = OUTDIR ?? path.join(ROOT, 'dist');

const minify = process.argv.includes('--minify');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Maps for debugging a checkout; the minified build is the one packaged, which ships none.
  sourcemap: !minify,
  minify,
  logLevel: 'warning',
  // VS Code provides this module at run time.
  external: ['vscode'],
  plugins: [yamlAsModule()],
};

/**
 * Bundles the `yaml` package's ES module build instead of its CommonJS one (the same source). Bundled
 * CommonJS is reached through a getter per exported name (`isScalar`, `isMap`, … are called per node),
 * and the CommonJS parser and composer read `process.env.LOG_TOKENS` / `LOG_STREAM` once per token, a
 * native call each: together about a tenth of a cold scan's CPU (docs/performance.md). The ES build
 * differs only there and in logging warnings with `console.warn` rather than `process.emitWarning`.
 */
function yamlAsModule() {
  const entry = path.join(path.dirname(require.resolve('yaml/package.json')), 'browser', 'index.js');
  return {
    name: 'yaml-as-module',
    setup(build) {
      build.onResolve({ filter: /^yaml$/ }, () => ({ path: entry }));
    },
  };
}

/**
 * Leaves `undici` (the registry client's HTTP stack, over half of the CLI's bundle) out of the bundles
 * that import it, which `require('./undici.js')` beside them instead, built once as a bundle of its own.
 * Node compiles a whole bundle before running any of it: an offline `image-pin check`, which never
 * loads the registry client, no longer compiles 1 MiB of HTTP code at every start. The CLI's
 * registry-using commands load their modules on demand (cli/main.ts), which reach undici.
 */
function undiciApart() {
  return {
    name: 'undici-apart',
    setup(build) {
      build.onResolve({ filter: /^undici$/ }, (args) => (args.kind === 'entry-point' ? undefined : { path: './undici.js', external: true }));
    },
  };
}

/** The Action's files: its entry and the scan worker it starts (`path.join(__dirname, 'worker.js')`). */
async function buildAction(outdir) {
  const entryPoints = { index: path.join(ROOT, 'server/src/action/main.ts'), worker: path.join(ROOT, 'server/src/scan/worker.ts') };
  // absWorkingDir: the output names no absolute path, so every checkout builds the same bytes.
  // One file and its worker, undici inside: the runner starts it once per job, from the repository.
  await esbuild.build({ ...common, sourcemap: false, minify: true, absWorkingDir: ROOT, entryPoints, outdir });
  for (const name of Object.keys(entryPoints)) {
    const file = path.join(outdir, `${name}.js`);
    console.log(`${path.relative(ROOT, file)} ${(fs.statSync(file).size / 1024).toFixed(0)} KiB (minified)`);
  }
}

async function main() {
  if (process.argv.includes('--action')) return buildAction(OUTDIR ?? path.join(ROOT, 'action'));
  const entries = {
    extension: 'client/src/extension.ts',
    // The two commands of the npm package; their entry files start with `#!/usr/bin/env node`.
    cli: 'server/src/cli/bin.ts',
    server: 'server/src/lsp/main.ts',
    // Started by path next to the bundle that starts them (`path.join(__dirname, 'worker.js')`).
    worker: 'server/src/scan/worker.ts',
  };
  const optional = ['server/src/lsp/largeDocumentWorker.ts'];
  for (const file of optional) if (fs.existsSync(path.join(ROOT, file))) entries[path.basename(file, '.ts')] = file;
  const entryPoints = Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, path.join(ROOT, file)]));
  // What the CLI and the language server load on demand: `require('./undici.js')` beside them (undiciApart).
  entries.undici = 'undici';
  entryPoints.undici = require.resolve('undici');
  const split = { ...common, plugins: [...common.plugins, undiciApart()] };

  if (process.argv.includes('--watch')) {
    // `npm run watch`: rebuilds dist/ in place on every change, so F5 runs what was just edited.
    const context = await esbuild.context({ ...split, entryPoints, outdir: DIST, logLevel: 'info' });
    await context.watch();
    return;
  }

  // Built in a folder inside dist/ and moved up file by file: a rename replaces a file atomically, so
  // an editor or a test that is loading dist/ meanwhile never sees a missing or half-written bundle.
  fs.mkdirSync(DIST, { recursive: true });
  const staging = fs.mkdtempSync(path.join(DIST, '.staging-'));
  try {
    await esbuild.build({ ...split, entryPoints, outdir: staging });
    const built = fs.readdirSync(staging);
    for (const name of built) fs.renameSync(path.join(staging, name), path.join(DIST, name));
    // Whatever an earlier build left that this one did not make (a removed entry point).
    for (const name of fs.readdirSync(DIST)) {
      if (!built.includes(name) && !name.startsWith('.staging-')) fs.rmSync(path.join(DIST, name), { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  for (const name of Object.keys(entries)) {
    const size = fs.statSync(path.join(DIST, `${name}.js`)).size;
    console.log(`${path.relative(ROOT, path.join(DIST, `${name}.js`))} ${(size / 1024).toFixed(0)} KiB${minify ? ' (minified)' : ''}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
