#pragma once
/// @file
/// Definitions of the non-template code declared in preprocess/detail/common.hpp: included by that header in
/// the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/common.hpp"

namespace causalrec::preprocess::detail {

CAUSALREC_INLINE void require_fitted(bool fitted, std::string_view type, std::string_view what) {
    if (!fitted) throw not_fitted_error(causalrec::error_message("preprocess", type, what, " called before fit"));
}

CAUSALREC_INLINE std::vector<std::string> resolve_names(bool fitted, const std::vector<std::string>& names, std::size_t n,
                                              std::string_view type) {
    require_fitted(fitted, type, "output_names");
    if (names.empty()) {
        std::vector<std::string> defaults(n);
        for (std::size_t j = 0; j < n; ++j) defaults[j] = cat("x", j);
        return defaults;
    }
    if (names.size() != n)
        throw shape_error(causalrec::error_message("preprocess", type, "output_names got ", names.size(), " input names, but it was fitted on ", n,
                              " columns"));
    return names;
}

CAUSALREC_INLINE nlohmann::json encode_number(double v) {
    if (std::isnan(v)) return nullptr;
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return v;
}

CAUSALREC_INLINE nlohmann::json encode_numbers(const std::vector<double>& values) {
    nlohmann::json a = nlohmann::json::array();
    for (double v : values) a.push_back(encode_number(v));
    return a;
}

CAUSALREC_INLINE nlohmann::json encode_indices(const std::vector<std::size_t>& values) {
    nlohmann::json a = nlohmann::json::array();
    for (std::size_t v : values) a.push_back(v);
    return a;
}

CAUSALREC_INLINE nlohmann::json state_head(std::string_view type, bool fitted) {
    nlohmann::json j = nlohmann::json::object();
    j["type"] = std::string(type);
    j["version"] = state_version;
    j["fitted"] = fitted;
    return j;
}

CAUSALREC_INLINE state_reader::state_reader(const nlohmann::json& j, std::string_view type) : root_(j), type_(type) {
    if (!j.is_object()) fail(cat("expected a JSON object, got ", j.type_name()));
    if (!j.contains("type") || !j["type"].is_string()) fail("field 'type' is missing or not a string");
    const auto& actual = j["type"].get_ref<const std::string&>();
    if (actual != type) fail(cat("this is the state of a '", actual, "', not of a '", type, "'"));
    if (!j.contains("version") || !j["version"].is_number_integer())
        fail("field 'version' is missing or not an integer");
    const auto version = j["version"].get<std::int64_t>();
    if (version < 1 || version > state_version)
        fail(cat("unsupported state version ", version, " (this build reads version 1 to ", state_version, ")"));
    fitted_ = read_bool(j, "fitted");
}

CAUSALREC_INLINE void state_reader::fail(std::string_view reason) const {
    throw format_error(cat(qualified("preprocess", type_), "::from_json: ", reason));
}

CAUSALREC_INLINE auto state_reader::field(const nlohmann::json& obj, std::string_view key) const -> const nlohmann::json& {
    if (!obj.is_object()) fail(cat("expected an object holding field '", key, "'"));
    const auto it = obj.find(std::string(key));
    if (it == obj.end()) fail(cat("field '", key, "' is missing"));
    return *it;
}

CAUSALREC_INLINE auto state_reader::object(const nlohmann::json& obj, std::string_view key) const -> const nlohmann::json& {
    const auto& v = field(obj, key);
    if (!v.is_object()) fail(cat("field '", key, "' must be an object"));
    return v;
}

CAUSALREC_INLINE auto state_reader::array(const nlohmann::json& obj, std::string_view key,
                                std::size_t expected_size) const -> const nlohmann::json& {
    const auto& v = field(obj, key);
    if (!v.is_array()) fail(cat("field '", key, "' must be an array"));
    if (expected_size != npos && v.size() != expected_size)
        fail(cat("field '", key, "' has ", v.size(), " entries, expected ", expected_size));
    return v;
}

CAUSALREC_INLINE bool state_reader::read_bool(const nlohmann::json& obj, std::string_view key) const {
    const auto& v = field(obj, key);
    if (!v.is_boolean()) fail(cat("field '", key, "' must be true or false"));
    return v.get<bool>();
}

CAUSALREC_INLINE double state_reader::decode_number(const nlohmann::json& v, std::string_view key) const {
    if (v.is_number()) return v.get<double>();
    if (v.is_null()) return nan;
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    fail(cat("field '", key, "' holds ", v.dump(), ", expected a number, null (NaN), \"inf\" or \"-inf\""));
}

CAUSALREC_INLINE double state_reader::read_number(const nlohmann::json& obj, std::string_view key) const {
    return decode_number(field(obj, key), key);
}

CAUSALREC_INLINE std::size_t state_reader::decode_index(const nlohmann::json& v, std::string_view key) const {
    if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<std::int64_t>() < 0))
        fail(cat("field '", key, "' holds ", v.dump(), ", expected a non-negative integer"));
    return static_cast<std::size_t>(v.get<std::uint64_t>());
}

CAUSALREC_INLINE std::size_t state_reader::read_index(const nlohmann::json& obj, std::string_view key) const {
    return decode_index(field(obj, key), key);
}

CAUSALREC_INLINE std::size_t state_reader::read_n_features_in(const nlohmann::json& obj) const {
    const std::size_t n = read_index(obj, "n_features_in");
    if (n == 0) fail("field 'n_features_in' must be at least 1");
    return n;
}

CAUSALREC_INLINE auto state_reader::read_numbers(const nlohmann::json& obj, std::string_view key,
                                     std::size_t expected_size) const -> std::vector<double> {
    const auto& a = array(obj, key, expected_size);
    std::vector<double> out;
    out.reserve(a.size());
    for (const auto& v : a) out.push_back(decode_number(v, key));
    return out;
}

CAUSALREC_INLINE auto state_reader::read_indices(const nlohmann::json& obj, std::string_view key,
                                          std::size_t expected_size) const -> std::vector<std::size_t> {
    const auto& a = array(obj, key, expected_size);
    std::vector<std::size_t> out;
    out.reserve(a.size());
    for (const auto& v : a) out.push_back(decode_index(v, key));
    return out;
}

}  // namespace causalrec::preprocess::detail
