#!/usr/bin/env bash
# Run the engine benchmark the way docs/benchmarks.md reports it:
#   - a release build (build-release/),
#   - RUNS runs of perf/bench_engine (each already the median of 3 passes),
#     reporting the median throughput over runs and the latency table of the
#     median run,
#   - callgrind instructions per command over a fixed window (repeatable on
#     noisy shared VMs where wall-clock time is not).
# Results: perf/results/engine-<date>.json (one JSON object per run plus a
# summary) and the text on stdout.
# The benchmark thread is pinned to the last CPU, where sequexd's `auto`
# placement puts the sequencer (spec/config.md [cpu]); pass --cpu N to choose
# another, or --cpu -1 not to pin.
# Usage: perf/run.sh [RUNS] [extra bench_engine options...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
case " $* " in *" --cpu "*) ;; *) set -- --cpu "$(($(nproc) - 1))" "$@" ;; esac
scripts/deps.sh
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release >/dev/null
ninja -C build-release perf/bench_engine >/dev/null
mkdir -p perf/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=perf/results/engine-$stamp.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
for i in $(seq 1 "$runs"); do
  build-release/perf/bench_engine --json "$tmp/run$i.json" "$@" > "$tmp/run$i.txt"
  printf 'run %d: %s\n' "$i" "$(grep throughput "$tmp/run$i.txt" | xargs)"
done
cg_window=200000
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/cg.out" \
  build-release/perf/bench_engine --callgrind $cg_window "$@" >/dev/null 2>"$tmp/cg.err"
ir=$(grep -h "summary:\|^totals:" "$tmp"/cg.out* | awk '{print $2}' | sort -n | tail -1)
python3 - "$tmp" "$runs" "$ir" "$cg_window" "$out" <<'PY'
import json, sys, statistics
tmp, runs, ir, window, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
res = [json.load(open(f"{tmp}/run{i}.json")) for i in range(1, runs + 1)]
rates = [r["throughput"]["median"] for r in res]
med = statistics.median(rates)
mid = min(range(runs), key=lambda i: abs(rates[i] - med))
summary = {"median_throughput": med, "runs_throughput": rates,
           "instructions_per_command": ir / window, "callgrind_window": window,
           "latency_ns_of_median_run": res[mid]["latency_ns"], "runs": res}
json.dump(summary, open(out, "w"), indent=1)
print(f"median throughput over {runs} runs: {med/1e6:.2f} M commands/s "
      f"(runs: {', '.join(f'{r/1e6:.2f}' for r in rates)})")
print(f"callgrind: {ir/window:.0f} instructions per command ({window} commands)")
print("latency (ns) of the median run:")
for k, v in res[mid]["latency_ns"].items():
    print(f"  {k:7s} p50 {v['p50']:6.0f}  p90 {v['p90']:6.0f}  p99 {v['p99']:6.0f}  "
          f"p99.9 {v['p99.9']:6.0f}  p99.99 {v['p99.99']:7.0f}  max {v['max']:9.0f}")
print(f"results: {out}")
PY
