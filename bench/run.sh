#!/usr/bin/env bash
# docsync side by side with the Node reference sync server (automerge-repo), in one run.
#
#   bench/run.sh            full run (~20-25 min on 2 cores): builds, JMH, every scenario on both
#                           servers, then writes docs/benchmarks.md
#   bench/run.sh --smoke    a few seconds per scenario with tiny numbers (checks that it all works);
#                           writes bench/results/benchmarks-smoke.md instead
#
# Environment: BUILD_DIR (Maven build directory, default target/), RESULTS (default bench/results),
# REPORT (default docs/benchmarks.md), PG_ADMIN (machine PostgreSQL for the durability scenario,
# default postgresql://postgres@127.0.0.1:5432/postgres), SCENARIOS (default
# many,hot,large,bootstrap,connections,durability), JMH_ARGS (default: short iterations),
# BENCH_ARGS (more --key=value options for dev.docsync.bench.SyncBench), SKIP_BUILD=1, SKIP_JMH=1, BASELINE (an older
# commit whose jar also runs the hot document; default below, empty to skip).
#
#   SCENARIOS=cluster bench/run.sh   one docsync node vs three clustered nodes on this machine (many documents),
#                           the added latency of a cross-node hop, pgbench: ~8 min, needs the machine's PostgreSQL
#                           (PG_ADMIN) and pgbench; replaces only the "Cluster" section of docs/benchmarks.md (a run
#                           without it keeps that section).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMOKE=0
[[ "${1:-}" == "--smoke" ]] && SMOKE=1
BUILD_DIR=${BUILD_DIR:-$ROOT/target}
RESULTS=${RESULTS:-$ROOT/bench/results}
if [[ $SMOKE == 1 ]]; then REPORT=${REPORT:-$RESULTS/benchmarks-smoke.md}; else REPORT=${REPORT:-$ROOT/docs/benchmarks.md}; fi
PG_ADMIN=${PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
SCENARIOS=${SCENARIOS:-many,hot,large,bootstrap,connections,durability}
MVN=(mvn -B -q "-Dbuild.dir=$BUILD_DIR")
mkdir -p "$RESULTS" "$BUILD_DIR"

# 10,000 connections need 10,000 descriptors in the server and as many in the generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
echo "open files: $(ulimit -n); cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== build (docsync jar, test classes) into $BUILD_DIR"
  # -DskipTests: no test run (and no npm ci of src/test/js); test classes are still compiled.
  "${MVN[@]}" package -DskipTests
fi
[[ -f "$BUILD_DIR/docsync.jar" ]] || { echo "no $BUILD_DIR/docsync.jar" >&2; exit 1; }

if [[ "$SCENARIOS" != cluster ]]; then # the cluster scenario runs docsync only, and no JMH
  echo "== reference server dependencies (npm ci in bench/reference-server)"
  (cd bench/reference-server && npm ci --no-audit --no-fund --loglevel=error)
else
  SKIP_JMH=1
fi

if [[ ",$SCENARIOS," == *",durability,"* || ",$SCENARIOS," == *",cluster,"* ]]; then
  if ! command -v pgbench >/dev/null; then
    echo "== installing pgbench (postgresql-client)"
    if [[ $(id -u) == 0 ]]; then apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; fi
  fi
  if ! command -v pgbench >/dev/null || ! pg_isready -q -d "$PG_ADMIN" 2>/dev/null; then
    echo "no pgbench or no PostgreSQL at $PG_ADMIN: skipping the durability and cluster scenarios" >&2
    SCENARIOS=$(echo ",$SCENARIOS," | sed 's/,durability,/,/; s/,cluster,/,/; s/^,//; s/,$//')
  fi
fi

JMH_JSON="$RESULTS/jmh.json"
if [[ $SMOKE == 0 && "${SKIP_JMH:-0}" != 1 ]]; then
  echo "== JMH microbenchmarks"
  JMH_ARGS=${JMH_ARGS:-"-f 1 -wi 2 -w 1s -i 3 -r 1s"}
  "${MVN[@]}" exec:exec -Dexec.classpathScope=test -Dexec.executable=java \
    "-Dexec.args=-Djava.io.tmpdir=$BUILD_DIR -cp %classpath org.openjdk.jmh.Main dev.docsync.bench.jmh $JMH_ARGS -jvmArgsAppend -Djava.io.tmpdir=$BUILD_DIR -rf json -rff $JMH_JSON" \
    | tee "$RESULTS/jmh.txt" | grep -E '^(Benchmark|[A-Za-z]+Bench\.)' || true
fi

# The hot document also runs on docsync as it was at BASELINE (default: the commit issue 12 was measured on, 2026-11-23),
# so the report prices a change before and after in one run. BASELINE= skips it.
BASELINE=${BASELINE-2416637}
BASELINE_ARGS=""
if [[ -n "$BASELINE" && $SMOKE == 0 && ",$SCENARIOS," == *",hot,"* ]]; then
  BASE_BUILD="$BUILD_DIR/baseline"
  if [[ "$(cat "$BASE_BUILD/commit" 2>/dev/null)" != "$BASELINE" || ! -f "$BASE_BUILD/docsync.jar" ]]; then
    echo "== baseline: building docsync at $BASELINE into $BASE_BUILD"
    rm -rf "$BASE_BUILD" && mkdir -p "$BASE_BUILD/src"
    git archive "$BASELINE" | tar -x -C "$BASE_BUILD/src"
    (cd "$BASE_BUILD/src" && mvn -B -q "-Dbuild.dir=$BASE_BUILD" -Dnpm.skip=true -DskipTests package)
    echo "$BASELINE" > "$BASE_BUILD/commit"
  fi
  BASELINE_ARGS="--baseline-jar=$BASE_BUILD/docsync.jar --baseline-commit=$BASELINE"
fi

echo "== scenarios: $SCENARIOS"
ARGS="--jar=$BUILD_DIR/docsync.jar --reference=$ROOT/bench/reference-server --work=$RESULTS --report=$REPORT $BASELINE_ARGS"
ARGS="$ARGS --scenarios=$SCENARIOS --pg-admin=$PG_ADMIN --jmh=$JMH_JSON --notes=$ROOT/bench/analysis.md ${BENCH_ARGS:-}"
[[ $SMOKE == 1 ]] && ARGS="$ARGS --smoke"
# The load generator runs in Maven's JVM (exec:java); the Automerge native library unpacks into java.io.tmpdir.
MAVEN_OPTS="${MAVEN_OPTS:-} -Xmx3g -Djava.io.tmpdir=$BUILD_DIR" \
  "${MVN[@]}" exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.docsync.bench.SyncBench "-Dexec.args=$ARGS" \
  2>&1 | tee "$RESULTS/run.log"
echo "report: $REPORT"
