#!/usr/bin/env bash
# Memory and start-up per link: `linkly serve` started on a log of ROWS
# links, RSS (VmRSS) once /healthz answers, and the time until it does.
#
#   bench/link_memory.sh BIN DATA_DIR [ROWS] [RUNS]
#
# DATA_DIR is made once (ROWS links imported as bench/import_bench.sh does,
# then the projections left to catch up) and reused by later calls, so
# two binaries can be measured alternately on the same log. Prints one line
# per run: rows, startup_ms (spawn to the first 200 from /healthz), rss_kb,
# rss_bytes_per_link and the server's own "recovered ... in N ms".
set -euo pipefail
bin=$1
data=$2
rows=${3:-1000000}
runs=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/start_linkly.sh"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true' EXIT

stop() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
}

# Head minus checkpoint of every projection, summed (0: all caught up).
lag() {
  curl -s "http://127.0.0.1:$port/metrics" |
    awk '/^linkly_projection_lag_events/ { s += $2 } END { print s + 0 }'
}

if [ ! -d "$data" ]; then
  csv="$data.csv"
  awk -v n="$rows" 'BEGIN {
    print "code,url"
    for (i = 0; i < n; i++) {
      m = i % 3
      if (m == 0) printf "imp-%d,example.com/articles/%d\n", i, i
      else if (m == 1) printf "imp-%d,https://docs.example.org/page/%d?ref=import\n", i, i
      else printf ",https://gen.example/%d\n", i
    }
  }' >"$csv"
  start_linkly "$bin" "$data"
  "$bin" import "$csv" --server "http://127.0.0.1:$port" >/dev/null
  # Bounded: projections run at >= 20k events/s, so 10M rows need < 10 min.
  for _ in $(seq 1 1200); do
    [ "$(lag)" = 0 ] && break
    sleep 0.5
  done
  stop
  rm -f "$csv"
fi

for _ in $(seq 1 "$runs"); do
  log="$data.serve.log"
  t0=$(date +%s%N)
  "$bin" serve --data "$data" --listen 127.0.0.1:0 >"$log" 2>&1 &
  pid=$!
  port=""
  ready=""
  # Bounded at 120 s: 10M links are expected to start in 10.
  for _ in $(seq 1 12000); do
    # Read again until it answers: the line may have been half written.
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    if [ -n "$port" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; then
      ready=$(date +%s%N)
      break
    fi
    sleep 0.01
  done
  [ -n "$ready" ] || { echo "linkly did not become healthy" >&2; cat "$log" >&2; exit 1; }
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
  recovered=$(grep -o 'in [0-9]* ms' "$log" | head -1 | grep -o '[0-9]*' || echo "?")
  printf 'bin=%s rows=%d startup_ms=%d rss_kb=%d rss_bytes_per_link=%.0f recovered_ms=%s\n' \
    "$bin" "$rows" $(((ready - t0) / 1000000)) "$rss" "$(echo "$rss * 1024 / $rows" | bc -l)" "$recovered"
  stop
done
