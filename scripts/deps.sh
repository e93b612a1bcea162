#!/usr/bin/env bash
# Install the Debian 12 packages sequex needs to build, test and run its
# demo, if any are missing. Uses sudo when not root. Idempotent and quick
# when everything is present (no apt-get update then).
set -euo pipefail

# Debian packages: compilers (clang for libFuzzer and sanitizers), build
# tools, libraries, cmocka for tests, valgrind for callgrind counts in perf/.
PKGS=(
  gcc clang libclang-rt-14-dev
  meson ninja-build pkg-config
  libxxhash-dev
  libjemalloc-dev
  libcmocka-dev
  valgrind
  python3
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
