#pragma once
/// @file
/// Compiler helpers used by the hot loops.

/// Promises the compiler that a pointer does not alias the other pointers of the loop, so that
/// element-wise loops vectorize (every supported compiler has the extension).
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define CAUSALREC_RESTRICT __restrict
#else
#define CAUSALREC_RESTRICT
#endif
