#pragma once
/// @file
/// Column scalers: standard_scaler (zero mean, unit variance) and min_max_scaler (to a range),
/// with scikit-learn's semantics. NaN is ignored when fitting and stays NaN when transforming.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/math.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "detail/common.hpp"

namespace causalrec::preprocess {

/// Options of standard_scaler.
struct standard_scaler_options {
    bool with_mean = true;  ///< subtract each column's mean
    bool with_std = true;   ///< divide each column by its population standard deviation
};

/// Standardizes each column to zero mean and unit variance, like scikit-learn's StandardScaler:
/// population standard deviation, NaN ignored at fit and kept at transform, and a (near-)constant
/// column gets scale 1 (so it maps to 0).
class standard_scaler : public detail::preprocessor_base<standard_scaler, standard_scaler_options> {
public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "standard_scaler";

    /// A preprocessor with the given options, not yet fitted.
    using preprocessor_base::preprocessor_base;

    /// Per-column mean (NaN for a column without observed values); empty when both options are off.
    const std::vector<double>& mean() const noexcept { return mean_; }
    /// Per-column population variance; empty unless with_std.
    const std::vector<double>& var() const noexcept { return var_; }
    /// Per-column divisor (standard deviation, 1 for constant columns); empty unless with_std.
    const std::vector<double>& scale() const noexcept { return scale_; }


private:
    friend class detail::preprocessor_base<standard_scaler, standard_scaler_options>;

    /// (X - mean) / scale per column (each part only when enabled); NaN stays NaN.
    template <std::floating_point T>
    matrix<T> apply(const matrix<T>& X) const;

    /// Learns each column's mean and variance (NaN ignored).
    template <std::floating_point T>
    void learn(const matrix<T>& X);

    nlohmann::json options_json() const;

    nlohmann::json state_json() const;

    static options_type read_options(const detail::state_reader& r, const nlohmann::json& o);

    /// Reads mean, var and scale, accepting only states fit could produce: a finite mean (NaN for a
    /// column without observed values), a variance >= 0, a finite positive divisor.
    void read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n);

    std::vector<double> mean_, var_, scale_;
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <std::floating_point T>
matrix<T> standard_scaler::apply(const matrix<T>& X) const {
    return detail::map_entries(X, [this](double x, std::size_t j) {
        if (opts_.with_mean) x -= mean_[j];
        if (opts_.with_std) x /= scale_[j];
        return x;
    });
}

template <std::floating_point T>
void standard_scaler::learn(const matrix<T>& X) {
    const std::size_t cols = X.shape()[1];
    std::vector<double> mean, var, scale;
    if (opts_.with_mean || opts_.with_std) {
        mean.resize(cols);
        if (opts_.with_std) {
            var.resize(cols);
            scale.resize(cols);
        }
        for (std::size_t j = 0; j < cols; ++j) {
            std::vector<double> v = detail::observed_values(X, j);
            const auto n = static_cast<double>(v.size());
            // The moments are computed on the column divided by its largest magnitude m, so that
            // no sum or square overflows (values near 1e200 or 1e308); mean = m mean', scale =
            // m sqrt(var'), var = m^2 var' (+inf when that exceeds the double range).
            double m = 0.0;
            for (double x : v) m = std::max(m, std::abs(x));
            if (m == 0.0) m = 1.0;
            for (double& x : v) x /= m;
            double sum = 0.0;
            for (double x : v) sum += x;
            const double mean_unit = v.empty() ? detail::nan : sum / n;
            mean[j] = mean_unit * m;
            if (!opts_.with_std) continue;
            // scikit-learn's corrected two-pass variance (Chan, Golub & LeVeque).
            double correction = 0.0, squares = 0.0;
            for (double x : v) {
                const double d = x - mean_unit;
                correction += d;
                squares += d * d;
            }
            const double var_unit = v.empty() ? detail::nan : (squares - correction * correction / n) / n;
            // scikit-learn's _is_constant_feature: variance within the algorithm's error bound
            // (scale-free, so evaluated on the divided column).
            const double eps = std::numeric_limits<double>::epsilon();
            const double bound = n * eps * var_unit + (n * mean_unit * eps) * (n * mean_unit * eps);
            var[j] = var_unit * m * m;
            scale[j] = var_unit <= bound ? 1.0 : std::sqrt(var_unit) * m;
        }
    }
    mean_ = std::move(mean);
    var_ = std::move(var);
    scale_ = std::move(scale);
}


/// Options of min_max_scaler.
struct min_max_scaler_options {
    std::pair<double, double> feature_range{0.0, 1.0};  ///< target (min, max); min must be below max
    bool clip = false;                                   ///< clamp transformed values into feature_range
};

/// Scales each column linearly so that its fitted minimum and maximum map to feature_range, like
/// scikit-learn's MinMaxScaler: NaN ignored at fit and kept at transform, and a constant column
/// (range below 10 machine epsilons of T) maps to feature_range.first.
class min_max_scaler : public detail::preprocessor_base<min_max_scaler, min_max_scaler_options> {
public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "min_max_scaler";

