#!/usr/bin/env node
// Runs the compiled tests of the named tiers (default: all) in one `node --test` run.
// Tiers are folders of out/test: core, cli, registry, lsp, e2e. The extension-host suites in
// out/test/vscode are mocha suites that the e2e tier runs inside a real VS Code.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'out', 'test');
const TIERS = ['core', 'cli', 'registry', 'lsp', 'e2e'];

const wanted = process.argv.slice(2);
for (const t of wanted) {
  if (!TIERS.includes(t)) {
    console.error(`run-tests: unknown tier "${t}"; tiers are ${TIERS.join(', ')}`);
    process.exit(2);
  }
}
if (!fs.existsSync(OUT)) {
  console.error('run-tests: out/test does not exist; build first (npm run build)');
  process.exit(2);
}

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const tiers = wanted.length ? wanted : TIERS;
const byTier = tiers.map((t) => [t, testFiles(path.join(OUT, t)).sort()]);
// A tier with nothing to run is a broken build, not a pass.
const empty = byTier.filter(([, f]) => f.length === 0).map(([t]) => t);
if (empty.length) {
  console.error(`run-tests: no compiled tests in ${empty.map((t) => `out/test/${t}`).join(', ')}; build first (npm run build)`);
  process.exit(2);
}
const files = byTier.flatMap(([, f]) => f);
console.log(`run-tests: ${files.length} test files in ${tiers.join(', ')}`);
// Spec output for people, TAP into a file for the closing count line that CI reads.
const tap = path.join(ROOT, 'out', 'test-results.tap');
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
  { cwd: ROOT, stdio: 'inherit' },
);
const count = (name) => {
  const m = fs.existsSync(tap) ? new RegExp(`^# ${name} (\\d+)$`, 'm').exec(fs.readFileSync(tap, 'utf8')) : null;
  return m ? Number(m[1]) : 0;
};
console.log(`tests: ${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped') + count('todo')} skipped`);
process.exit(result.status ?? 1);
