#!/usr/bin/env bash
# Runs the JMH benchmarks in perf/ with the project's JVM flags. Builds perf (and what it depends on) when the
# benchmark JAR is missing or older than its sources.
#
#   perf/run-jmh.sh                 RingHandoff, both wait strategies, 4 threads, about 1.5 minutes
#   perf/run-jmh.sh <jmh args...>   any JMH command line instead, e.g.
#                                   perf/run-jmh.sh RingHandoff -p waitStrategy=blocking -t 2 -f 1 -wi 2 -i 3
#
# Env: JAVA_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64), PERF_HEAP (default 1g), PERF_REBUILD=1 forces a build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
  JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export PATH="$JAVA_HOME/bin:$PATH"

JAR="$ROOT/perf/target/keyway-perf-0.1.0-SNAPSHOT.jar"
LIB="$ROOT/perf/target/lib"
if [ "${PERF_REBUILD:-0}" = 1 ] || [ ! -f "$JAR" ] || [ ! -d "$LIB" ] \
    || [ -n "$(find "$ROOT/perf/src" "$ROOT/perf/pom.xml" -newer "$JAR" -print -quit)" ]; then
  echo "run-jmh: building perf with $JAVA_HOME ..." >&2
  # maven.test.skip: the benchmarks need main classes only, so a test being edited elsewhere cannot break this.
  mvn -B -q -f "$ROOT/pom.xml" -Dmaven.test.skip=true -pl perf -am package
fi

if [ $# -eq 0 ]; then
  mkdir -p "$ROOT/perf/target/jmh"
  set -- RingHandoff -f 1 -wi 3 -w 5s -i 5 -r 5s -t 4 \
    -rf json -rff "$ROOT/perf/target/jmh/ring-handoff.json"
fi

echo "run-jmh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (figures on shared cores are noisy)" >&2
# JMH forks the benchmark JVM with this JVM's flags, so the fork gets jvm.options and the heap too.
# GraalJS (PolicyBenchmark) on the module path with the JVMCI compiler, as the launcher runs it.
exec "$JAVA_HOME/bin/java" "@$ROOT/ignite-config/jvm.options" "-Xmx${PERF_HEAP:-1g}" \
  -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path="$ROOT/build/graal/upgrade" \
  --module-path="$ROOT/build/graal/lib" --add-modules=org.graalvm.polyglot \
  --enable-native-access=org.graalvm.truffle -Dpolyglot.engine.WarnInterpreterOnly=false \
  -Djava.util.logging.config.file="$ROOT/ignite-config/logging.properties" \
  -cp "$JAR:$LIB/*" org.openjdk.jmh.Main "$@"
