#!/usr/bin/env bash
# Redirect throughput and latency with clicks queued, off and written inline,
# in one run, with wrk on loopback. Each mode gets a fresh server and data
# directory; after the run the clicks in the log are counted against the
# redirects answered.
#
#   bench/redirect_modes.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
build=${1:-build}
seconds=${2:-5}
conns=${3:-32}
linkly="$build/app/linkly"
command -v wrk >/dev/null || { echo "redirect_modes: wrk is needed (apt-get install wrk)" >&2; exit 1; }
[ -x "$linkly" ] || { echo "redirect_modes: build $linkly first" >&2; exit 1; }
. "$(dirname "$0")/start_linkly.sh"

printf '%-8s %12s %10s %10s %14s %14s\n' mode 'req/s' 'p50' 'p99' 'redirects' 'clicks logged'
for mode in queued off inline; do
  data=$(mktemp -d)
  start_linkly "$linkly" "$data/d" --clicks-mode "$mode"
  curl -s -o /dev/null "http://127.0.0.1:$port/links" -d '{"url":"https://example.com/landing","code":"demo"}'
  out=$(wrk -t1 -c"$conns" -d"${seconds}s" --latency "http://127.0.0.1:$port/s/demo")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  kill -TERM "$pid"
  wait "$pid" || true
  clicks=0
  [ "$mode" = off ] || clicks=$("$linkly" log dump clicks --data "$data/d" | wc -l)
  printf '%-8s %12s %10s %10s %14s %14s\n' "$mode" "$rps" "$p50" "$p99" "$total" "$clicks"
  rm -rf "$data"
done