    /// A preprocessor with the given options, not yet fitted.
    using preprocessor_base::preprocessor_base;

    /// Per-column minimum seen at fit (NaN for a column without observed values).
    const std::vector<double>& data_min() const noexcept { return data_min_; }
    /// Per-column maximum seen at fit (NaN for a column without observed values).
    const std::vector<double>& data_max() const noexcept { return data_max_; }
    /// Per-column multiplier.
    const std::vector<double>& scale() const noexcept { return scale_; }
    /// Per-column offset added after scaling.
    const std::vector<double>& min() const noexcept { return min_; }


private:
    friend class detail::preprocessor_base<min_max_scaler, min_max_scaler_options>;

    /// X * scale + min per column, clamped to feature_range when clip is set; NaN stays NaN.
    template <std::floating_point T>
    matrix<T> apply(const matrix<T>& X) const;

    /// Learns each column's minimum and maximum (NaN ignored).
    template <std::floating_point T>
    void learn(const matrix<T>& X);

    nlohmann::json options_json() const;

    nlohmann::json state_json() const;

    static options_type read_options(const detail::state_reader& r, const nlohmann::json& o);

    /// Reads the fitted arrays, accepting only states fit could produce: data_min <= data_max (both
    /// NaN for a column without observed values), a finite positive scale and a finite offset.
    void read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n);

    std::vector<double> data_min_, data_max_, scale_, min_;
};

template <std::floating_point T>
matrix<T> min_max_scaler::apply(const matrix<T>& X) const {
    return detail::map_entries(X, [this](double x, std::size_t j) {
        x = x * scale_[j] + min_[j];
        if (opts_.clip) {
            const auto [lo, hi] = opts_.feature_range;
            if (x < lo) x = lo;  // comparisons with NaN are false: NaN stays NaN
            if (x > hi) x = hi;
        }
        return x;
    });
}

template <std::floating_point T>
void min_max_scaler::learn(const matrix<T>& X) {
    const auto [lo, hi] = opts_.feature_range;
    if (!(lo < hi))
        throw argument_error(causalrec::error_message("preprocess", model_name, "feature_range (", lo, ", ", hi,
                                         ") must have its minimum below its maximum"));
    const std::size_t cols = X.shape()[1];
    std::vector<double> data_min(cols, detail::nan), data_max(cols, detail::nan), scale(cols), offset(cols);
    for (std::size_t j = 0; j < cols; ++j) {
        for (double x : detail::observed_values(X, j)) {
            if (std::isnan(data_min[j]) || x < data_min[j]) data_min[j] = x;
            if (std::isnan(data_max[j]) || x > data_max[j]) data_max[j] = x;
        }
        // scikit-learn's _handle_zeros_in_scale: a range below 10 epsilons (of X's type) counts as 0 -> 1.
        double range = data_max[j] - data_min[j];
        if (!std::isfinite(range) && !std::isnan(range))
            throw numeric_error(causalrec::error_message("preprocess", model_name, "column ", j, " spans ", data_min[j], " to ", data_max[j],
                                            ", a range beyond the double range; it cannot be scaled linearly"));
        if (range < 10 * static_cast<double>(std::numeric_limits<T>::epsilon())) range = 1.0;
        scale[j] = (hi - lo) / range;
        offset[j] = lo - data_min[j] * scale[j];
    }
    data_min_ = std::move(data_min);
    data_max_ = std::move(data_max);
    scale_ = std::move(scale);
    min_ = std::move(offset);
}


