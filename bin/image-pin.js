#!/usr/bin/env node
// The CLI from the tsc output in out/, for development and the tests (`npx tsc -b` is enough).
// The package's `image-pin` command is the bundle dist/cli.js (package.json "bin").
require("../out/server/src/cli/bin.js");
