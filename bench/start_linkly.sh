# Sourced by the bench scripts: start_linkly BIN DATA_DIR [ARGS...] runs
# `linkly serve` on a free loopback port and sets $pid and $port once it
# listens (its log is DATA_DIR.log). Exits the script if it does not start.
start_linkly() {
  local bin=$1 data=$2
  shift 2
  local log="$data.log"
  "$bin" serve --data "$data" --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
  pid=$!
  port=""
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "linkly did not start" >&2
  cat "$log" >&2
  kill "$pid"
  exit 1
}
