#pragma once
/// @file
/// Definitions of the non-template code declared in preprocess/encoders.hpp: included by that header in
/// the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "../encoders.hpp"

namespace causalrec::preprocess::detail {

CAUSALREC_INLINE nlohmann::json encode_categories(const std::vector<std::vector<double>>& categories) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& cats : categories) a.push_back(encode_numbers(cats));
    return a;
}

CAUSALREC_INLINE std::vector<std::vector<double>> read_categories(const state_reader& r, const nlohmann::json& st,
                                                        std::size_t n_features) {
    const auto& a = r.array(st, "categories", n_features);
    std::vector<std::vector<double>> categories;
    for (std::size_t j = 0; j < a.size(); ++j) {
        if (!a[j].is_array() || a[j].empty())
            r.fail(cat("field 'categories': entry ", j, " must be a non-empty array"));
        std::vector<double> cats;
        for (const auto& v : a[j]) cats.push_back(r.decode_number(v, "categories"));
        const std::size_t known = cats.size() - (has_nan_category(cats) ? 1 : 0);
        for (std::size_t k = 0; k < known; ++k)
            if (!std::isfinite(cats[k]) || (k > 0 && !(cats[k - 1] < cats[k])))
                r.fail(cat("field 'categories': entry ", j,
                           " must hold strictly increasing finite values, optionally followed by null (NaN)"));
        categories.push_back(std::move(cats));
    }
    return categories;
}

}  // namespace causalrec::preprocess::detail

namespace causalrec::preprocess {

CAUSALREC_INLINE std::vector<std::string> one_hot_encoder::output_names(const std::vector<std::string>& input_names) const {
    const auto names = detail::resolve_names(fitted_, input_names, n_features_in_, model_name);
    std::vector<std::string> out;
    out.reserve(n_features_out_);
    for (std::size_t j = 0; j < n_features_in_; ++j)
        for (std::size_t c = 0; c < categories_[j].size(); ++c)
            if (c != drop_idx_[j]) out.push_back(detail::cat(names[j], "=", categories_[j][c]));
    return out;
}

CAUSALREC_INLINE nlohmann::json one_hot_encoder::options_json() const {
    return {{"handle_unknown", detail::enum_name(detail::one_hot_unknown_names, opts_.handle_unknown)},
            {"drop", detail::enum_name(detail::one_hot_drop_names, opts_.drop)}};
}

CAUSALREC_INLINE nlohmann::json one_hot_encoder::state_json() const {
    nlohmann::json drop = nlohmann::json::array();
    for (std::size_t d : drop_idx_) {
        if (d == detail::no_category)
            drop.push_back(nullptr);
        else
            drop.push_back(d);
    }
    return {{"categories", detail::encode_categories(categories_)}, {"drop_idx", std::move(drop)}};
}

CAUSALREC_INLINE auto one_hot_encoder::read_options(const detail::state_reader& r, const nlohmann::json& o) -> options_type {
    return {.handle_unknown = r.read_enum(o, "handle_unknown", detail::one_hot_unknown_names),
            .drop = r.read_enum(o, "drop", detail::one_hot_drop_names)};
}

CAUSALREC_INLINE void one_hot_encoder::read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n) {
    categories_ = detail::read_categories(r, st, n);
    const auto& drop = r.array(st, "drop_idx", n);
    drop_idx_.clear();
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t d = drop[k].is_null() ? detail::no_category : r.decode_index(drop[k], "drop_idx");
        if (d != detail::no_category && d >= categories_[k].size())
            r.fail(detail::cat("field 'drop_idx': entry ", k, " is not a category index of column ", k));
        drop_idx_.push_back(d);
    }
    finish_fit();
}

CAUSALREC_INLINE void one_hot_encoder::finish_fit() {
    offset_.assign(categories_.size(), 0);
    std::size_t n_out = 0;
    for (std::size_t j = 0; j < categories_.size(); ++j) {
        offset_[j] = n_out;
        n_out += categories_[j].size() - (drop_idx_[j] == detail::no_category ? 0 : 1);
    }
    n_features_out_ = n_out;
}

CAUSALREC_INLINE nlohmann::json ordinal_encoder::options_json() const {
    return {{"handle_unknown", detail::enum_name(detail::ordinal_unknown_names, opts_.handle_unknown)},
            {"unknown_value", detail::encode_number(opts_.unknown_value)},
            {"encoded_missing_value", detail::encode_number(opts_.encoded_missing_value)}};
}

CAUSALREC_INLINE nlohmann::json ordinal_encoder::state_json() const { return {{"categories", detail::encode_categories(categories_)}}; }

CAUSALREC_INLINE auto ordinal_encoder::read_options(const detail::state_reader& r, const nlohmann::json& o) -> options_type {
    return {.handle_unknown = r.read_enum(o, "handle_unknown", detail::ordinal_unknown_names),
            .unknown_value = r.read_number(o, "unknown_value"),
            .encoded_missing_value = r.read_number(o, "encoded_missing_value")};
}

CAUSALREC_INLINE void ordinal_encoder::read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n) {
    categories_ = detail::read_categories(r, st, n);
}

}  // namespace causalrec::preprocess