/// Options of robust_scaler (scikit-learn's RobustScaler defaults).
struct robust_scaler_options {
    bool with_centering = true;                          ///< subtract each column's median
    bool with_scaling = true;                            ///< divide each column by its inter-quantile range
    std::pair<double, double> quantile_range{25.0, 75.0};  ///< the range's percentiles, 0 <= low < high <= 100
    bool unit_variance = false;                          ///< also divide by the range of a standard normal between those percentiles (normal data end with variance 1)
};

/// Scales each column by statistics that outliers barely move, like scikit-learn's RobustScaler:
/// (x - median) / (q_high - q_low), percentiles by linear interpolation (NumPy's default), NaN
/// ignored at fit and kept at transform, a range below 10 machine epsilons (of T) replaced by 1.
class robust_scaler : public detail::preprocessor_base<robust_scaler, robust_scaler_options> {
public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "robust_scaler";

    /// A preprocessor with the given options, not yet fitted.
    using preprocessor_base::preprocessor_base;

    /// Per-column median (NaN for a column without observed values); empty without centering.
    const std::vector<double>& center() const noexcept { return center_; }
    /// Per-column divisor; empty without scaling.
    const std::vector<double>& scale() const noexcept { return scale_; }

private:
    friend class detail::preprocessor_base<robust_scaler, robust_scaler_options>;

    /// (X - center) / scale per column (each part only when enabled); NaN stays NaN.
    template <std::floating_point T>
    matrix<T> apply(const matrix<T>& X) const;

    /// Learns each column's median and inter-quantile range (NaN ignored).
    template <std::floating_point T>
    void learn(const matrix<T>& X);

    nlohmann::json options_json() const;

    nlohmann::json state_json() const;

    static options_type read_options(const detail::state_reader& r, const nlohmann::json& o);

    /// Reads center and scale, accepting only states fit could produce: a finite center (NaN for an
    /// unobserved column), a finite divisor > 0.
    void read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n);

    std::vector<double> center_, scale_;
};

/// Options of quantile_clipper.
struct quantile_clipper_options {
    double lower = 1.0;   ///< percentile of the lower bound, in [0, 100)
    double upper = 99.0;  ///< percentile of the upper bound, in (lower, 100]
};

/// Winsorises each column: values below the fitted `lower` percentile are raised to it, values above
/// the `upper` percentile lowered to it (NumPy's linearly interpolated percentiles of the fitted
/// column, NaN ignored at fit and kept at transform). Outliers keep their side, lose their magnitude.
/// `clipped()` counts the entries the last transform moved.
class quantile_clipper : public detail::preprocessor_base<quantile_clipper, quantile_clipper_options> {
public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "quantile_clipper";

    /// A preprocessor with the given options, not yet fitted.
    using preprocessor_base::preprocessor_base;

    /// Per-column lower bound (NaN for a column without observed values).
    const std::vector<double>& lower_bound() const noexcept { return low_; }
    /// Per-column upper bound.
    const std::vector<double>& upper_bound() const noexcept { return high_; }
    /// Entries moved by the last transform.
    std::size_t clipped() const noexcept { return clipped_; }

private:
    friend class detail::preprocessor_base<quantile_clipper, quantile_clipper_options>;

    /// Each entry clamped into [lower_bound, upper_bound] of its column; NaN stays NaN.
    template <std::floating_point T>
    matrix<T> apply(const matrix<T>& X) const;

    /// Learns each column's two percentiles (NaN ignored).
    template <std::floating_point T>
    void learn(const matrix<T>& X);

    nlohmann::json options_json() const;

    nlohmann::json state_json() const;

    static options_type read_options(const detail::state_reader& r, const nlohmann::json& o);

