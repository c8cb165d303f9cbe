#!/usr/bin/env bash
# Starts a 3-node docsync cluster on this machine, against one PostgreSQL, and stops it on Ctrl-C.
#
#   DOCSYNC_PG_URL=postgresql://user:pass@127.0.0.1:5432/docsync docs/cluster/run-3-nodes.sh
#
# Needs the jar (mvn -DskipTests package). Nodes listen on HTTP ports 8081-8083 and Hazelcast ports 5701-5703 of
# 127.0.0.1 (move them with HTTP_BASE_PORT and CLUSTER_BASE_PORT); their logs and data directories are in
# RUN_DIR (./cluster-run). Every node gets the same DOCSYNC_JWT_SECRET: yours, or one generated here and printed.
# Any other DOCSYNC_* variable you set applies to all three nodes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="${JAR:-$ROOT/target/docsync.jar}"
RUN_DIR="${RUN_DIR:-$PWD/cluster-run}"
HTTP_BASE_PORT="${HTTP_BASE_PORT:-8081}"
CLUSTER_BASE_PORT="${CLUSTER_BASE_PORT:-5701}"
NODES=3

if [[ -z "${DOCSYNC_PG_URL:-}" ]]; then
  echo "Set DOCSYNC_PG_URL to the PostgreSQL all nodes share, e.g. postgresql://postgres@127.0.0.1:5432/docsync" >&2
  exit 2
fi
if [[ ! -f "$JAR" ]]; then
  echo "No $JAR: build it first (mvn -DskipTests package), or set JAR" >&2
  exit 2
fi
if [[ -z "${DOCSYNC_JWT_SECRET:-}" && -z "${DOCSYNC_JWT_PUBLIC_KEY:-}" ]]; then
  DOCSYNC_JWT_SECRET="$(head -c 32 /dev/urandom | base64)"
  echo "Generated DOCSYNC_JWT_SECRET for this cluster: $DOCSYNC_JWT_SECRET"
fi
export DOCSYNC_PG_URL DOCSYNC_JWT_SECRET
export DOCSYNC_CLUSTER_ENABLED=true DOCSYNC_CLUSTER_HOST=127.0.0.1

members=""
for i in $(seq 1 $NODES); do
  members="${members:+$members,}127.0.0.1:$((CLUSTER_BASE_PORT + i - 1))"
done
export DOCSYNC_CLUSTER_MEMBERS="$members"

pids=()
stop() {
  trap - INT TERM
  echo
  echo "Stopping the nodes..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "Stopped. Logs: $RUN_DIR/node-*/docsync.log"
  exit 0
}
trap stop INT TERM

for i in $(seq 1 $NODES); do
  dir="$RUN_DIR/node-$i"
  mkdir -p "$dir"
  DOCSYNC_HTTP_PORT=$((HTTP_BASE_PORT + i - 1)) \
  DOCSYNC_CLUSTER_PORT=$((CLUSTER_BASE_PORT + i - 1)) \
  DOCSYNC_DATA_DIR="$dir/data" \
    java -jar "$JAR" >"$dir/docsync.log" 2>&1 &
  pids+=($!)
done

echo "Starting $NODES nodes (cluster members $members); logs in $RUN_DIR/node-N/docsync.log"
for i in $(seq 1 $NODES); do
  port=$((HTTP_BASE_PORT + i - 1))
  deadline=$((SECONDS + 120))
  until health="$(curl -fsS "http://127.0.0.1:$port/health" 2>/dev/null)"; do
    if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
      echo "Node $i exited; its log:" >&2
      cat "$RUN_DIR/node-$i/docsync.log" >&2
      stop
    fi
    if (( SECONDS > deadline )); then
      echo "Node $i not healthy after 120 s; see $RUN_DIR/node-$i/docsync.log" >&2
      stop
    fi
    sleep 0.5
  done
  echo "Node $i  http://127.0.0.1:$port  ws://127.0.0.1:$port/sync  health: $health"
done

echo
echo "A token for any node:  DOCSYNC_JWT_SECRET='$DOCSYNC_JWT_SECRET' java -jar $JAR token --sub ${USER:-me} --read '*' --write '*' --ttl 8h"
echo "Ctrl-C stops the cluster. A node you stop or kill (kill -9 <pid>) leaves it; the others keep running."
for i in "${!pids[@]}"; do echo "  node $((i + 1)): pid ${pids[$i]}"; done
# Report nodes that end; exit when none is left.
alive=("${pids[@]}")
while ((${#alive[@]} > 0)); do
  wait -n "${alive[@]}" 2>/dev/null || true
  still=()
  for i in "${!pids[@]}"; do
    pid="${pids[$i]}"
    if [[ " ${alive[*]} " == *" $pid "* ]]; then
      if kill -0 "$pid" 2>/dev/null; then
        still+=("$pid")
      else
        echo "Node $((i + 1)) (pid $pid) ended; see $RUN_DIR/node-$((i + 1))/docsync.log"
      fi
    fi
  done
  alive=("${still[@]}")
done
echo "No node left."
