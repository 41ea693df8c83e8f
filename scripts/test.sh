#!/usr/bin/env bash
# Builds and runs the whole test suite with g++ and with clang++ (C++20, Release, -Wall -Wextra -Werror),
# installing missing build dependencies first on Debian/Ubuntu. Exits non-zero on any failure. The
# benchmarks and the real-data reproductions go with the first compiler only.
#
#   scripts/test.sh                 both compilers: g++ header-only, clang++ with the compiled part
#                                   (CAUSALREC_COMPILED=ON), so that every run tests both modes
#   scripts/test.sh --compiler g++  one compiler (g++ or clang++), header-only
#   scripts/test.sh --compiled      with --compiler: build with CAUSALREC_COMPILED=ON
#   scripts/test.sh --quick         the inner loop: one compiler (g++ unless --compiler), no benchmarks,
#                                   without the shared-data reproductions and the install checks
#   scripts/test.sh --sanitize      the suite under AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer
#                                   (clang++ by default; --compiler g++ works too), -O0 (sequence models -O1), in build/sanitize[-g++];
#                                   fails on any sanitizer report (see docs/hardening.md); then
#                                   tests/sanitize/threads.cpp under ThreadSanitizer
#   CAUSALREC_JOBS=4 scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

compilers=(g++ clang++)
compiler_given=0
sanitize=0
quick=0
compiled=0
while (($#)); do
    case "$1" in
        --compiler) compilers=("$2"); compiler_given=1; shift 2 ;;
        --sanitize) sanitize=1; shift ;;
        --quick) quick=1; shift ;;
        --compiled) compiled=1; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

causalrec_ensure_packages
causalrec_openblas_coretype
jobs="${CAUSALREC_JOBS:-$(nproc 2>/dev/null || echo 2)}"
# ctest runs $jobs tests at once: one BLAS thread each, so that two tests' OpenBLAS thread pools do not
# fight over the cores (on 2 cores the Hillstrom reproduction took 53 s that way, 28 s with one thread).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
mkdir -p build
read -r -a launcher <<<"$(causalrec_launcher_args)"

# compiler_speed_flags <compiler>: flags that make our own builds faster without changing the code.
# g++ collects its garbage less often with these (a larger heap before the first collection, and a
# larger growth between collections): g++ 12 compiles the seed example at -O2 in 19.4 s instead of 24.5 s
# and test_train at -Og in 10.6 s instead of 12.0 s, with peak memory 1.2 GB instead of 0.84 GB.
compiler_speed_flags() {
    case "$("$1" --version 2>/dev/null | head -n 1)" in
        *clang*) ;;
        *g++*|*GCC*|*gcc*) echo "--param=ggc-min-expand=400 --param=ggc-min-heapsize=262144" ;;
    esac
}

# example_optimization <compiler>: the unit tests' level (tests/CMakeLists.txt) for the examples whose
# test runs are short (examples/CMakeLists.txt): they are compiled and run; the compile budget test
# compiles the main example at -O2.
example_optimization() {
    case "$("$1" --version 2>/dev/null | head -n 1)" in
        *clang*) echo "-O0" ;;
        *g++*|*GCC*|*gcc*) echo "-Og" ;;
    esac
}

