#!/usr/bin/env node
/**
 * The `image-pin` command: the entry point of the CLI bundle (dist/cli.js, the npm package's bin).
 * esbuild keeps the first line, so the bundle runs on its own as an executable.
 */
import { EXIT_USAGE } from './common';
import { main } from './main';
import { tuneForShortRun } from './shortRun';

tuneForShortRun();

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Not 1, which a CI script reads as "findings": a crash must never pass for an ordinary result.
    process.stderr.write(`image-pin: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT_USAGE;
  },
);
