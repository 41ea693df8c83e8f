#pragma once
/// @file
/// Definitions of the non-template code declared in preprocess/scalers.hpp: included by that header in
/// the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "../scalers.hpp"

namespace causalrec::preprocess {

CAUSALREC_INLINE nlohmann::json standard_scaler::options_json() const { return {{"with_mean", opts_.with_mean}, {"with_std", opts_.with_std}}; }

CAUSALREC_INLINE nlohmann::json standard_scaler::state_json() const {
    return {{"mean", detail::encode_numbers(mean_)}, {"var", detail::encode_numbers(var_)}, {"scale", detail::encode_numbers(scale_)}};
}

CAUSALREC_INLINE auto standard_scaler::read_options(const detail::state_reader& r, const nlohmann::json& o) -> options_type {
    return {.with_mean = r.read_bool(o, "with_mean"), .with_std = r.read_bool(o, "with_std")};
}

CAUSALREC_INLINE void standard_scaler::read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n) {
    const bool any = opts_.with_mean || opts_.with_std;
    mean_ = r.read_numbers(st, "mean", any ? n : 0);
    var_ = r.read_numbers(st, "var", opts_.with_std ? n : 0);
    scale_ = r.read_numbers(st, "scale", opts_.with_std ? n : 0);
    for (std::size_t k = 0; k < mean_.size(); ++k)
        if (std::isinf(mean_[k])) r.fail(detail::cat("mean[", k, "] is ", mean_[k], "; fit gives a finite mean"));
    for (std::size_t k = 0; k < var_.size(); ++k)
        if (var_[k] < 0.0) r.fail(detail::cat("var[", k, "] is ", var_[k], "; a variance is >= 0"));
    for (std::size_t k = 0; k < scale_.size(); ++k) {
        const bool unobserved = std::isnan(mean_[k]);  // NaN moments for a column without observed values
        if (!(scale_[k] > 0.0 && std::isfinite(scale_[k])) && !(unobserved && std::isnan(scale_[k])))
            r.fail(detail::cat("scale[", k, "] is ", scale_[k], "; fit gives a finite divisor > 0"));
    }
}

CAUSALREC_INLINE nlohmann::json min_max_scaler::options_json() const {
    return {{"feature_range", detail::encode_numbers({opts_.feature_range.first, opts_.feature_range.second})},
            {"clip", opts_.clip}};
}

CAUSALREC_INLINE nlohmann::json min_max_scaler::state_json() const {
    return {{"data_min", detail::encode_numbers(data_min_)},
            {"data_max", detail::encode_numbers(data_max_)},
            {"scale", detail::encode_numbers(scale_)},
            {"min", detail::encode_numbers(min_)}};
}

CAUSALREC_INLINE auto min_max_scaler::read_options(const detail::state_reader& r, const nlohmann::json& o) -> options_type {
    const auto range = r.read_numbers(o, "feature_range", 2);
    if (!(range[0] < range[1])) r.fail("field 'feature_range' must hold a minimum below a maximum");
    return {.feature_range = {range[0], range[1]}, .clip = r.read_bool(o, "clip")};
}

CAUSALREC_INLINE void min_max_scaler::read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n) {
    data_min_ = r.read_numbers(st, "data_min", n);
    data_max_ = r.read_numbers(st, "data_max", n);
    scale_ = r.read_numbers(st, "scale", n);
    min_ = r.read_numbers(st, "min", n);
    for (std::size_t k = 0; k < n; ++k) {
        if (data_min_[k] > data_max_[k] || std::isnan(data_min_[k]) != std::isnan(data_max_[k]))
            r.fail(detail::cat("data_min[", k, "] = ", data_min_[k], " and data_max[", k, "] = ", data_max_[k],
                               " are not a minimum and a maximum"));
        if (std::isnan(data_min_[k]) && std::isnan(scale_[k]) && std::isnan(min_[k])) continue;  // unobserved column
        if (!(scale_[k] > 0.0 && std::isfinite(scale_[k])))
            r.fail(detail::cat("scale[", k, "] is ", scale_[k], "; fit gives a finite multiplier > 0"));
        if (!std::isfinite(min_[k])) r.fail(detail::cat("min[", k, "] is ", min_[k], "; fit gives a finite offset"));
    }
}

CAUSALREC_INLINE nlohmann::json robust_scaler::options_json() const {
    return {{"with_centering", opts_.with_centering},
            {"with_scaling", opts_.with_scaling},
            {"quantile_range", detail::encode_numbers({opts_.quantile_range.first, opts_.quantile_range.second})},
            {"unit_variance", opts_.unit_variance}};
}

CAUSALREC_INLINE nlohmann::json robust_scaler::state_json() const {
    return {{"center", detail::encode_numbers(center_)}, {"scale", detail::encode_numbers(scale_)}};
}

CAUSALREC_INLINE auto robust_scaler::read_options(const detail::state_reader& r, const nlohmann::json& o) -> options_type {
    const auto range = r.read_numbers(o, "quantile_range", 2);
    if (!(range[0] >= 0.0 && range[0] < range[1] && range[1] <= 100.0)) r.fail("field 'quantile_range' must hold 0 <= low < high <= 100");
    return {.with_centering = r.read_bool(o, "with_centering"), .with_scaling = r.read_bool(o, "with_scaling"),
            .quantile_range = {range[0], range[1]}, .unit_variance = r.read_bool(o, "unit_variance")};
}

CAUSALREC_INLINE void robust_scaler::read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n) {
    center_ = r.read_numbers(st, "center", opts_.with_centering ? n : 0);
    scale_ = r.read_numbers(st, "scale", opts_.with_scaling ? n : 0);
    for (std::size_t k = 0; k < center_.size(); ++k)
        if (std::isinf(center_[k])) r.fail(detail::cat("center[", k, "] is ", center_[k], "; fit gives a finite median"));
    for (std::size_t k = 0; k < scale_.size(); ++k)
        if (!(scale_[k] > 0.0 && std::isfinite(scale_[k]))) r.fail(detail::cat("scale[", k, "] is ", scale_[k], "; fit gives a finite divisor > 0"));
}

CAUSALREC_INLINE nlohmann::json quantile_clipper::options_json() const { return {{"lower", opts_.lower}, {"upper", opts_.upper}}; }

CAUSALREC_INLINE nlohmann::json quantile_clipper::state_json() const {
    return {{"lower_bound", detail::encode_numbers(low_)}, {"upper_bound", detail::encode_numbers(high_)}};
}

CAUSALREC_INLINE auto quantile_clipper::read_options(const detail::state_reader& r, const nlohmann::json& o) -> options_type {
    const double lower = r.read_number(o, "lower"), upper = r.read_number(o, "upper");
    if (!(lower >= 0.0 && lower < upper && upper <= 100.0)) r.fail("fields 'lower' and 'upper' must satisfy 0 <= lower < upper <= 100");
    return {.lower = lower, .upper = upper};
}

CAUSALREC_INLINE void quantile_clipper::read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n) {
    low_ = r.read_numbers(st, "lower_bound", n);
    high_ = r.read_numbers(st, "upper_bound", n);
    for (std::size_t k = 0; k < n; ++k)
        if (low_[k] > high_[k] || std::isnan(low_[k]) != std::isnan(high_[k]) || std::isinf(low_[k]) || std::isinf(high_[k]))
            r.fail(detail::cat("lower_bound[", k, "] = ", low_[k], " and upper_bound[", k, "] = ", high_[k], " are not finite bounds in order"));
}

}  // namespace causalrec::preprocess
