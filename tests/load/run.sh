#!/usr/bin/env bash
# Load test with a real HTTP load tool: hey (Debian: apt-get install hey). Starts the server on a loopback port
# with its own data directory, then for a bounded time runs concurrent search and ask clients while an uploader
# keeps the ingestion queue full. Prints hey's latency percentiles and status codes, and the uploads' statuses;
# fails on any 5xx other than the queue's 503 with Retry-After.
# Usage: tests/load/run.sh [seconds=15] [clients per operation=4]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
clients=${2:-4}
port=${DOCQA_LOAD_PORT:-5181}
base="http://127.0.0.1:$port"
command -v hey >/dev/null || { echo "tests/load/run.sh needs hey: apt-get install hey" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build src/DocQa.Server -c Release -v quiet -nologo >/dev/null
dotnet src/DocQa.Server/bin/Release/net10.0/DocQa.Server.dll --Urls="$base" --Storage:DataDirectory="$work/store" \
  --Ingestion:MaxQueuedDocuments=3 --Limits:RequestsPerMinute=0 --Logging:LogLevel:Default=Warning >"$work/server.log" 2>&1 &
server=$!

# Ready once healthy and the sample documents (seeded into "default" on first start) are ingested.
for _ in $(seq 1 240); do
  if curl -sf "$base/health" >/dev/null && [ "$(curl -s "$base/v1/indexes/default/documents" | grep -o '"status":"ready"' | wc -l)" -ge 2 ]; then break; fi
  sleep 0.5
done
curl -sf "$base/health" >/dev/null || { echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

uploads() {
  local end=$((SECONDS + seconds)) i=0
  while [ $SECONDS -lt $end ]; do
    i=$((i + 1))
    for line in $(seq 1 40); do echo "Watch $i.$line: wind from the north-west, fog at dawn, $line ships passed the point."; echo; done >"$work/log-$i.md"
    curl -s -o /dev/null -D "$work/headers" -w '%{http_code}\n' -F "file=@$work/log-$i.md" "$base/v1/indexes/default/documents" >>"$work/uploads.txt"
    if grep -q '^HTTP/1.1 503' "$work/headers" && ! grep -qi '^retry-after:' "$work/headers"; then echo "503 without Retry-After" >>"$work/uploads.txt"; fi
    sleep 0.1
  done
}

echo "load: ${seconds}s, $clients search + $clients ask clients (hey) + 1 uploader (curl), server $base"
hey -z "${seconds}s" -c "$clients" -t 60 -m POST -T application/json -d '{"query":"Gettysburg dedicate a portion of that field","top":5}' \
  "$base/v1/indexes/default/search" >"$work/search.txt" &
search=$!
hey -z "${seconds}s" -c "$clients" -t 60 -m POST -T application/json -d '{"question":"What did the nation dedicate?"}' \
  "$base/v1/indexes/default/ask" >"$work/ask.txt" &
ask=$!
uploads &
wait "$search" "$ask" $!

failed=0
for op in search ask; do
  echo "--- $op"
  # hey's summary, its 50/95/99th percentiles (hey prints "0% in 0" for those it has too few requests for), status codes and errors
  grep -E '^  (Total|Slowest|Fastest|Average|Requests/sec):|^  (50|95|99)% in|^  \[[0-9]+\]|^Error distribution' "$work/$op.txt" | uniq
  if grep -qE '^\s+\[5[0-9][0-9]\]' "$work/$op.txt" || grep -q '^Error distribution:' "$work/$op.txt"; then failed=1; fi
done
echo "--- upload"
sort "$work/uploads.txt" | uniq -c
if grep -vqE '^(202|503)$' "$work/uploads.txt"; then failed=1; fi
[ "$failed" -eq 0 ] && echo "load: no 5xx other than 503 with Retry-After" || echo "load: FAILED: unexpected statuses or errors"
exit "$failed"
