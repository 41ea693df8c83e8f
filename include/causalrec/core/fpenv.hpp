#pragma once
/// @file
/// Scoped control of denormal (subnormal) floating-point numbers. Training produces them naturally
/// (Adam's moment estimates of a parameter whose gradient is zero decay geometrically towards zero),
/// and on x86 every operation on a denormal takes a slow microcode path, which made training up to
/// three times slower. fit(), evaluate() and predict() therefore run with denormals flushed to zero,
/// as TensorFlow does, and restore the caller's mode when they return.

#if defined(__SSE__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 1)
#include <xmmintrin.h>
/// 1 where the SSE control register (MXCSR) is available, so denormals can be flushed; else 0.
#define CAUSALREC_HAS_MXCSR 1
#else
#define CAUSALREC_HAS_MXCSR 0  ///< (not available on this target)
#endif

namespace causalrec {

/// While alive, results that would be denormal are flushed to zero and denormal inputs read as zero
/// (x86 MXCSR FTZ and DAZ bits) on the calling thread; the previous mode is restored on destruction.
/// On other architectures it does nothing.
class scoped_flush_denormals {
public:
    /// Sets flush-to-zero and denormals-are-zero when `enable` is true.
    explicit scoped_flush_denormals(bool enable = true) noexcept {
#if CAUSALREC_HAS_MXCSR
        saved_ = _mm_getcsr();
        if (enable) _mm_setcsr(saved_ | flush_bits);
#else
        (void)enable;
#endif
    }
    /// Restores the mode found at construction.
    ~scoped_flush_denormals() {
#if CAUSALREC_HAS_MXCSR
        _mm_setcsr(saved_);
#endif
    }
    scoped_flush_denormals(const scoped_flush_denormals&) = delete;
    scoped_flush_denormals& operator=(const scoped_flush_denormals&) = delete;

private:
#if CAUSALREC_HAS_MXCSR
    static constexpr unsigned flush_bits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
    unsigned saved_ = 0;
#endif
};

}  // namespace causalrec