if ((sanitize)); then
    # One sanitized build: ASan + UBSan (+ LSan, on by default with ASan on Linux), every report fatal.
    # Reports go to files under $dir/sanitizer-reports as well as failing the test, so that a report
    # from any process (test, example, doc snippet) fails the run even if its exit code were ignored.
    ((compiler_given)) || compilers=(clang++)
    cxx="${compilers[0]}"
    dir="build/sanitize"
    [ "$cxx" = clang++ ] || dir="build/sanitize-${cxx}"
    # Line tables only (clang -gline-tables-only, g++ -g1): a report names file and line of every frame,
    # and the build does not pay for full debug information (about 10 % of its time).
    debug="-gline-tables-only"
    [ "$cxx" = clang++ ] || debug="-g1"
    # -O0 for everything but the programs that train for tens of seconds — sequence models (SASRec,
    # GRU4Rec, Caser), ten NOTEARS fits (85 s at -O0) and the hnswlib index (28 s at -O0) — which stay at -O1: the instrumented build takes 4 to 5 min instead of 8 to 10
    # at -O1 everywhere, and the tests take about as long (docs/hardening.md).
    flags="-O0 ${debug} -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    # float-divide-by-zero is not in -fsanitize=undefined for clang; the library relies on IEEE inf/NaN.
    echo "== ${cxx} + ASan/UBSan/LSan: configure (${dir})"
    mkdir -p "$dir"
    cmake -S . -B "$dir" $(causalrec_generator_args "$dir") -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DCMAKE_CXX_FLAGS="$(compiler_speed_flags "$cxx")" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
          -DCAUSALREC_BUILD_TESTS=ON -DCAUSALREC_BUILD_EXAMPLES=ON -DCAUSALREC_BUILD_BENCHMARKS=OFF \
          -DCAUSALREC_BUILD_COMPILE_CHECKS=OFF -DCAUSALREC_BUILD_SHARED_DATA_CHECKS=OFF -DCAUSALREC_DOC_SNIPPET_SHARDS=2 -DCAUSALREC_MPI=OFF \
          "-DCAUSALREC_TARGETS_AT_O1=test_rec_sequential;sequential;test_causal_fits;test_ann" \
          "${launcher[@]}" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
    grep -E 'causalrec:' "$dir.configure.log" || true
    echo "== ${cxx} + sanitizers: build"
    start=$(date +%s)
    cmake --build "$dir" -j "$jobs"
    echo "== ${cxx} + sanitizers: build took $(( $(date +%s) - start )) s"
    reports="$PWD/$dir/sanitizer-reports"
    rm -rf "$reports"; mkdir -p "$reports"
    common="halt_on_error=1:print_stacktrace=1:log_path=$reports/report"
    export ASAN_OPTIONS="$common:detect_leaks=1:abort_on_error=0:strict_init_order=1:detect_stack_use_after_return=1"
    export UBSAN_OPTIONS="$common"
    export LSAN_OPTIONS="$common"
    # Not built under sanitizers: the compile-only checks (CAUSALREC_BUILD_COMPILE_CHECKS=OFF: header
    # checks, static_assert conformance, expected compile errors, the xtensor 0.26 layout), which run no
    # instrumented code and are built and run by the plain passes; nor the shared-data reproductions
    # (CAUSALREC_BUILD_SHARED_DATA_CHECKS=OFF), which are not run here (below).
    # Excluded under sanitizers (docs/hardening.md): label "install", which configures and builds an
    # outside project with the plain compiler (packaging, not code under test, and the slowest test),
    # and label "shared-data", the real-data reproductions that retrain models for minutes over the
    # code paths the unit tests cover.
    echo "== ${cxx} + sanitizers: test (excluding: labels install, shared-data)"
    start=$(date +%s)
    status=0
    if ctest --test-dir "$dir" --output-on-failure -j "$jobs" -LE '^(install|shared-data)$' \
        | tee "$dir.ctest.log"; then :; else status=1; fi
    echo "== ${cxx} + sanitizers: tests took $(( $(date +%s) - start )) s"
    if compgen -G "$reports/report*" >/dev/null; then
        status=1
        echo "== sanitizer reports:"
        for f in "$reports"/report*; do echo "-- $f"; cat "$f"; done
    fi
    # ThreadSanitizer cannot be combined with ASan: one small program (tests/sanitize/threads.cpp)
    # trains models on two threads at once and ranks users on the worker threads under TSan.
    echo "== ${cxx} + ThreadSanitizer: tests/sanitize/threads.cpp"
    tsan_status=0
    "$cxx" -std=c++20 -O1 -g -fsanitize=thread -Wall -Wextra -Werror -DCAUSALREC_USE_OPENBLAS -Iinclude \
        tests/sanitize/threads.cpp -o "$dir/tsan_threads" -lopenblas -lpthread || tsan_status=1
    if ((tsan_status == 0)); then
        TSAN_OPTIONS="halt_on_error=1:exitcode=66:log_path=$reports/tsan" "$dir/tsan_threads" || tsan_status=1
    fi
    if compgen -G "$reports/tsan*" >/dev/null; then
        tsan_status=1
        for f in "$reports"/tsan*; do echo "-- $f"; cat "$f"; done
    fi
    ((tsan_status == 0)) || status=1
    echo
    echo "== summary"
    echo "${cxx} + ASan/UBSan/LSan: $(grep -E '^[0-9]+% tests passed' "$dir.ctest.log" || echo 'no summary');" \
         "sanitizer reports: $(find "$reports" -type f | wc -l)"
    echo "${cxx} + ThreadSanitizer (two threads training, recommend_many): $( ((tsan_status == 0)) && echo ok || echo FAILED)"
    exit "$status"
