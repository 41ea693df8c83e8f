#pragma once
/// @file
/// Partial dependence and individual conditional expectation (Friedman 2001; Goldstein et al. 2015;
/// scikit-learn's partial_dependence with method "brute"): the model's prediction as one feature is
/// set to each value of a grid in every row (an ICE curve per row), and their mean (the partial
/// dependence). Curves describe the model; where features are correlated the grid visits rows that
/// do not occur in the data, and the curve then reports the model outside its data.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../io/svg.hpp"
#include "shapley.hpp"

namespace causalrec::explain {

/// Options of partial_dependence.
struct partial_dependence_options {
    std::size_t grid_resolution = 100;  ///< grid points between the percentiles (fewer distinct values: those values)
    double lower_percentile = 0.05;     ///< the grid's lower end, as a quantile of the feature
    double upper_percentile = 0.95;     ///< the grid's upper end
    std::vector<double> grid{};         ///< an explicit grid (sorted or not); replaces the three above
    std::size_t ice_rows = 0;           ///< rows whose ICE curves are kept (0 = every row; a seeded sample otherwise)
    std::uint64_t seed = 0;             ///< seed of that sample
};

/// The curves of one feature.
struct partial_dependence_result {
    std::size_t feature = 0;                         ///< the column
    std::vector<double> grid{};                      ///< the values the feature was set to
    std::vector<double> average{};                   ///< partial dependence: the mean prediction at each grid value
    std::vector<std::vector<double>> individual{};   ///< ICE: per kept row, the prediction at each grid value
    std::vector<std::size_t> rows{};                 ///< the rows behind `individual`
};

namespace detail {

/// scipy.stats.mstats.mquantiles(values, p) with its defaults alphap = betap = 0.4 (what scikit-learn's
/// grid uses), on sorted values.
double mquantile(const std::vector<double>& sorted, double p);

}  // namespace detail

/// The partial dependence of `model`'s prediction on column `feature` of X, with ICE curves. The
/// grid is scikit-learn's: the distinct values when there are fewer than grid_resolution, else
/// grid_resolution evenly spaced values between the lower and upper percentiles (mquantiles).
/// Raises argument_error for a column out of range, percentiles not 0 <= lower < upper <= 1, or no rows.
template <std::floating_point T, RowPredictor<T> M>
partial_dependence_result partial_dependence(const M& model, const matrix<T>& X, std::size_t feature,
                                             const partial_dependence_options& options = {}) {
    const std::size_t n = X.shape()[0], p = X.shape()[1];
    if (n == 0) throw argument_error(causalrec::error_message("explain", "partial_dependence", "X has no rows"));
    if (feature >= p)
        throw argument_error(causalrec::error_message("explain", "partial_dependence", "feature ", feature, " is not below ", p, " columns"));
    partial_dependence_result out;
    out.feature = feature;
    if (!options.grid.empty()) {
        out.grid = options.grid;
    } else {
        if (!(options.lower_percentile >= 0.0 && options.lower_percentile < options.upper_percentile && options.upper_percentile <= 1.0))
            throw argument_error(causalrec::error_message("explain", "partial_dependence", "percentiles must satisfy 0 <= lower < upper <= 1, got ",
                                                          options.lower_percentile, " and ", options.upper_percentile));
        if (options.grid_resolution < 2)
            throw argument_error(causalrec::error_message("explain", "partial_dependence", "grid_resolution must be at least 2"));
        std::vector<double> values(n);
        for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<double>(X(i, feature));
        std::sort(values.begin(), values.end());
        std::vector<double> distinct = values;
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        if (distinct.size() < options.grid_resolution) {
            out.grid = distinct;
        } else {
            const double low = detail::mquantile(values, options.lower_percentile);
            const double high = detail::mquantile(values, options.upper_percentile);
            if (!(low < high))
                throw argument_error(causalrec::error_message("explain", "partial_dependence", "the percentiles of feature ", feature,
                                                              " are equal; widen them"));
            out.grid.resize(options.grid_resolution);
            const double step = (high - low) / static_cast<double>(options.grid_resolution - 1);
            for (std::size_t g = 0; g < options.grid_resolution; ++g) out.grid[g] = low + step * static_cast<double>(g);
            out.grid.back() = high;
        }
    }
    // Rows whose curves are kept.
    if (options.ice_rows == 0 || options.ice_rows >= n) {
        out.rows.resize(n);
        for (std::size_t i = 0; i < n; ++i) out.rows[i] = i;
    } else {
        rng engine(options.seed);
        std::vector<std::size_t> order = engine.permutation(n);
        out.rows.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(options.ice_rows));
        std::sort(out.rows.begin(), out.rows.end());
    }
    out.average.assign(out.grid.size(), 0.0);
    out.individual.assign(out.rows.size(), std::vector<double>(out.grid.size(), 0.0));
    matrix<T> rows = X;
    for (std::size_t g = 0; g < out.grid.size(); ++g) {
        for (std::size_t i = 0; i < n; ++i) rows(i, feature) = static_cast<T>(out.grid[g]);
        const std::vector<double> predicted = detail::predict_rows<T>(model, rows);
        double sum = 0.0;
        for (double v : predicted) sum += v;
        out.average[g] = sum / static_cast<double>(n);
        for (std::size_t r = 0; r < out.rows.size(); ++r) out.individual[r][g] = predicted[out.rows[r]];
    }
    return out;
}

/// An SVG chart of the curves: thin grey ICE lines (at most `max_ice_lines`, evenly picked) and the
/// partial dependence on top.
std::string partial_dependence_svg(const partial_dependence_result& curves, const std::string& feature_name,
                                          std::size_t max_ice_lines = 50);

}  // namespace causalrec::explain

#if CAUSALREC_HEADER_ONLY
#include "impl/partial_dependence.hpp"
#endif
