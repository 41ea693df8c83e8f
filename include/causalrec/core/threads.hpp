#pragma once
/// @file
/// One thread setting for the whole process: causalrec::set_num_threads(n) limits both the
/// library's own parallel loops and OpenBLAS's thread pool, so the two never oversubscribe.

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>

#include "error.hpp"
#include "message.hpp"

// OpenBLAS's control functions. With CAUSALREC_USE_OPENBLAS (set by the CMake target when it found
// OpenBLAS) they are ordinary declarations, so the program links OpenBLAS. Otherwise they are weak:
// they resolve when OpenBLAS happens to be loaded and stay null when it is not.
#if defined(CAUSALREC_USE_OPENBLAS)
extern "C" {
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}
/// 1 where openblas_set_num_threads can be declared weak (found at run time when linked); else 0.
#define CAUSALREC_HAS_WEAK_OPENBLAS 1
#elif defined(__GNUC__) || defined(__clang__)
extern "C" {
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads(void) __attribute__((weak));
char* openblas_get_config(void) __attribute__((weak));
char* openblas_get_corename(void) __attribute__((weak));
}
#define CAUSALREC_HAS_WEAK_OPENBLAS 1
#else
#define CAUSALREC_HAS_WEAK_OPENBLAS 0  ///< (not available on this target)
#endif

namespace causalrec {

namespace detail {
/// True when an OpenBLAS function is present: always with CAUSALREC_USE_OPENBLAS, else when the
/// weak symbol resolved.
template <class F>
inline bool openblas_function_present(F* f) noexcept {
#if defined(CAUSALREC_USE_OPENBLAS)
    (void)f;
    return true;
#else
    return f != nullptr;
#endif
}

inline std::atomic<int>& thread_setting() noexcept {
    static std::atomic<int> n{0};  // 0 = not set: use the hardware concurrency
    return n;
}
}  // namespace detail

/// Number of threads the library may use (what set_num_threads set, else the hardware concurrency).
inline int num_threads() noexcept {
    const int n = detail::thread_setting().load(std::memory_order_relaxed);
    if (n > 0) return n;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

/// Sets the thread count for the library's loops and for OpenBLAS (when linked); n must be >= 1.
inline void set_num_threads(int n) {
    if (n < 1) throw argument_error(causalrec::cat("causalrec::core::set_num_threads: thread count must be >= 1, got ", n));
    detail::thread_setting().store(n, std::memory_order_relaxed);
#if CAUSALREC_HAS_WEAK_OPENBLAS
    if (detail::openblas_function_present(&openblas_set_num_threads)) openblas_set_num_threads(n);
#endif
}

/// True when the running program is linked against OpenBLAS.
inline bool openblas_linked() noexcept {
#if CAUSALREC_HAS_WEAK_OPENBLAS
    return detail::openblas_function_present(&openblas_get_config);
#else
    return false;
#endif
}

/// OpenBLAS's thread count, or 0 when OpenBLAS is not linked.
inline int blas_num_threads() noexcept {
#if CAUSALREC_HAS_WEAK_OPENBLAS
    if (detail::openblas_function_present(&openblas_get_num_threads)) return openblas_get_num_threads();
#endif
    return 0;
}

/// A one-line description of the BLAS in use, e.g. "OpenBLAS 0.3.21 ... (core Zen)".
inline std::string blas_info() {
#if CAUSALREC_HAS_WEAK_OPENBLAS
    if (openblas_linked()) {
        std::string s = openblas_get_config();
        if (detail::openblas_function_present(&openblas_get_corename))
            s.append(" (core ").append(openblas_get_corename()).append(")");
        return s;
    }
#endif
    return "unknown BLAS (not OpenBLAS)";
}

/// A warning when OpenBLAS runs its baseline (SSE3-era) kernels on a CPU that has AVX2 — what an
/// OpenBLAS release older than the CPU does when it does not recognise the model (e.g. 0.3.21 on
/// Sapphire Rapids picks "Prescott"), costing a factor of 2-4 on every matrix product. Empty when
/// all is well or when it cannot tell. Fix: set OPENBLAS_CORETYPE (Haswell, SkylakeX, Zen, ...)
/// in the environment before the program starts.
inline std::string blas_kernel_warning() {
#if CAUSALREC_HAS_WEAK_OPENBLAS && (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    if (openblas_linked() && detail::openblas_function_present(&openblas_get_corename)) {
        const std::string core = openblas_get_corename();
        const bool baseline = core == "Prescott" || core == "Core2" || core == "Penryn" || core == "Nehalem" || core == "Atom" ||
                              core == "Dunnington" || core == "Katmai" || core == "Coppermine" || core == "Northwood";
        if (baseline && __builtin_cpu_supports("avx2")) {
            std::string w = "OpenBLAS chose its '";
            w.append(core).append(
                "' kernels although this CPU has AVX2 (the OpenBLAS release predates the CPU); matrix products run 2-4x "
                "slower. Set OPENBLAS_CORETYPE=");
            w.append(__builtin_cpu_supports("avx512f") ? "SkylakeX" : "Haswell").append(" before starting the program.");
            return w;
        }
    }
#endif
    return {};
}

}  // namespace causalrec
