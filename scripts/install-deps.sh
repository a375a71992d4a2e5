#!/usr/bin/env bash
# Installs everything the whole test suite needs on a fresh Debian machine:
#   - Debian packages: a real OCI registry (docker-registry), skopeo (independent digest oracle),
#     htpasswd and openssl (auth and TLS variants), pre-commit (the hook's integration test), and what
#     the real-editor tests need;
#   - the project's npm dependencies (npm ci, which also builds);
#   - the real-editor harness (Node 24 + code-server in .e2e/, see scripts/install-e2e.sh): chromium, and
#     libkrb5-dev pkg-config g++ make python3 for the native modules code-server compiles.
# Each step is skipped when already done. Without root, missing Debian packages are named and the run fails.
# Nothing is optional: a tier whose tools are missing fails here (or in its tests), it is never skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(docker-registry skopeo apache2-utils openssl pre-commit git chromium libkrb5-dev pkg-config g++ make python3)
say() { printf '[install-deps] %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if ((${#missing[@]} == 0)); then
  say "Debian packages present: ${APT_PACKAGES[*]}"
elif ((EUID == 0)); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "missing Debian packages: ${missing[*]}"
  say "run as root: apt-get install -y ${missing[*]}"
  exit 1
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f node_modules/.image-pin-lock && "$(cat node_modules/.image-pin-lock)" == "$lock_hash" ]]; then
  say "npm dependencies match package-lock.json; building (tsc -b, then the esbuild bundle in dist/)"
  npm run --silent build
else
  say "npm ci (installs and builds)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.image-pin-lock
fi

bash scripts/install-e2e.sh