    /// Reads the bounds, accepting only lower <= upper (both NaN for an unobserved column).
    void read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n);

    std::vector<double> low_, high_;
    mutable std::size_t clipped_ = 0;
};

namespace detail {

/// NumPy's percentile with linear interpolation of sorted values (q in [0, 100]); NaN when empty.
inline double percentile_sorted(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return nan;
    const double position = (static_cast<double>(sorted.size()) - 1.0) * q / 100.0;
    const std::size_t below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(below);
    return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

}  // namespace detail

template <std::floating_point T>
matrix<T> robust_scaler::apply(const matrix<T>& X) const {
    return detail::map_entries(X, [this](double x, std::size_t j) {
        if (opts_.with_centering) x -= center_[j];
        if (opts_.with_scaling) x /= scale_[j];
        return x;
    });
}

template <std::floating_point T>
void robust_scaler::learn(const matrix<T>& X) {
    const auto [q_low, q_high] = opts_.quantile_range;
    if (!(q_low >= 0.0 && q_low < q_high && q_high <= 100.0))
        throw argument_error(causalrec::error_message("preprocess", model_name, "quantile_range (", q_low, ", ", q_high, ") must satisfy 0 <= low < high <= 100"));
    const std::size_t cols = X.shape()[1];
    std::vector<double> center, scale;
    if (opts_.with_centering) center.resize(cols);
    if (opts_.with_scaling) scale.resize(cols);
    // A standard normal's range between the percentiles (unit_variance).
    const double normal_range = opts_.unit_variance ? causalrec::normal_quantile(q_high / 100.0) - causalrec::normal_quantile(q_low / 100.0) : 1.0;
    for (std::size_t j = 0; j < cols; ++j) {
        std::vector<double> v = detail::observed_values(X, j);
        std::sort(v.begin(), v.end());
        if (opts_.with_centering) center[j] = detail::percentile_sorted(v, 50.0);
        if (!opts_.with_scaling) continue;
        double range = detail::percentile_sorted(v, q_high) - detail::percentile_sorted(v, q_low);
        if (!std::isfinite(range) && !std::isnan(range))
            throw numeric_error(causalrec::error_message("preprocess", model_name, "column ", j, " has an inter-quantile range beyond the double range"));
        // scikit-learn's _handle_zeros_in_scale; a column without observed values also gets 1.
        if (std::isnan(range) || range < 10 * static_cast<double>(std::numeric_limits<T>::epsilon())) range = 1.0;
        scale[j] = range / normal_range;
    }
    center_ = std::move(center);
    scale_ = std::move(scale);
}

template <std::floating_point T>
matrix<T> quantile_clipper::apply(const matrix<T>& X) const {
    std::size_t moved = 0;
    auto out = detail::map_entries(X, [this, &moved](double x, std::size_t j) {
        if (x < low_[j]) x = low_[j], ++moved;  // comparisons with NaN are false: NaN stays NaN
        else if (x > high_[j]) x = high_[j], ++moved;
        return x;
    });
    clipped_ = moved;
    return out;
}

template <std::floating_point T>
void quantile_clipper::learn(const matrix<T>& X) {
    if (!(opts_.lower >= 0.0 && opts_.lower < opts_.upper && opts_.upper <= 100.0))
        throw argument_error(causalrec::error_message("preprocess", model_name, "percentiles lower ", opts_.lower, " and upper ", opts_.upper,
                                                      " must satisfy 0 <= lower < upper <= 100"));
    const std::size_t cols = X.shape()[1];
    std::vector<double> low(cols), high(cols);
    for (std::size_t j = 0; j < cols; ++j) {
        std::vector<double> v = detail::observed_values(X, j);
        std::sort(v.begin(), v.end());
        low[j] = detail::percentile_sorted(v, opts_.lower);
        high[j] = detail::percentile_sorted(v, opts_.upper);
    }
    low_ = std::move(low);
    high_ = std::move(high);
}

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(extern, standard_scaler)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(extern, min_max_scaler)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(extern, robust_scaler)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(extern, quantile_clipper)
#endif

}  // namespace causalrec::preprocess

#if CAUSALREC_HEADER_ONLY
#include "impl/scalers.hpp"
#endif
