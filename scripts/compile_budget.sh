#!/usr/bin/env bash
# Measures what the library costs to compile: each module header alone (a file that only includes it)
# and examples/seed_pipeline, at -O2, with the wall time, CPU time and peak memory (maximum resident
# set size) of each compile from /usr/bin/time. Prints a Markdown table; see docs/compile-time.md.
#
#   scripts/compile_budget.sh                    g++, one run each
#   scripts/compile_budget.sh --compiler clang++
#   scripts/compile_budget.sh --runs 3           the fastest of three runs (memory: the largest)
#   scripts/compile_budget.sh --seed-only
#
# The goal for the seed example is under 12 s and 600 MB at -O2 on the 2-core development machine.
# Timings depend on what else runs on the machine: compare figures measured side by side.
set -euo pipefail
cd "$(dirname "$0")/.."

cxx="${CXX:-g++}"
runs=1
seed_only=0
while (($#)); do
    case "$1" in
        --compiler) cxx="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --seed-only) seed_only=1; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/causalrec-budget.XXXXXX")"
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -O2 -DNDEBUG -Iinclude -Wall -Wextra -Werror)

# measure <label> <source>: prints one table row (best wall and CPU time of $runs runs, largest memory).
measure() {
    local label="$1" source="$2" best_wall="" best_cpu="" peak=0 i wall user sys kb
    for ((i = 0; i < runs; ++i)); do
        /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$cxx" "${flags[@]}" -c "$source" -o "$work/out.o"
        read -r wall user sys kb <"$work/time"
        local cpu
        cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
        if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then best_wall="$wall"; fi
        if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu="$cpu"; fi
        ((kb > peak)) && peak="$kb"
    done
    printf '| %-38s | %6.2f | %6.2f | %5d |\n' "$label" "$best_wall" "$best_cpu" $((peak / 1024))
}

echo "compiler: $("$cxx" --version | head -n 1); flags: ${flags[*]}; runs: $runs; load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo
printf '| %-38s | %6s | %6s | %5s |\n' "what is compiled" "wall s" "CPU s" "MB"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..40})" "--------" "--------" "-------"
if ((!seed_only)); then
    for header in core/core.hpp data/data.hpp preprocess/preprocess.hpp metrics/metrics.hpp nn/nn.hpp loss/loss.hpp \
                  optim/optim.hpp train/train.hpp io/io.hpp rec/rec.hpp causal/causal.hpp causalrec.hpp; do
        [ -e "include/causalrec/$header" ] || continue
        printf '#include <causalrec/%s>\nint main() {}\n' "$header" >"$work/header.cpp"
        measure "<causalrec/$header> alone" "$work/header.cpp"
    done
fi
measure "examples/seed_pipeline (whole program)" examples/seed_pipeline/seed_pipeline.cpp
