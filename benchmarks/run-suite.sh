#!/usr/bin/env bash
# Builds what the benchmark suite needs (tests not built) and runs it from the repository root:
# every scenario in its own JVM, one after the other, within a 15-minute budget, then a report
# with charts in benchmarks/results/<date>-<host>/report.md. Arguments go to the suite (see
# README.md), e.g.
#   benchmarks/run-suite.sh --quick
#   benchmarks/run-suite.sh --scenarios=fanout,micro --fanout.phase-seconds=5
#   benchmarks/run-suite.sh --report-only=benchmarks/results/2026-11-26-myhost
# Environment: SUITE_JAVA_OPTS (the suite's own JVM; the scenarios' JVMs take --jvm-flags),
# JAVA_HOME (which java).
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
./mvnw -B -q -pl benchmarks -am package -Dmaven.test.skip=true -Dspotless.check.skip=true
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck disable=SC2086 # SUITE_JAVA_OPTS is a list of options
exec "$java" ${SUITE_JAVA_OPTS:--Xmx512m} -Djava.awt.headless=true \
  -cp "benchmarks/target/tributary-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
  io.tributary.benchmarks.suite.Suite "$@"
