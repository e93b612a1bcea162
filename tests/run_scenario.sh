#!/bin/sh
# Run one scenario through `sequex replay` and compare with its expected
# output byte for byte. Usage: run_scenario.sh SEQUEX SCENARIO_BASE
# (SCENARIO_BASE.jsonl is the input, SCENARIO_BASE.expected the output,
# SCENARIO_BASE.ini an optional config). Set SEQUEX_UPDATE=1 to rewrite the
# expected file instead (then review the diff by hand before committing).
set -eu
sequex=$1
base=$2
cfg=""
[ -f "$base.ini" ] && cfg="--config $base.ini"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086
"$sequex" replay --validate $cfg "$base.jsonl" > "$out"
if [ "${SEQUEX_UPDATE:-0}" = 1 ]; then
  cp "$out" "$base.expected"
  echo "updated $base.expected"
  exit 0
fi
if [ ! -f "$base.expected" ]; then
  echo "missing $base.expected" >&2
  exit 1
fi
if ! diff -u "$base.expected" "$out"; then
  echo "scenario $(basename "$base"): output differs from expected" >&2
  exit 1
fi
echo "scenario $(basename "$base"): $(wc -l < "$out") lines match"
