#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a share of a total time and
# prints a Markdown table (executions, exec/s, coverage, corpus, crashes) for
# bench/results/fuzz.md.
#
#   scripts/fuzz.sh [TOTAL_SECONDS] [TARGET...]
#
#   TOTAL_SECONDS  CPU time for all targets together (default 3600: one
#                  CPU-hour), split evenly; each target is one process.
#   TARGET         fuzz target names (default: all ten).
# Environment:
#   BUILD_DIR=build-fuzz  the `fuzz` preset's build (cmake --preset fuzz &&
#                         cmake --build --preset fuzz), built if missing
#   PARALLEL=1            targets run at once (each on one core)
#   KEEP_GOING=0          1: libFuzzer's fork mode, which records a crash,
#                         OOM or timeout and goes on instead of stopping
#   LOG_DIR=$BUILD_DIR/fuzz-logs
#   REPORT_ONLY=0         1: print the table of the last run's logs, run nothing
# New corpus entries accumulate in $BUILD_DIR/fuzz-corpus/<target> (the
# committed seeds in tests/fuzz/corpus stay as they are; copy the useful new
# ones there by hand, or minimise with -merge=1). Crash reproducers go to
# $BUILD_DIR/fuzz-crashes/<target>-*; once fixed, commit them to
# tests/fuzz/crashes/ so ctest replays them.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
total="${1:-3600}"
shift || true
all_targets=(request json_body csv_rows url_rules record event_payload event_log dead_letters
             projection_store config)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
build="${BUILD_DIR:-$root/build-fuzz}"
parallel="${PARALLEL:-1}"
logs="${LOG_DIR:-$build/fuzz-logs}"

if [ ! -x "$build/tests/fuzz/fuzz_${targets[0]}" ]; then
  (cd "$root" && cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j2)
fi

per_target=$(( total / ${#targets[@]} ))
[ "$per_target" -ge 1 ] || per_target=1
mkdir -p "$logs" "$build/fuzz-crashes"

run_one() {
  local t="$1"
  local work="$build/fuzz-corpus/$t"
  mkdir -p "$work"
  local mode=()
  [ "${KEEP_GOING:-0}" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  # -timeout: an input taking 10 s is a hang; -malloc_limit_mb: a decoder
  # that believes a length it read is an OOM, reported as a crash (no input
  # here needs 256 MiB in one piece).
  # One process per target, one core each (no -jobs: it would fork
  # workers writing fuzz-<n>.log into a shared directory).
  "$build/tests/fuzz/fuzz_$t" "${mode[@]}" -max_total_time="$per_target" \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-crashes/$t-" "$work" "$root/tests/fuzz/corpus/$t" \
    >"$logs/$t.log" 2>&1 || true
  return 0
}

if [ "${REPORT_ONLY:-0}" != 1 ]; then
  echo "fuzzing ${#targets[@]} targets, ${per_target} s each, ${parallel} at a time; logs in $logs" >&2
  running=0
  for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
      wait -n
      running=$((running - 1))
    fi
  done
  wait
fi

# The last status line libFuzzer printed: "#N ... cov: C ft: F corp: K/S ... exec/s: E".
# (Each lookup may find nothing: "?" then, never an exit under set -e.)
last_number() { grep -aoE "$1:? +[0-9]+" | tail -1 | grep -oE '[0-9]+$' || true; }
echo
echo "| target | seconds | executions | exec/s | cov | ft | corpus (files) | crashes/OOMs/timeouts |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for t in "${targets[@]}"; do
  log="$logs/$t.log"
  line="$(grep -aE '^#[0-9]+' "$log" | grep -a 'cov:' | tail -1 || true)"
  execs="$(last_number 'stat::number_of_executed_units' <"$log")"
  [ -n "$execs" ] || execs="$(grep -oE '^#[0-9]+' <<<"$line" | tr -d '#' || true)"
  rate="$(last_number 'stat::average_exec_per_sec' <"$log")"
  # The time it ran: "Done N runs in S second(s)", or fork mode's "time: Ss".
  secs="$(grep -aoE 'runs in [0-9]+ second|time: [0-9]+s' "$log" | tail -1 | grep -oE '[0-9]+' || true)"
  [ -n "$secs" ] && [ "$secs" -gt 0 ] || secs=$per_target
  # Fork mode (KEEP_GOING) reports 0 there: executions over the time then.
  if [ -z "$rate" ] || [ "$rate" = 0 ]; then
    rate=$(( ${execs:-0} / secs ))
  fi
  cov="$(last_number cov <<<"$line")"
  ft="$(last_number ft <<<"$line")"
  corpus="$(find "$build/fuzz-corpus/$t" -type f | wc -l)"
  crashes="$(find "$build/fuzz-crashes" -name "$t-*" -type f | wc -l)"
  kinds="$(grep -aoE 'SUMMARY: [A-Za-z]+: [a-z-]+' "$log" | sed 's/SUMMARY: //' \
           | sort | uniq -c | awk '{$1=$1; print}' | paste -sd ';' - || true)"
  echo "| $t | $secs | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | $corpus | $crashes${kinds:+ ($kinds)} |"
done
