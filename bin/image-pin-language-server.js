#!/usr/bin/env node
require("../server/out/lsp/main.js");
