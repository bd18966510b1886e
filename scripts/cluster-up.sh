#!/usr/bin/env bash
# Starts a linkly cluster on this machine to try it (docs/CLUSTER.md): three
# nats-servers with JetStream in one NATS cluster, `linkly cluster init`
# (R3 streams), then three linkly nodes, all on 127.0.0.1. Ctrl-C (or
# SIGTERM) stops everything it started; the data stays for the next run.
#
#   scripts/cluster-up.sh [DATA_DIR]
#
#   DATA_DIR  where the NATS stores, the nodes' data and every log go
#             (default ./cluster-data): DATA_DIR/nats/nK, DATA_DIR/nodeK.
# Environment:
#   LINKLY_BIN=build/app/linkly   the linkly executable
#   NATS_SERVER=nats-server       the NATS server (scripts/install-deps.sh)
#   NATS_BASE_PORT=4222           NATS clients on 4222-4224, routes on
#                                 6222-6224 (base + 2000), monitoring on
#                                 8222-8224 (base + 4000)
#   HTTP_BASE_PORT=3111           the nodes' HTTP on 3111-3113
#   LINKLY_TOKEN                  passed to the nodes when set
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-./cluster-data}"
linkly="${LINKLY_BIN:-$root/build/app/linkly}"
nats_server="${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}"
nats_base="${NATS_BASE_PORT:-4222}"
http_base="${HTTP_BASE_PORT:-3111}"
# Longest wait for each server or node to answer after its start.
ready_seconds=30

[ -x "$linkly" ] || { echo "cluster-up: no linkly at $linkly (build it, or set LINKLY_BIN)" >&2; exit 1; }
[ -x "$nats_server" ] || { echo "cluster-up: no nats-server (scripts/install-deps.sh installs it)" >&2; exit 1; }
mkdir -p "$data/nats"
data="$(cd "$data" && pwd)"

pids=()
# shellcheck disable=SC2317  # reached through the traps
stop_all() {
  local code=$1
  trap - INT TERM EXIT
  echo "cluster-up: stopping" >&2
  # Nodes first (they drain), then the NATS servers; only our own children.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  exit "$code"
}
trap 'stop_all 0' INT TERM
trap 'stop_all $?' EXIT

urls=""
for k in 1 2 3; do
  port=$((nats_base + k - 1))
  urls="${urls:+$urls,}nats://127.0.0.1:$port"
done

for k in 1 2 3; do
  dir="$data/nats/n$k"
  mkdir -p "$dir"
  routes=""
  for j in 1 2 3; do
    [ "$j" = "$k" ] || routes="$routes    \"nats-route://127.0.0.1:$((nats_base + 2000 + j - 1))\"
"
  done
  cat > "$dir/nats.conf" <<CONF
server_name: n$k
listen: "127.0.0.1:$((nats_base + k - 1))"
http: "127.0.0.1:$((nats_base + 4000 + k - 1))"
log_file: "$dir/nats.log"
jetstream { store_dir: "$dir/js" }
cluster {
  name: linkly
  listen: "127.0.0.1:$((nats_base + 2000 + k - 1))"
  routes: [
$routes  ]
}
CONF
  "$nats_server" -c "$dir/nats.conf" &
  pids+=($!)
done

# JetStream is ready once the cluster has a meta leader: init succeeds.
echo "cluster-up: waiting for JetStream on $urls" >&2
deadline=$((SECONDS + ready_seconds))
until "$linkly" --cluster-nats-urls "$urls" cluster init; do
  if ((SECONDS > deadline)); then
    echo "cluster-up: JetStream not ready in ${ready_seconds}s; see $data/nats/n*/nats.log" >&2
    exit 1
  fi
  sleep 1
done

for k in 1 2 3; do
  port=$((http_base + k - 1))
  "$linkly" serve --data "$data/node$k" --listen "127.0.0.1:$port" \
    --cluster-nats-urls "$urls" --cluster-node "node$k" >"$data/node$k.log" 2>&1 &
  pids+=($!)
done
for k in 1 2 3; do
  port=$((http_base + k - 1))
  deadline=$((SECONDS + ready_seconds))
  until curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      echo "cluster-up: node$k not answering on :$port; see $data/node$k.log" >&2
      exit 1
    fi
    sleep 0.2
  done
done

"$linkly" --cluster-nats-urls "$urls" cluster status || true
cat >&2 <<MSG
cluster-up: ready.
  NATS:   $urls  (monitoring http://127.0.0.1:$((nats_base + 4000))/jsz)
  nodes:  http://127.0.0.1:$http_base  http://127.0.0.1:$((http_base + 1))  http://127.0.0.1:$((http_base + 2))
  logs:   $data/node*.log, $data/nats/n*/nats.log
  status: $linkly --cluster-nats-urls $urls cluster status
Ctrl-C stops them all.
MSG
# Until Ctrl-C, or until any process ends by itself.
wait -n "${pids[@]}" || true
echo "cluster-up: a process ended by itself; stopping the others" >&2
exit 1
