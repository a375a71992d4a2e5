#!/usr/bin/env node
/**
 * The `image-pin` command: the entry point of the CLI bundle (dist/cli.js, the npm package's bin).
 * esbuild keeps the first line, so the bundle runs on its own as an executable.
 */
import { main } from './main';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
