#!/usr/bin/env bash
# The whole test suite: installs what it needs (see install-deps.sh), then runs every tier
# (unit, CLI, registry integration, protocol, extension host, browser end-to-end) in one
# `node --test` run so its summary counts everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
node scripts/run-tests.js "$@"
