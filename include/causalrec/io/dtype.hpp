#pragma once
/// @file
/// Element types of safetensors files (dtype, its size and name, the C++ type of each) and `tensor`,
/// one named tensor's element type, shape and little-endian bytes.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "detail/common.hpp"

namespace causalrec::io {

/// Element types of the safetensors format that have a whole number of bytes per element, in the
/// reference implementation's order (increasing alignment). The sub-byte types F4, F6_E2M3 and
/// F6_E3M2 are not supported: a file that uses them is rejected with a format_error.
enum class dtype : std::uint8_t {
    boolean,      ///< BOOL (1 byte)
    u8,           ///< U8
    i8,           ///< I8
    f8_e5m2,      ///< F8_E5M2 (raw bytes only)
    f8_e4m3,      ///< F8_E4M3 (raw bytes only)
    f8_e8m0,      ///< F8_E8M0 (raw bytes only)
    f8_e4m3fnuz,  ///< F8_E4M3FNUZ (raw bytes only)
    f8_e5m2fnuz,  ///< F8_E5M2FNUZ (raw bytes only)
    i16,          ///< I16
    u16,          ///< U16
    f16,          ///< F16 (raw bytes only)
    bf16,         ///< BF16 (raw bytes only)
    i32,          ///< I32
    u32,          ///< U32
    f32,          ///< F32
    c64,          ///< C64, a pair of F32 (raw bytes only)
    f64,          ///< F64
    i64,          ///< I64
    u64,          ///< U64
};

namespace detail {
/// Name and size of every dtype, indexed by its enum value.
struct dtype_info {
    std::string_view name;
    std::size_t size;
};
inline constexpr dtype_info dtype_table[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},   {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1}, {"F8_E4M3FNUZ", 1},
    {"F8_E5M2FNUZ", 1},      {"I16", 2},  {"U16", 2},     {"F16", 2},     {"BF16", 2},    {"I32", 4},
    {"U32", 4},  {"F32", 4}, {"C64", 8},  {"F64", 8},     {"I64", 8},     {"U64", 8},
};
/// Largest JSON nesting accepted in a header; a valid header nests 3 deep.
inline constexpr int max_header_depth = 16;
}  // namespace detail

/// Largest accepted JSON header, in bytes (the reference implementation's limit, 100 MB).
inline constexpr std::uint64_t max_header_size = 100'000'000;

/// The format's name of a dtype: "F32", "I64", "U8", ...
constexpr std::string_view dtype_name(dtype t) noexcept { return detail::dtype_table[static_cast<std::size_t>(t)].name; }

/// Bytes per element of a dtype.
constexpr std::size_t dtype_size(dtype t) noexcept { return detail::dtype_table[static_cast<std::size_t>(t)].size; }

/// The dtype called `name` in the format ("F32", ...), or nothing when the name is not a supported dtype.
constexpr std::optional<dtype> parse_dtype(std::string_view name) noexcept {
    for (std::size_t i = 0; i < std::size(detail::dtype_table); ++i)
        if (detail::dtype_table[i].name == name) return static_cast<dtype>(i);
    return std::nullopt;
}

/// The dtype that stores C++ type T: F32 for float, F64 for double, I8..I64 and U8..U64 for the
/// signed and unsigned integer types by size; nothing for other types (bool, char, long double...).
template <class T>
constexpr std::optional<dtype> dtype_for() noexcept {
    using U = std::remove_cv_t<T>;
    if constexpr (std::is_same_v<U, float> && std::numeric_limits<float>::is_iec559 && sizeof(float) == 4) {
        return dtype::f32;
    } else if constexpr (std::is_same_v<U, double> && std::numeric_limits<double>::is_iec559 && sizeof(double) == 8) {
        return dtype::f64;
    } else if constexpr (std::is_integral_v<U> && !std::is_same_v<U, bool> && !std::is_same_v<U, char> &&
                         !std::is_same_v<U, wchar_t> && !std::is_same_v<U, char8_t> &&
                         !std::is_same_v<U, char16_t> && !std::is_same_v<U, char32_t>) {
        constexpr bool s = std::is_signed_v<U>;
        if constexpr (sizeof(U) == 1) return s ? dtype::i8 : dtype::u8;
        else if constexpr (sizeof(U) == 2) return s ? dtype::i16 : dtype::u16;
        else if constexpr (sizeof(U) == 4) return s ? dtype::i32 : dtype::u32;
        else if constexpr (sizeof(U) == 8) return s ? dtype::i64 : dtype::u64;
        else return std::nullopt;
    } else {
        return std::nullopt;
    }
}

/// A C++ type with a safetensors dtype: float, double, std::int8_t..std::int64_t, std::uint8_t..std::uint64_t.
template <class T>
concept element_type = dtype_for<T>().has_value();

/// The dtype of an element_type (dtype_of<float> == dtype::f32).
template <element_type T>
inline constexpr dtype dtype_of = *dtype_for<T>();

/// One tensor of a file: element type, shape and its row-major elements as little-endian bytes.
struct tensor {
    io::dtype type{};                  ///< element type
    std::vector<std::size_t> shape{};  ///< dimensions; empty for a scalar
    std::vector<std::byte> data{};     ///< element_count() * dtype_size(type) bytes, little-endian

    /// Number of elements (product of the shape; 1 for a scalar, 0 when a dimension is 0).
    std::size_t element_count() const noexcept {
        std::size_t n = 1;
        for (const auto d : shape) n *= d;
        return n;
    }

    /// Equal dtype, shape and bytes.
    friend bool operator==(const tensor&, const tensor&) = default;
};

}  // namespace causalrec::io
