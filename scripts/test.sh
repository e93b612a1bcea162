#!/usr/bin/env bash
# Install what is missing, build, and run every test of sequex:
#   debug build      unit + scenario tests
#   release build    unit + scenario tests (NDEBUG; SX_ASSERT stays on)
#   asan build       unit + scenario tests under AddressSanitizer + UBSan
#   fuzz             each libFuzzer target for a fixed time (FUZZ_SECONDS, default 30)
# Ends with one line "tests: N passed, N failed, N skipped" and exits
# non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
passed=0 failed=0 skipped=0
failures=()

setup() { # dir, meson options...
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
  else
    rm -rf "$dir"
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
  fi || { cat "$dir.setup.log"; return 1; }
}

count_log() { # dir label
  local counts
  counts=$(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok = fail = skip = 0
names = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    res = r.get("result")
    if res in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif res == "SKIP":
        skip += 1
    else:
        fail += 1
        names.append(r.get("name", "?"))
print(ok, fail, skip, " ".join(names))
PY
)
  read -r ok fail skip names <<<"$counts"
  passed=$((passed + ok)); failed=$((failed + fail)); skipped=$((skipped + skip))
  [ "$fail" -gt 0 ] && failures+=("$2: $names")
  echo "== $2: $ok passed, $fail failed, $skip skipped"
}

run_build() { # label dir meson-options...
  local label=$1 dir=$2; shift 2
  echo "== $label: building in $dir"
  if ! setup "$dir" "$@" || ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
    tail -40 "$dir.build.log" 2>/dev/null
    failed=$((failed + 1)); failures+=("$label: build failed")
    return
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 >"$dir.test.log" 2>&1
  grep -E "^ *[0-9]+/[0-9]+ " "$dir.test.log" | sed 's/^/   /'
  grep -q "FAIL\|TIMEOUT" "$dir.test.log" && sed -n '/Summary of Failures/,$p' "$dir.test.log" | head -60
  count_log "$dir" "$label"
}

run_build debug build-debug --buildtype=debug
run_build release build-release --buildtype=release
run_build asan build-asan --buildtype=debug -Djemalloc=false -Db_sanitize=address,undefined \
  -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all

# Fuzzing: clang with libFuzzer, ASan and UBSan over the whole library.
echo "== fuzz: building in build-fuzz"
if CC=clang setup build-fuzz --buildtype=debug -Dtests=false -Dbenchmarks=false -Djemalloc=false -Dfuzz=true \
     -Db_sanitize=address,undefined -Db_lundef=false \
     "-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" \
   && ninja -C build-fuzz >build-fuzz.build.log 2>&1; then
  for target in build-fuzz/tests/fuzz/fuzz_*; do
    [ -f "$target" ] && [ -x "$target" ] || continue
    name=$(basename "$target")
    corpus=$(mktemp -d)
    dirs=("$corpus")
    [ -d "tests/fuzz/corpus_${name#fuzz_}" ] && dirs+=("tests/fuzz/corpus_${name#fuzz_}")
    if "$target" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 "${dirs[@]}" \
         >"build-fuzz/$name.log" 2>&1; then
      echo "== fuzz $name: ${FUZZ_SECONDS}s, $(grep -o 'cov: [0-9]*' "build-fuzz/$name.log" | tail -1), no crash"
      passed=$((passed + 1))
    else
      tail -40 "build-fuzz/$name.log"
      failed=$((failed + 1)); failures+=("fuzz: $name (artifacts in the working directory)")
    fi
    rm -rf "$corpus"
  done
else
  tail -40 build-fuzz.build.log 2>/dev/null
  failed=$((failed + 1)); failures+=("fuzz: build failed")
fi

if [ ${#failures[@]} -gt 0 ]; then
  echo "== failures:"
  printf '   %s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
