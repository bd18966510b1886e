#!/usr/bin/env bash
# Bulk import: time `linkly import` of ROWS generated links (default 1M)
# into a fresh server with the default durability (log.sync on).
#
#   bench/import_bench.sh [BUILD_DIR] [ROWS]
#
# Prints the rows, bytes, seconds and rows/s of the import, and checks the
# answer and a sample redirect.
set -euo pipefail
build=${1:-build}
rows=${2:-1000000}
bin="$build/app/linkly"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/start_linkly.sh"

work=$(mktemp -d /tmp/linkly-import-bench.XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# One third custom codes with a bare host, one third with a scheme, one third generated.
awk -v n="$rows" 'BEGIN {
  print "code,url"
  for (i = 0; i < n; i++) {
    m = i % 3
    if (m == 0) printf "imp-%d,example.com/articles/%d\n", i, i
    else if (m == 1) printf "imp-%d, https://docs.example.org/page/%d?ref=import \r\n", i, i
    else printf ",https://gen.example/%d\n", i
  }
}' >"$work/links.csv"
bytes=$(stat -c %s "$work/links.csv")

# CPU seconds (user + system) the server has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"; }

start_linkly "$bin" "$work/data"
c0=$(cpu_s)
t0=$(date +%s.%N)
answer=$("$bin" import "$work/links.csv" --server "http://127.0.0.1:$port")
t1=$(date +%s.%N)
c1=$(cpu_s)
echo "$answer"
imported=$(echo "$answer" | grep -o '"imported":[0-9]*' | grep -o '[0-9]*$')
secs=$(echo "$t1 - $t0" | bc -l)
# server_cpu_s: CPU the server spent meanwhile (projections catching up
# included); on a busy machine it says more than the wall time.
printf 'rows=%d bytes=%d imported=%d seconds=%.2f rows_per_s=%.0f server_cpu_s=%.2f\n' \
  "$rows" "$bytes" "$imported" "$secs" "$(echo "$rows / $secs" | bc -l)" "$(echo "$c1 - $c0" | bc -l)"
[ "$imported" -eq "$rows" ] || { echo "expected $rows imported" >&2; exit 1; }
loc=$(curl -s -o /dev/null -w "%{redirect_url}" "http://127.0.0.1:$port/imp-3")
[ "$loc" = "https://example.com/articles/3" ] || { echo "imp-3 redirects to '$loc'" >&2; exit 1; }
