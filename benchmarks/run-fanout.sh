#!/usr/bin/env bash
# Builds what the fan-out benchmark needs (tests not built) and runs it from the repository root,
# so that results land in benchmarks/results/. Arguments go to the benchmark (see README.md), e.g.
#   benchmarks/run-fanout.sh --quick
#   benchmarks/run-fanout.sh --scenarios=1k --targets=tributary,postgres --results-dir=none
# The traditional stack's PostgreSQL comes from a Maven dependency (unpacked with tar and xz);
# when run as root, PostgreSQL runs as nobody through setpriv.
# Environment: FANOUT_JAVA_OPTS (JVM options; default -Xmx4g), JAVA_HOME (which java).
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
./mvnw -B -q -pl benchmarks -am package -Dmaven.test.skip=true -Dspotless.check.skip=true
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck disable=SC2086 # FANOUT_JAVA_OPTS is a list of options
exec "$java" ${FANOUT_JAVA_OPTS:--Xmx4g} \
  -cp "benchmarks/target/tributary-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
  io.tributary.benchmarks.FanOutBenchmark "$@"
