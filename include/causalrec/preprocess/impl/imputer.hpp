#pragma once
/// @file
/// Definitions of the non-template code declared in preprocess/imputer.hpp: included by that header in
/// the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "../imputer.hpp"

namespace causalrec::preprocess::detail {

CAUSALREC_INLINE double impute_statistic(std::vector<double> v, impute_strategy strategy) {
    switch (strategy) {
        case impute_strategy::mean: {
            double sum = 0.0;
            for (double x : v) sum += x;
            return sum / static_cast<double>(v.size());
        }
        case impute_strategy::median: {
            std::sort(v.begin(), v.end());
            const std::size_t h = v.size() / 2;
            return v.size() % 2 == 1 ? v[h] : (v[h - 1] + v[h]) / 2.0;
        }
        case impute_strategy::most_frequent: {
            std::sort(v.begin(), v.end());
            double best = v[0];
            std::size_t best_count = 0;
            for (std::size_t i = 0; i < v.size();) {
                std::size_t k = i;
                while (k < v.size() && v[k] == v[i]) ++k;
                if (k - i > best_count) {  // strictly more: a tie keeps the smaller value
                    best = v[i];
                    best_count = k - i;
                }
                i = k;
            }
            return best;
        }
        case impute_strategy::constant: break;
    }
    return nan;
}

}  // namespace causalrec::preprocess::detail

namespace causalrec::preprocess {

CAUSALREC_INLINE std::vector<std::string> simple_imputer::output_names(const std::vector<std::string>& input_names) const {
    const auto names = detail::resolve_names(fitted_, input_names, n_features_in_, model_name);
    std::vector<std::string> out;
    out.reserve(kept_.size());
    for (std::size_t j : kept_) out.push_back(names[j]);
    return out;
}

CAUSALREC_INLINE nlohmann::json simple_imputer::options_json() const {
    return {{"strategy", detail::enum_name(detail::impute_strategy_names, opts_.strategy)},
            {"fill_value", detail::encode_number(opts_.fill_value)},
            {"empty_columns", detail::enum_name(detail::empty_column_policy_names, opts_.empty_columns)}};
}

CAUSALREC_INLINE nlohmann::json simple_imputer::state_json() const {
    return {{"statistics", detail::encode_numbers(statistics_)}, {"kept_columns", detail::encode_indices(kept_)}};
}

CAUSALREC_INLINE auto simple_imputer::read_options(const detail::state_reader& r, const nlohmann::json& o) -> options_type {
    return {.strategy = r.read_enum(o, "strategy", detail::impute_strategy_names),
            .fill_value = r.read_number(o, "fill_value"),
            .empty_columns = r.read_enum(o, "empty_columns", detail::empty_column_policy_names)};
}

CAUSALREC_INLINE void simple_imputer::read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n) {
    statistics_ = r.read_numbers(st, "statistics", n);
    kept_ = r.read_indices(st, "kept_columns");
    for (std::size_t k = 0; k < kept_.size(); ++k) {
        const std::size_t c = kept_[k];
        if (c >= n || (k > 0 && c <= kept_[k - 1]))
            r.fail("field 'kept_columns' must hold increasing column indices below n_features_in");
        if (std::isnan(statistics_[c])) r.fail(detail::cat("kept column ", c, " has no fill value"));
    }
}

}  // namespace causalrec::preprocess
