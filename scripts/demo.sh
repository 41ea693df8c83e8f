#!/usr/bin/env bash
# Builds and runs the main example (examples/seed_pipeline/) end to end on the built-in data,
# installing missing build dependencies first on Debian/Ubuntu. Arguments are passed to the example
# (e.g. a CSV path and --label NAME); its files go to build/demo/seed_pipeline_out.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
causalrec_ensure_packages
mkdir -p build
read -r -a launcher <<<"$(causalrec_launcher_args)"
dir=build/demo
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCAUSALREC_BUILD_TESTS=OFF -DCAUSALREC_BUILD_BENCHMARKS=OFF \
      -DCAUSALREC_BUILD_EXAMPLES=ON "${launcher[@]}" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
grep -E 'causalrec:' "$dir.configure.log" || true
cmake --build "$dir" --target seed_pipeline -j "$(nproc 2>/dev/null || echo 2)"
exec "$dir/examples/seed_pipeline/seed_pipeline" --out "$dir/seed_pipeline_out" "$@"
