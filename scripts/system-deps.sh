#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real (git, bubblewrap, neovim, curl, pypy3), only if
# missing; with --demo only what `make demo` needs (git, bubblewrap: tasks run only in the jail).
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
command -v bwrap >/dev/null || need+=(bubblewrap)
if [ "${1:-}" != "--demo" ]; then  # the demo needs only git and the jail
  command -v nvim >/dev/null || need+=(neovim)
  command -v curl >/dev/null || need+=(curl)  # the approval tests run a (refused) curl
  # the extension's test: an interpreter older than 3.11 is told so (pypy3 is a Python 3.9 here)
  command -v pypy3 >/dev/null || need+=(pypy3)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "roadmapd: missing system packages: ${need[*]} (run as root, or install them: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
