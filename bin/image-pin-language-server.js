#!/usr/bin/env node
// The language server from the tsc output in out/, for development and the tests.
// The package's `image-pin-language-server` command is the bundle dist/server.js (package.json "bin").
require("../out/server/src/lsp/main.js");
