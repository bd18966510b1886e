#!/usr/bin/env bash
# What keeps linkly's io thread off the CPU while `linkly-bench run` drives
# it: a `perf sched record` of every CPU for a few seconds in the middle of
# the measured window, then bench/io_wait.py on it (who ran on the server's
# CPU while the io thread was runnable, per thread of linkly and per other
# process). Needs perf (linux-perf) and root or perf_event_paranoid <= 1.
#
#   bench/io_wait.sh OUT_PREFIX [LINKLY_BIN] [SCENARIO] [RATE]
#   e.g. bench/io_wait.sh /tmp/q1000 build/app/linkly queued 1000
set -euo pipefail
out=$1
bin=$(realpath "${2:-build/app/linkly}")
scenario=${3:-queued}
rate=${4:-1000}
bench="$(dirname "$0")/../build/bench/linkly-bench"
# Seconds recorded, and how long after the measured server appears: past
# its start and linkly-bench's 1 s warm-up, inside its 8 s window.
record_s=4
settle_s=2.5
command -v perf >/dev/null || { echo "io_wait: perf is needed (apt-get install linux-perf)" >&2; exit 1; }

"$bench" --linkly "$bin" --duration-ms 8000 run --scenario "$scenario" --rate "$rate" >"$out.bench.txt" 2>&1 &
bench_pid=$!
# The measured server, not the one that preloads the links (data dir "template").
server=""
for _ in $(seq 1 600); do
  server=$(pgrep -n -f -- "$bin serve --data [^ ]*/$scenario --listen" || true)
  [ -n "$server" ] && break
  sleep 0.1
done
[ -n "$server" ] || { echo "io_wait: the $scenario server did not start" >&2; kill "$bench_pid"; exit 1; }
sleep "$settle_s"
perf sched record -a -o "$out.data" -- sleep "$record_s" >"$out.perf.log" 2>&1
for t in /proc/"$server"/task/*; do echo "$(basename "$t") $(cat "$t/comm")"; done >"$out.threads"
wait "$bench_pid" || true
grep -E "^$scenario " "$out.bench.txt" || true
python3 "$(dirname "$0")/io_wait.py" "$out.data" "$out.threads"
