#!/usr/bin/env bash
# Builds and runs the whole test suite with g++ and with clang++ (C++20, Release, -Wall -Wextra -Werror),
# installing missing build dependencies first on Debian/Ubuntu. Exits non-zero on any failure.
#
#   scripts/test.sh                 both compilers
#   scripts/test.sh --compiler g++  one compiler (g++ or clang++)
#   CAUSALREC_JOBS=4 scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

compilers=(g++ clang++)
while (($#)); do
    case "$1" in
        --compiler) compilers=("$2"); shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

causalrec_ensure_packages
jobs="${CAUSALREC_JOBS:-$(nproc 2>/dev/null || echo 2)}"
mkdir -p build
read -r -a launcher <<<"$(causalrec_launcher_args)"
summary=()
status=0
for cxx in "${compilers[@]}"; do
    dir="build/test-${cxx}"
    echo "== ${cxx}: configure (${dir})"
    cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release \
          -DCAUSALREC_BUILD_TESTS=ON -DCAUSALREC_BUILD_EXAMPLES=ON -DCAUSALREC_BUILD_BENCHMARKS=ON \
          "${launcher[@]}" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
    grep -E 'causalrec:' "$dir.configure.log" || true
    echo "== ${cxx}: build"
    start=$(date +%s)
    cmake --build "$dir" -j "$jobs"
    echo "== ${cxx}: build took $(( $(date +%s) - start )) s"
    echo "== ${cxx}: test"
    if ctest --test-dir "$dir" --output-on-failure -j "$jobs" | tee "$dir.ctest.log"; then :; else status=1; fi
    summary+=("${cxx}: $(grep -E 'tests passed' "$dir.ctest.log" || echo 'no summary')")
done
echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$status"
