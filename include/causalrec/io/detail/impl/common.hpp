#pragma once
/// @file
/// Definitions of the non-template functions declared in io/detail/common.hpp (the shared text helpers): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../common.hpp"

namespace causalrec::io::detail {

CAUSALREC_INLINE std::string quote(std::string_view name, std::size_t max_length) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s = "'";
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (i >= max_length) {
            s.append("...");
            break;
        }
        const auto c = static_cast<unsigned char>(name[i]);
        if (c < 0x20 || c == 0x7F) {
            s.append("\\x").push_back(hex[c >> 4]);
            s.push_back(hex[c & 0xF]);
        } else {
            s.push_back(static_cast<char>(c));
        }
    }
    s.append("'");
    return s;
}

CAUSALREC_INLINE std::string printable(std::string_view text, std::size_t max_length) {
    std::string s;
    s.reserve(std::min(text.size(), max_length) + 3);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (s.size() >= max_length) {
            s.append("...");
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        s.push_back(c < 0x20 || c >= 0x7F ? '?' : static_cast<char>(c));
    }
    return s;
}

CAUSALREC_INLINE std::string format_fixed(double v, int decimals) {
    if (!std::isfinite(v)) return format_number(v);
    char buffer[128];
    const auto r = std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::fixed, decimals);
    if (r.ec != std::errc()) return format_number(v);
    std::string s(buffer, r.ptr);
    // Drop the sign of a value that rounds to zero ("-0.00" -> "0.00").
    if (!s.empty() && s[0] == '-' && s.find_first_not_of("0.", 1) == std::string::npos) s.erase(0, 1);
    return s;
}

}  // namespace causalrec::io::detail
