#pragma once
/// @file
/// The one message builder of the library: error messages are built from pieces (text, characters,
/// integers, floating-point numbers in their shortest exact form) with append(), as
/// `causalrec::cat("causalrec::data::read_csv: ", path, ", row ", row)` (g++ 12 warns falsely about
/// `"literal" + std::string`). Every message starts with the function that raises it,
/// `causalrec::<module>::<function>: `; qualified() and error_message() build that start for code
/// that receives the function's short name.

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>

namespace causalrec {

/// Formats a number the shortest way that reads back exactly ("3", "0.5", "nan", "-inf").
inline std::string format_number(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), v);
    return std::string(buffer, result.ptr);
}

/// Appends one message piece: text, a character, an integer or a floating-point number.
template <class Part>
void append_part(std::string& s, const Part& part) {
    if constexpr (std::is_convertible_v<const Part&, std::string_view>) {
        s.append(std::string_view(part));
    } else if constexpr (std::is_same_v<Part, char>) {
        s.push_back(part);
    } else if constexpr (std::is_integral_v<Part>) {
        s.append(std::to_string(part));
    } else {
        static_assert(std::is_floating_point_v<Part>, "cat: unsupported message piece");
        s.append(format_number(static_cast<double>(part)));
    }
}

/// Concatenates message pieces (text, integers, floating-point numbers).
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string s;
    (append_part(s, parts), ...);
    return s;
}

/// The name a message starts with: qualified("rec", "bpr") is "causalrec::rec::bpr".
inline std::string qualified(std::string_view module, std::string_view name) { return cat("causalrec::", module, "::", name); }

/// A message "causalrec::<module>::<name>: <parts...>" for a function known by its short name.
template <class... Parts>
std::string error_message(std::string_view module, std::string_view name, const Parts&... parts) {
    return cat("causalrec::", module, "::", name, ": ", parts...);
}

}  // namespace causalrec
