#!/usr/bin/env bash
# Peak RSS of `clearance serve` while it streams evidence pack downloads: the attack pass's probe
# (4 × 60 MiB of random evidence on one version, a ~250 MB pack; one download, then six at once).
# Usage: bench/evidence-pack-memory.sh <checkout built with npm run build> [<work dir>]
# Seeds a fresh SQLite database and data directory with this checkout's CLI unless the work dir
# already holds one, so two builds can be measured on the same data. Not a test: figures go to
# docs/operations.md and the commit that changes them.
set -euo pipefail
BUILD=${1:?checkout}
WORK=${2:-$(mktemp -d /tmp/pack-probe.XXXXXX)}
CLI="node $BUILD/bin/clearance.js"
DB="sqlite:$WORK/r.db"
PORT=${PORT:-18788}
LIMIT=${CLEARANCE_MAX_CONCURRENT_EVIDENCE_PACKS:-8}
CLEARANCE_MAX_CONCURRENT_EVIDENCE_PACKS=$LIMIT
export CLEARANCE_MAX_CONCURRENT_EVIDENCE_PACKS
seeded=true
if [ ! -f "$WORK/token" ]; then
  seeded=false
  $CLI admin bootstrap --database "$DB" --data-dir "$WORK/data" --format json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' > "$WORK/token"
fi
$CLI serve --database "$DB" --data-dir "$WORK/data" --port "$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
export CLEARANCE_SERVER="http://127.0.0.1:$PORT" CLEARANCE_TOKEN="$(cat "$WORK/token")"
if [ "$seeded" = false ]; then
  cat > "$WORK/policy.yaml" <<'YAML'
apiVersion: clearance/v1
kind: Policy
metadata: { name: m1, riskTier: high, owner: ml-platform }
roles: [model_owner, tech_lead, mlops, risk_officer]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
YAML
  $CLI model register m1 --owner-team ml --policy "$WORK/policy.yaml" >/dev/null
  $CLI version register m1 1 --artifact-uri s3://m/1 \
    --artifact-digest "sha256:$(printf 'ab%.0s' $(seq 1 32))" >/dev/null
  mkdir -p "$WORK/evidence"
  for i in 1 2 3 4; do head -c $((60 * 1024 * 1024)) /dev/urandom > "$WORK/evidence/blob$i.bin"; done
  $CLI evidence attach m1 1 "$WORK/evidence" >/dev/null
  rm -r "$WORK/evidence"
fi
H="Authorization: Bearer $CLEARANCE_TOKEN"
URL="$CLEARANCE_SERVER/api/v1/models/m1/versions/1/evidence-pack"
peak() { local max=0 r; while kill -0 "$1" 2>/dev/null; do r=$(ps -o rss= -p "$PID" | tr -d ' '); [ "${r:-0}" -gt "$max" ] && max=$r; sleep 0.1; done; echo "$max"; }
run() {
  local n=$1
  echo "idle RSS KiB $(ps -o rss= -p "$PID" | tr -d ' ')"
  ( for i in $(seq 1 "$n"); do curl -s -o "$WORK/pack$i.tar.gz" -w "download $i: %{http_code} %{size_download} B %{time_total} s\n" "$URL" -H "$H" & done; wait ) &
  local clients=$!
  echo "peak RSS KiB with $n at once: $(peak $clients)"
  wait $clients || true
}
run 1
run 6
