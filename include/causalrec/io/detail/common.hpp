#pragma once
/// @file
/// Implementation helpers of the io module (not API): message building, checked arithmetic,
/// byte order, number formatting and text sanitising for messages.

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"

namespace causalrec::io::detail {

using causalrec::append_part;
using causalrec::cat;
using causalrec::format_number;

/// "[2, 3]" for a shape.
template <class Int>
std::string shape_string(std::span<const Int> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) s.append(", ");
        s.append(std::to_string(shape[i]));
    }
    s.append("]");
    return s;
}

/// "[2, 3]" for a shape held in a vector.
template <class Int>
std::string shape_string(const std::vector<Int>& shape) {
    return shape_string(std::span<const Int>(shape));
}

/// a * b, or nothing when the product does not fit in std::uint64_t.
inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) noexcept {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
    return a * b;
}

/// a + b, or nothing when the sum does not fit in std::uint64_t.
inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) noexcept {
    if (b > std::numeric_limits<std::uint64_t>::max() - a) return std::nullopt;
    return a + b;
}

/// Product of the shape's entries (1 for rank 0), multiplied left to right with overflow checks.
template <class Int>
std::optional<std::uint64_t> checked_product(std::span<const Int> shape) noexcept {
    std::uint64_t n = 1;
    for (const auto d : shape) {
        const auto next = checked_mul(n, static_cast<std::uint64_t>(d));
        if (!next) return std::nullopt;
        n = *next;
    }
    return n;
}

/// Converts raw element bytes between the host order and little-endian (the file order): a no-op on
/// little-endian hosts, a byte reversal of every element on big-endian hosts. The conversion is its
/// own inverse, so it serves both directions.
inline void host_to_little_endian(std::span<std::byte> bytes, std::size_t element_size) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        (void)bytes;
        (void)element_size;
    } else {
        if (element_size <= 1) return;
        for (std::size_t i = 0; i + element_size <= bytes.size(); i += element_size)
            std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                         bytes.begin() + static_cast<std::ptrdiff_t>(i + element_size));
    }
}

/// Little-endian bytes of a 64-bit unsigned integer.
inline void store_u64_le(std::uint64_t v, std::byte* out) noexcept {
    for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFu);
}

/// The 64-bit unsigned integer stored little-endian at p.
inline std::uint64_t load_u64_le(const std::byte* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(std::to_integer<unsigned>(p[i])) << (8 * i);
    return v;
}

/// One decoded UTF-8 character: its length in bytes (0 when malformed) and its code point.
struct utf8_char {
    std::size_t length;
    std::uint32_t code_point;
};

/// The well-formed UTF-8 character starting at text[i] (i < text.size()), or length 0 when the bytes
/// there are malformed (overlong forms, surrogates, above U+10FFFF, cut off).
inline utf8_char decode_utf8(std::string_view text, std::size_t i) noexcept {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) return {1, c};
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return {0, 0};
    }
    if (text.size() - i < len) return {0, 0};
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(text[i + k]);
        if ((cc & 0xC0u) != 0x80u) return {0, 0};
        cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return {0, 0};
    return {len, cp};
}

/// True when `text` is well-formed UTF-8.
inline bool valid_utf8(std::string_view text) noexcept {
    for (std::size_t i = 0; i < text.size();) {
        const auto ch = decode_utf8(text, i);
        if (ch.length == 0) return false;
        i += ch.length;
    }
    return true;
}

/// A name quoted for an error message: 'name', with control characters written as \xNN and the text
/// cut after `max_length` bytes.
std::string quote(std::string_view name, std::size_t max_length = 120);

/// Text made safe for an error message: control bytes and bytes >= 0x80 become '?', and the result is
/// cut at `max_length` characters (with "..." appended). Used for parser messages that echo input.
std::string printable(std::string_view text, std::size_t max_length = 200);

/// v with exactly `decimals` digits after the point, locale-independent; "-0" is written as "0".
std::string format_fixed(double v, int decimals);

}  // namespace causalrec::io::detail

#if CAUSALREC_HEADER_ONLY
#include "impl/common.hpp"
#endif
