#!/usr/bin/env bash
# AI gateway latency bench: added latency of a non-streamed chat completion and time to first byte of a streamed
# one, through a real Keyway node versus straight to a fake OpenAI-compatible upstream, plus a concurrent phase.
# One JVM runs the fake, the node and the client (dev.keyway.perf.AiLatencyBench); the report is Markdown on
# stdout and in perf/target/ai-bench/.
#
#   perf/run-ai-bench.sh                         defaults, about 1.5 minutes
#   perf/run-ai-bench.sh calls=2000 streams=500  key=value arguments go to the bench:
#       calls         non-streamed calls per target [5000]      streams   streamed calls per target [1000]
#       warmup        warm-up seconds [20]                      clients   concurrent clients [16]
#       duration      seconds per target, concurrent phase [10] chunk-gap-ms  pause between content chunks [2]
#       persistence   Ignite persistence on the node [false]
#
# Env: JAVA_HOME (else the launcher's search for a JDK 25), AI_BENCH_JAVA_OPTS [-Xmx1g], PERF_REBUILD=1 forces a
# build of perf, KEEP_TMP=1 keeps the temp folder. Builds the project (kernel/bin/keyway build) when build/lib is
# missing. The node runs from a snapshot of build/lib and build/plugins, so a rebuild of the shared tree during a
# run swaps nothing under it. Everything started is stopped on exit, failure and Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "run-ai-bench: $*" >&2; }

# ---------------------------------------------------------------- clean-up: whatever was started is stopped
TMP=""
BENCH_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$BENCH_PID" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$BENCH_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- JDK: as kernel/bin/keyway finds it
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}
find_jdk() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  candidates+=(/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*)
  for c in "${candidates[@]}"; do
    if [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ]; then
      v="$(java_major "$c" || true)"
      if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$c"; return 0; fi
    fi
  done
  log "JDK 25 or newer not found (looked at JAVA_HOME and /usr/lib/jvm); install Temurin 25 or set JAVA_HOME"
  exit 1
}
export JAVA_HOME="$(find_jdk)"
export PATH="$JAVA_HOME/bin:$PATH"

# ---------------------------------------------------------------- build what is missing
if [ ! -f "$ROOT/build/lib/keyway-kernel.jar" ]; then
  log "build/lib is missing: kernel/bin/keyway build ..."
  "$ROOT/kernel/bin/keyway" build
fi
JAR="$ROOT/perf/target/keyway-perf-0.1.0-SNAPSHOT.jar"
if [ "${PERF_REBUILD:-0}" = 1 ] || [ ! -f "$JAR" ] \
    || [ -n "$(find "$ROOT/perf/src" "$ROOT/perf/pom.xml" -newer "$JAR" -print -quit)" ]; then
  log "building perf with $JAVA_HOME ..."
  # perf alone against the installed kernel when there is one (others' half-edited kernel sources cannot break it),
  # else with what it depends on; maven.test.skip: only main classes are needed.
  if [ -d "${HOME}/.m2/repository/dev/keyway/keyway-kernel" ]; then
    mvn -B -q -o -f "$ROOT/pom.xml" -Dmaven.test.skip=true -pl perf package
  else
    mvn -B -q -f "$ROOT/pom.xml" -Dmaven.test.skip=true -pl perf -am package
  fi
fi

TMP="$(mktemp -d /tmp/keyway-ai-bench.XXXXXX)"
mkdir -p "$TMP/lib" "$TMP/plugins" "$TMP/work"
cp "$ROOT"/build/lib/*.jar "$TMP/lib/"
cp "$ROOT"/build/plugins/*.jar "$TMP/plugins/"
cp "$JAR" "$TMP/keyway-perf.jar"
log "plugins: $(cd "$TMP/plugins" && ls | tr '\n' ' ')"

# ---------------------------------------------------------------- run
OUT_DIR="$ROOT/perf/target/ai-bench"
mkdir -p "$OUT_DIR"
REPORT="$OUT_DIR/ai-bench-$(date -u +%Y%m%d-%H%M%S).md"
# shellcheck disable=SC2086 # AI_BENCH_JAVA_OPTS is a list of options
"$JAVA_HOME/bin/java" "@$ROOT/ignite-config/jvm.options" ${AI_BENCH_JAVA_OPTS:--Xmx1g} \
  -Djava.util.logging.config.file="$ROOT/ignite-config/logging.properties" \
  -cp "$TMP/keyway-perf.jar:$TMP/lib/*" dev.keyway.perf.AiLatencyBench \
  "plugins=$TMP/plugins" "work=$TMP/work" "$@" >"$TMP/report.md" &
BENCH_PID=$!
set +e
wait "$BENCH_PID"
RC=$?
set -e
BENCH_PID=""
cat "$TMP/report.md"
if [ -s "$TMP/report.md" ]; then
  cp "$TMP/report.md" "$REPORT"
  log "report saved to ${REPORT#"$ROOT"/}"
fi
case "$RC" in
  0) ;;
  2) log "finished, but some calls failed (see the errors columns)" ;;
  *) log "the bench failed (exit $RC)" ;;
esac
exit "$RC"