fi
excluded=()
if ((quick)); then
    ((compiler_given)) || compilers=(g++)
    excluded=(-LE '^(shared-data|install)$')
fi
summary=()
status=0
for cxx in "${compilers[@]}"; do
    dir="build/test-${cxx}"
    # The benchmarks are built (and so checked to compile warning-free) with the first compiler only:
    # they are measured with it, and building them twice would lengthen every run. Only compiled here,
    # at -Og (CAUSALREC_BENCHMARK_OPTIONS): they are measured from their own build (docs/benchmarks.md).
    benchmarks=OFF
    [ "$cxx" = "${compilers[0]}" ] && ((!quick)) && benchmarks=ON
    # The real-data reproductions (label shared-data: retraining on Coat, IHDP, Video, ... for about
    # three minutes of CPU, and their programs two more to compile) run with the first compiler only,
    # like the benchmarks: they check published numbers, which the unit tests of both compilers
    # underpin. The second compiler builds with the compiled part (both modes are tested on every run).
    shared_data=ON
    [ "$cxx" = "${compilers[0]}" ] || shared_data=OFF
    compiled_mode=OFF
    { ((compiled)) || { ((${#compilers[@]} > 1)) && [ "$cxx" != "${compilers[0]}" ]; }; } && compiled_mode=ON
    echo "== ${cxx}: configure (${dir}; CAUSALREC_COMPILED=${compiled_mode})"
    # -O2 rather than CMake's Release default -O3: the examples (and the compiled part, and the benchmarks,
    # which are only compiled here and measured from their own -O3 build, docs/benchmarks.md) compile
    # about 30 % faster (g++ 12: examples/recommend 22.7 s instead of 32.3 s), and -O2 is the level the
    # compile budget and most users' release builds use.
    cmake -S . -B "$dir" $(causalrec_generator_args "$dir") -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release \
          -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
          -DCMAKE_CXX_FLAGS="$(compiler_speed_flags "$cxx")" -DCAUSALREC_BUILD_TESTS=ON -DCAUSALREC_BUILD_EXAMPLES=ON \
          -DCAUSALREC_BUILD_BENCHMARKS="$benchmarks" -DCAUSALREC_BENCHMARK_OPTIONS=-Og -DCAUSALREC_COMPILED="$compiled_mode" \
          -DCAUSALREC_BUILD_SHARED_DATA_CHECKS="$shared_data" -DCAUSALREC_EXAMPLE_OPTIMIZATION="$(example_optimization "$cxx")" \
          "${launcher[@]}" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
    grep -E 'causalrec:' "$dir.configure.log" || true
    echo "== ${cxx}: build"
    start=$(date +%s)
    cmake --build "$dir" -j "$jobs"
    echo "== ${cxx}: build took $(( $(date +%s) - start )) s"
    echo "== ${cxx}: test"
    # The install checks (every example configured against an installed causalrec, the main one built
    # and run, the package consumed by a fresh project) run with both: the header-only package with the
    # first compiler, the package with the compiled part with the second.
    this_excluded=("${excluded[@]}")
    if ctest --test-dir "$dir" --output-on-failure -j "$jobs" "${this_excluded[@]}" | tee "$dir.ctest.log"; then :; else status=1; fi
    summary+=("${cxx} (CAUSALREC_COMPILED=${compiled_mode}): $(grep -E 'tests passed' "$dir.ctest.log" || echo 'no summary')")
done
echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$status"
