#pragma once
/// @file
/// robust_outlier_flag: flags rows whose largest robust z-score (distance from the column median in
/// units of the scaled median absolute deviation) exceeds a threshold learned at fit time.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "detail/common.hpp"
#include "scalers.hpp"

namespace causalrec::preprocess {

/// Options of robust_outlier_flag.
struct robust_outlier_flag_options {
    double contamination = 0.02;  ///< share of the fitting rows expected to be outliers: the threshold is the scores' (1 - contamination) percentile; in (0, 0.5)
};

/// An outlier monitor for a pipeline: each row's score is max_j |x_j - median_j| / (1.4826 MAD_j)
/// (the robust z-score, 1.4826 making the MAD a standard deviation for normal data; a column whose
/// MAD is 0 uses its inter-quartile range / 1.349, then 1), NaN entries ignored. fit learns the
/// medians, MADs and the threshold (the (1 - contamination) percentile of the fitting rows' scores);
/// transform returns X unchanged and records which rows scored above the threshold: `flags()`,
/// `flagged()`. `scores(X)` gives the scores themselves.
class robust_outlier_flag : public detail::preprocessor_base<robust_outlier_flag, robust_outlier_flag_options> {
public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "robust_outlier_flag";

    /// A preprocessor with the given options, not yet fitted.
    using preprocessor_base::preprocessor_base;

    /// Per-column median.
    const std::vector<double>& center() const noexcept { return center_; }
    /// Per-column robust standard deviation (1.4826 MAD, or its fallbacks).
    const std::vector<double>& spread() const noexcept { return spread_; }
    /// The score above which a row is flagged.
    double threshold() const noexcept { return threshold_; }
    /// Per row of the last transform: 1 when flagged.
    const std::vector<char>& flags() const noexcept { return flags_; }
    /// Rows flagged by the last transform.
    std::size_t flagged() const noexcept { return flagged_; }

    /// Each row's robust z-score (0 for a row without observed values); raises as transform.
    template <std::floating_point T>
    std::vector<double> scores(const matrix<T>& X) const {
        detail::check_transform_input(X, model_name, is_fitted(), n_features_in());
        return score_rows(X);
    }

private:
    friend class detail::preprocessor_base<robust_outlier_flag, robust_outlier_flag_options>;

    template <std::floating_point T>
    std::vector<double> score_rows(const matrix<T>& X) const {
        std::vector<double> out(X.shape()[0], 0.0);
        for (std::size_t r = 0; r < X.shape()[0]; ++r)
            for (std::size_t j = 0; j < X.shape()[1]; ++j) {
                const double x = static_cast<double>(X(r, j));
                if (std::isnan(x) || std::isnan(center_[j])) continue;
                out[r] = std::max(out[r], std::abs(x - center_[j]) / spread_[j]);
            }
        return out;
    }

    /// X unchanged; records the flags.
    template <std::floating_point T>
    matrix<T> apply(const matrix<T>& X) const;

    /// Learns medians, spreads and the threshold.
    template <std::floating_point T>
    void learn(const matrix<T>& X);

    nlohmann::json options_json() const;

    nlohmann::json state_json() const;

    static options_type read_options(const detail::state_reader& r, const nlohmann::json& o);

    /// Reads center, spread and threshold: a finite center (NaN for an unobserved column), a finite
    /// spread > 0, a threshold >= 0.
    void read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n);

    std::vector<double> center_, spread_;
    double threshold_ = 0.0;
    mutable std::vector<char> flags_;
    mutable std::size_t flagged_ = 0;
};

template <std::floating_point T>
matrix<T> robust_outlier_flag::apply(const matrix<T>& X) const {
    const auto s = score_rows(X);
    flags_.assign(s.size(), 0);
    flagged_ = 0;
    for (std::size_t r = 0; r < s.size(); ++r)
        if (s[r] > threshold_) flags_[r] = 1, ++flagged_;
    return X;
}

template <std::floating_point T>
void robust_outlier_flag::learn(const matrix<T>& X) {
    if (!(opts_.contamination > 0.0 && opts_.contamination < 0.5))
        throw argument_error(causalrec::error_message("preprocess", model_name, "contamination must be in (0, 0.5), got ", opts_.contamination));
    const std::size_t cols = X.shape()[1];
    std::vector<double> center(cols), spread(cols);
    for (std::size_t j = 0; j < cols; ++j) {
        std::vector<double> v = detail::observed_values(X, j);
        std::sort(v.begin(), v.end());
        center[j] = detail::percentile_sorted(v, 50.0);
        std::vector<double> dev(v.size());
        for (std::size_t k = 0; k < v.size(); ++k) dev[k] = std::abs(v[k] - center[j]);
        std::sort(dev.begin(), dev.end());
        double s = 1.4826 * detail::percentile_sorted(dev, 50.0);
        if (!(s > 0.0)) s = (detail::percentile_sorted(v, 75.0) - detail::percentile_sorted(v, 25.0)) / 1.349;
        if (!(s > 0.0) || !std::isfinite(s)) s = 1.0;
        spread[j] = s;
    }
    center_ = std::move(center);
    spread_ = std::move(spread);
    auto s = score_rows(X);
    std::sort(s.begin(), s.end());
    threshold_ = detail::percentile_sorted(s, 100.0 * (1.0 - opts_.contamination));
}

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(extern, robust_outlier_flag)
#endif

}  // namespace causalrec::preprocess

#if CAUSALREC_HEADER_ONLY
#include "impl/outliers.hpp"
#endif
