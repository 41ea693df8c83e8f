#pragma once
// Catch2 shim: Debian ships Catch2 v2 (single header), vcpkg and Conan ship v3.
// Tests write Catch::Approx and Catch::Matchers::WithinAbs/WithinRel, which exist in both.
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
namespace Catch {
using Detail::Approx;
}
#endif
