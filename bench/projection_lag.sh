#!/usr/bin/env bash
# How far the analytics projection lags the clicks log while wrk drives
# redirects (clicks queued): /metrics is sampled every 50 ms during the run,
# and the time to catch up after it is measured.
#
#   bench/projection_lag.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
build=${1:-build}
seconds=${2:-5}
conns=${3:-32}
linkly="$build/app/linkly"
command -v wrk >/dev/null || { echo "projection_lag: wrk is needed (apt-get install wrk)" >&2; exit 1; }
[ -x "$linkly" ] || { echo "projection_lag: build $linkly first" >&2; exit 1; }
. "$(dirname "$0")/start_linkly.sh"

data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
start_linkly "$linkly" "$data/d"
base="http://127.0.0.1:$port"
curl -s -o /dev/null "$base/links" -H 'Content-Type: application/json' -d '{"url":"https://example.com/landing","code":"demo"}'

lag() {
  curl -s "$base/metrics" |
    awk '/^linkly_projection_lag_events\{projection="analytics",log="clicks"\}/ {print $2}'
}
samples="$data/samples"
wrk -t1 -c"$conns" -d"${seconds}s" "$base/s/demo" >"$data/wrk.txt" &
wrk_pid=$!
while kill -0 "$wrk_pid" 2>/dev/null; do
  lag >>"$samples"
  sleep 0.05
done
wait "$wrk_pid"
start=$(date +%s%N)
until [ "$(lag)" = 0 ]; do sleep 0.005; done
caught_up_ms=$(( ($(date +%s%N) - start) / 1000000 ))
rps=$(awk '/Requests\/sec/ {print $2}' "$data/wrk.txt")
sort -n "$samples" | awk -v rps="$rps" -v up="$caught_up_ms" '
  { v[NR] = $1 }
  END {
    p50 = v[int(NR * 0.5) + 1]; p99 = v[int(NR * 0.99) + 1]; max = v[NR]
    printf "redirects %.0f/s; analytics lag over %d samples: p50 %d, p99 %d, max %d clicks", rps, NR, p50, p99, max
    printf " (p99 %.1f ms of traffic); caught up %d ms after the load\n", p99 / rps * 1000, up
  }'
kill -TERM "$pid"
wait "$pid" || true
