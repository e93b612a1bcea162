#!/usr/bin/env bash
# The README's first command: install what is missing, build a release
# build, and run the demo session (tests/scenarios/demo.jsonl) through
# `sequex replay`, printing replies and events and a readable summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if [ ! -f build-release/build.ninja ]; then
  meson setup build-release --buildtype=release >/dev/null
fi
ninja -C build-release >/dev/null
echo "== sequex demo: replaying tests/scenarios/demo.jsonl on the embedded demo config"
echo "   (every line below is a reply {\"ok\":...} or an event {\"ev\":...})"
echo
build-release/sequex replay --summary --validate tests/scenarios/demo.jsonl

echo
echo "== load: 1,000,000 commands of the exchange-core-style mix through the engine"
echo "   (in-process, one core; perf/run.sh runs the full benchmark, docs/benchmarks.md has figures)"
build-release/perf/bench_engine --commands 1000000 --cpu "$(($(nproc) - 1))"
