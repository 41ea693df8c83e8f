#pragma once
/// @file
/// Definitions of the non-template code declared in preprocess/outliers.hpp: included by that header in
/// the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include <cmath>
#include <cstddef>
#include <vector>

#include "../outliers.hpp"

namespace causalrec::preprocess {

CAUSALREC_INLINE nlohmann::json robust_outlier_flag::options_json() const { return {{"contamination", opts_.contamination}}; }

CAUSALREC_INLINE nlohmann::json robust_outlier_flag::state_json() const {
    return {{"center", detail::encode_numbers(center_)}, {"spread", detail::encode_numbers(spread_)}, {"threshold", threshold_}};
}

CAUSALREC_INLINE auto robust_outlier_flag::read_options(const detail::state_reader& r, const nlohmann::json& o) -> options_type {
    const double c = r.read_number(o, "contamination");
    if (!(c > 0.0 && c < 0.5)) r.fail("field 'contamination' must be in (0, 0.5)");
    return {.contamination = c};
}

CAUSALREC_INLINE void robust_outlier_flag::read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n) {
    center_ = r.read_numbers(st, "center", n);
    spread_ = r.read_numbers(st, "spread", n);
    threshold_ = r.read_number(st, "threshold");
    for (std::size_t k = 0; k < n; ++k) {
        if (std::isinf(center_[k])) r.fail(detail::cat("center[", k, "] is ", center_[k], "; fit gives a finite median"));
        if (!(spread_[k] > 0.0 && std::isfinite(spread_[k]))) r.fail(detail::cat("spread[", k, "] is ", spread_[k], "; fit gives a finite spread > 0"));
    }
    if (!(threshold_ >= 0.0 && std::isfinite(threshold_))) r.fail("field 'threshold' must be a finite number >= 0");
}

}  // namespace causalrec::preprocess
