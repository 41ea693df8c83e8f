#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang++ (-fsanitize=fuzzer,address,undefined, in build/fuzz)
# and runs each for a time budget on a temporary copy of its seed corpus (fuzz/corpus/<target>/ is never
# grown). Exits non-zero when any target finds a crash, a sanitizer report, an uncaught exception, a
# timeout or an out-of-memory; the offending inputs are kept in build/fuzz/artifacts/. See docs/hardening.md.
#
#   scripts/fuzz.sh                 every target, 60 s each
#   scripts/fuzz.sh 300             every target, 300 s each
#   scripts/fuzz.sh 30 csv          only fuzz_csv, 30 s
#   CAUSALREC_JOBS=1 scripts/fuzz.sh  one target at a time (default: as many at once as there are cores)
#
# Reproduce a finding: build/fuzz/fuzz/fuzz_<target> build/fuzz/artifacts/<target>-crash-<sha1>
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

seconds=60
targets=()
while (($#)); do
    case "$1" in
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        [0-9]*) seconds="$1"; shift ;;
        *) targets+=("$1"); shift ;;
    esac
done

causalrec_ensure_packages
jobs="${CAUSALREC_JOBS:-$(nproc 2>/dev/null || echo 2)}"
read -r -a launcher <<<"$(causalrec_launcher_args)"
dir=build/fuzz
mkdir -p "$dir"
echo "== fuzzers: configure (${dir})"
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DCAUSALREC_BUILD_TESTS=OFF -DCAUSALREC_BUILD_EXAMPLES=OFF -DCAUSALREC_BUILD_BENCHMARKS=OFF \
      -DCAUSALREC_BUILD_FUZZERS=ON "${launcher[@]}" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
echo "== fuzzers: build"
start=$(date +%s)
cmake --build "$dir" -j "$jobs"
echo "== fuzzers: build took $(( $(date +%s) - start )) s"

if ((${#targets[@]} == 0)); then
    for exe in "$dir"/fuzz/fuzz_*; do
        name="${exe##*/fuzz_}"
        [ -x "$exe" ] && [ "$name" != make_seeds ] && targets+=("$name")
    done
fi
[ -e include/causalrec/data/interactions.hpp ] && [ ! -e fuzz/fuzz_interactions.cpp ] &&
    echo "== note: include/causalrec/data/interactions.hpp exists but has no fuzz target yet (fuzz/fuzz_interactions.cpp)"

work="$(mktemp -d "${TMPDIR:-/tmp}/causalrec-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
artifacts="$PWD/$dir/artifacts"
mkdir -p "$artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:print_stacktrace=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
# Fuzzes one target for the budget; writes its exit code and wall time to $work/<target>.result.
fuzz_one() {
    local t="$1" exe="$dir/fuzz/fuzz_$1" log="$dir/$1.log" rc=0 start
    mkdir -p "$work/$t"
    [ -d "fuzz/corpus/$t" ] && cp -R "fuzz/corpus/$t/." "$work/$t/"
    local dict=()
    [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
    start=$(date +%s)
    "$exe" "$work/$t" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
           -rss_limit_mb=2048 -artifact_prefix="$artifacts/$t-" >"$log" 2>&1 || rc=$?
    echo "$rc $(( $(date +%s) - start ))" >"$work/$t.result"
}

# Each target is one fuzzing process on one core for the whole budget; up to $jobs of them run at
# once (so on 2 cores, four targets take two budgets of wall time, each target its full budget).
for t in "${targets[@]}"; do
    [ -x "$dir/fuzz/fuzz_$t" ] || { echo "no fuzz target $t ($dir/fuzz/fuzz_$t)" >&2; exit 2; }
done
running=0
for t in "${targets[@]}"; do
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
    echo "== fuzz_$t: ${seconds} s (log: $dir/$t.log)"
    fuzz_one "$t" &
    running=$((running + 1))
done
wait || true

status=0
summary=()
for t in "${targets[@]}"; do
    log="$dir/$t.log"
    read -r rc took <"$work/$t.result" || { rc=1; took=0; }
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([^ ]+).*/cov: \1 ft: \2 corpus: \3/p' <<<"$last")
    if ((rc != 0)); then
        status=1
        echo "!! fuzz_$t FAILED (exit $rc); the report:"
        grep -vE '^\s*NEW_FUNC' "$log" | grep -E '==ERROR|ERROR: libFuzzer|runtime error|causalrec fuzz invariant|terminate called|what\(\)|freed by|allocated by|include/causalrec/|/fuzz/fuzz_|^SUMMARY' \
            | sed -E 's/ in (std::|void |causalrec::)[^ ]*\(.*\) / in \1... /' | head -n 40 || tail -n 40 "$log"
        grep -E '^artifact_prefix|Test unit written to' "$log" || true
    fi
    verdict="ok"
    ((rc == 0)) || verdict="FAILED (exit $rc)"
    summary+=("fuzz_$t: ${verdict}, ${execs:-?} executions in ${took} s, ${cov:-no coverage line}")
done
echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$status"
