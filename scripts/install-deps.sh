#!/usr/bin/env bash
# Installs the Debian 12 packages kvlsm needs to build and test, and only those that are
# missing. Safe to run any number of times: when everything is present it calls nothing.
#
#   scripts/install-deps.sh              build + test dependencies (gnuplot included: the
#                                        kvlsm-bench smoke test checks the report's plots)
#   scripts/install-deps.sh --bench-peers  also RocksDB and LevelDB for kvlsm-bench
#   scripts/install-deps.sh --clang      also clang 14 and its sanitizer/libFuzzer runtimes
#                                        (the fuzz and tsan presets)
#
# As root it runs apt-get itself; otherwise it prints the exact command to run and exits 1.
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config python3 libabsl-dev libzstd-dev libxxhash-dev
          libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libasio-dev gnuplot-nox)
for arg in "$@"; do
  case "$arg" in
    --bench-peers) packages+=(librocksdb-dev libleveldb-dev) ;;
    --clang) packages+=(clang libclang-rt-14-dev) ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -ne 0 ]]; then
  echo "kvlsm needs these Debian packages: ${missing[*]}" >&2
  echo "Run:  sudo apt-get update && sudo ${cmd[*]}" >&2
  exit 1
fi

echo "install-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# An install can fail on a stale package list; refresh it once and try again.
if ! "${cmd[@]}" >/dev/null; then
  apt-get update -qq
  "${cmd[@]}" >/dev/null
fi
