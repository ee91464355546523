#!/usr/bin/env bash
# better-sqlite3's native addon for the running Node.js, in the checkout this is run from (after
# `npm ci --ignore-scripts`): copied from the cache when its exact key is there, else compiled
# from source (`npm rebuild better-sqlite3`) and stored under that key. Only the npm registry is
# reachable here, so there is no prebuilt download: compiling takes 1.5–6 minutes on a two-core
# machine, a copy a moment. The key is exact for what the addon was built from and for:
# better-sqlite3's version and lock-file integrity, the Node.js version (and so its module ABI),
# platform and architecture; any change to one of them compiles again. Whatever loads the addon
# next (the test suite, the smoke test's server) fails on a bad copy.
# Used by .ci/run (the Node.js the suite runs on) and scripts/smoke-node.sh (each other major).
# CLEARANCE_SMOKE_CACHE moves the cache (default ~/.cache/clearance-smoke); delete it to compile.
set -euo pipefail
cache="${CLEARANCE_SMOKE_CACHE:-${HOME}/.cache/clearance-smoke}"
release=node_modules/better-sqlite3/build/Release
key="$(node -e '
  const lock = require("./package-lock.json").packages["node_modules/better-sqlite3"];
  const hash = require("node:crypto").createHash("sha256").update(lock.integrity).digest("hex");
  const v = process.versions;
  console.log(`better-sqlite3-${lock.version}-${hash.slice(0, 16)}-node${v.node}-abi${v.modules}-${process.platform}-${process.arch}`);
')"
cached="$cache/addons/$key/better_sqlite3.node"
if [ -f "$cached" ]; then
  mkdir -p "$release" && cp "$cached" "$release/better_sqlite3.node"
  echo "== better-sqlite3: cached build $key"
  exit 0
fi
echo "== better-sqlite3: compiling for $key"
npm rebuild better-sqlite3 --no-audit --no-fund --loglevel=error
mkdir -p "$cache/addons/$key"
# Renamed into place, so a run beside this one never copies half a file.
cp "$release/better_sqlite3.node" "$cached.$$" && mv "$cached.$$" "$cached"
