#!/usr/bin/env bash
# Measures what the library costs to compile: the reference compile of the budget check
# (tests/support/compile_reference.cpp), the dependencies alone (a file that includes exactly the
# third-party and standard headers that <causalrec/causalrec.hpp> reaches, and nothing of causalrec),
# each module header alone (a file that only includes it) and examples/seed_pipeline, at -O2, with the
# wall time, CPU time and peak memory (maximum resident set size) of each compile from /usr/bin/time.
# Prints a Markdown table; see docs/compile-time.md.
#
#   scripts/compile_budget.sh                    g++, header-only, one run each
#   scripts/compile_budget.sh --compiler clang++
#   scripts/compile_budget.sh --compiled         the headers as a user of causalrec::compiled sees them
#   scripts/compile_budget.sh --runs 3           the fastest of three runs (memory: the largest)
#   scripts/compile_budget.sh --seed-only        the reference compile and the seed example only
#
# The goals (issue "Fast builds", docs/compile-time.md): the seed example in 14 s / 650 MB header-only
# and 6 s / 450 MB compiled, a file with only the umbrella header in 5 s, on the 2-core development
# machine when its reference compile takes about 3.5 s. Timings depend on what else runs on the
# machine: compare figures measured side by side.
set -euo pipefail
cd "$(dirname "$0")/.."

cxx="${CXX:-g++}"
runs=1
seed_only=0
compiled=0
while (($#)); do
    case "$1" in
        --compiler) cxx="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --seed-only) seed_only=1; shift ;;
        --compiled) compiled=1; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/causalrec-budget.XXXXXX")"
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -O2 -DNDEBUG -Iinclude -Wall -Wextra -Werror)
((compiled)) && flags+=(-DCAUSALREC_COMPILED)

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

# dependencies_only <file>: writes a file that includes the headers outside causalrec that causalrec's
# own headers include (from the compiler's -H include tree of the umbrella header), by the name the
# compiler's search path finds them under, and an empty main.
dependencies_only() {
    local dirs
    dirs="$("$cxx" -x c++ -E -v /dev/null 2>&1 >/dev/null | sed -n '/search starts here:/,/End of search list/p' | grep '^ ' | sed 's/^ *//')"
    printf '#include <causalrec/causalrec.hpp>\n' >"$work/umbrella.cpp"
    "$cxx" "${flags[@]}" -H -fsyntax-only "$work/umbrella.cpp" 2>&1 >/dev/null |
        awk '/^\.+ / { depth = index($0, " ") - 1; stack[depth] = $2;
                        parent = depth > 1 ? stack[depth - 1] : "/causalrec/";
                        if (parent ~ /\/causalrec\// && $2 !~ /\/causalrec\// && !seen[$2]++) print $2 }' |
        while read -r path; do
            local name="$path" dir
            while read -r dir; do
                [ -n "$dir" ] && [ "${path#"$dir"/}" != "$path" ] && { name="${path#"$dir"/}"; break; }
            done <<<"$dirs"
            printf '#include <%s>\n' "$name"
        done >"$1"
    printf 'int main() {}\n' >>"$1"
}

echo "compiler: $("$cxx" --version | head -n 1); flags: ${flags[*]}; runs: $runs; load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo
printf '| %-38s | %6s | %6s | %5s |\n' "what is compiled" "wall s" "CPU s" "MB"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..40})" "--------" "--------" "-------"
measure "reference compile (no causalrec)" tests/support/compile_reference.cpp
if ((!seed_only)); then
    dependencies_only "$work/dependencies.cpp"
    measure "dependencies only" "$work/dependencies.cpp"
    for header in core/core.hpp data/data.hpp preprocess/preprocess.hpp metrics/metrics.hpp nn/nn.hpp loss/loss.hpp \
                  optim/optim.hpp train/train.hpp io/io.hpp rec/rec.hpp causal/causal.hpp bandit/bandit.hpp \
                  explain/explain.hpp privacy/privacy.hpp causalrec.hpp; do
        [ -e "include/causalrec/$header" ] || continue
        printf '#include <causalrec/%s>\nint main() {}\n' "$header" >"$work/header.cpp"
        measure "<causalrec/$header> alone" "$work/header.cpp"
    done
fi
measure "examples/seed_pipeline (whole program)" examples/seed_pipeline/seed_pipeline.cpp
