# Sourced by scripts/test.sh and scripts/demo.sh: makes sure the build dependencies are present.
# On Debian/Ubuntu the missing packages are installed with apt-get (and named first); elsewhere the
# list is printed so that the equivalent packages can be installed by hand.

# Debian/Ubuntu packages needed to build and test causalrec.
# Open MPI and hnswlib are for the optional distributed part and approximate retrieval (their tests
# run whenever they are installed).
CAUSALREC_PACKAGES=(cmake make ninja-build g++ clang libxtensor-dev libxtensor-blas-dev xtl-dev libopenblas-dev
                    nlohmann-json3-dev catch2 libbenchmark-dev ccache libopenmpi-dev openmpi-bin libhnswlib-dev)

causalrec_ensure_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        echo "causalrec: not a Debian/Ubuntu system; make sure these (or their equivalents) are installed:"
        echo "  CMake >= 3.20, a C++20 compiler (g++ >= 12 or clang++ >= 14), xtensor >= 0.24, xtl,"
        echo "  xtensor-blas >= 0.20, OpenBLAS (with LAPACK), nlohmann_json >= 3.2, Catch2 (v2 or v3),"
        echo "  Google Benchmark, and optionally an MPI (Open MPI) for the distributed part and hnswlib;"
        echo "  Debian names: ${CAUSALREC_PACKAGES[*]}"
        return 0
    fi
    local missing=()
    local p
    for p in "${CAUSALREC_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    echo "causalrec: installing missing packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
            echo "causalrec: not root and no sudo; please install: ${missing[*]}" >&2
            return 1
        fi
    fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Prints the CMake arguments that make the build use ccache when it is available.
causalrec_launcher_args() {
    if command -v ccache >/dev/null 2>&1; then
        echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
    fi
}

# Prints the CMake generator arguments for a build folder: Ninja when it is installed (it keeps both
# cores busy across targets with less overhead than make), unless the folder was configured before
# with another generator (CMake cannot switch a configured folder).
causalrec_generator_args() {
    local dir="$1"
    command -v ninja >/dev/null 2>&1 || return 0
    if [ -f "$dir/CMakeCache.txt" ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
        return 0
    fi
    echo "-G Ninja"
}

# Exports OPENBLAS_CORETYPE for the test programs when OpenBLAS, older than the CPU, does not know it
# and falls back to its baseline kernels (Debian 12's 0.3.21 on Sapphire Rapids picks "Prescott":
# matrix products 2-4 times slower; docs/pitfalls.md): SkylakeX on an AVX-512 CPU, Haswell on an AVX2
# one, the choice causalrec::blas_kernel_warning() recommends. Nothing changes when OPENBLAS_CORETYPE
# is set already or OpenBLAS chose a kernel of its own. Prints what it did.
causalrec_openblas_coretype() {
    [ -z "${OPENBLAS_CORETYPE:-}" ] || return 0
    [ -r /proc/cpuinfo ] || return 0
    local dir="build/openblas-probe"
    mkdir -p "$dir"
    printf '%s\n' '#include <cstdio>' 'extern "C" char* openblas_get_corename(void);' \
        'int main() { std::puts(openblas_get_corename()); }' >"$dir/probe.cpp"
    "${CXX:-g++}" "$dir/probe.cpp" -o "$dir/probe" -lopenblas >/dev/null 2>&1 || return 0
    local core
    core="$("$dir/probe" 2>/dev/null)" || return 0
    case "$core" in
        Prescott|Core2|Penryn|Nehalem|Atom|Dunnington|Katmai|Coppermine|Northwood) ;;
        *) return 0 ;;
    esac
    local flags want
    flags=" $(grep -m 1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    causalrec_cpu_has() { local f; for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
    if causalrec_cpu_has avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl; then want=SkylakeX
    elif causalrec_cpu_has avx2 fma; then want=Haswell
    else return 0
    fi
    export OPENBLAS_CORETYPE="$want"
    echo "causalrec: OpenBLAS chose its $core kernels on a CPU with $([ "$want" = SkylakeX ] && echo AVX-512 || echo AVX2);" \
         "the tests run with OPENBLAS_CORETYPE=$want (docs/pitfalls.md)"
}
