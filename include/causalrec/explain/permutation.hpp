#pragma once
/// @file
/// Permutation importance (Breiman 2001; scikit-learn's permutation_importance): how much a metric
/// worsens when one feature's column is shuffled, breaking its link to the target while keeping its
/// distribution. It measures what the model relies on for the data given, not what causes the target:
/// with correlated features each can look unimportant while the other stands in for it.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../metrics/concepts.hpp"
#include "shapley.hpp"

namespace causalrec::explain {

/// Options of permutation_importance.
struct permutation_importance_options {
    std::size_t repeats = 5;  ///< shuffles per feature
    std::uint64_t seed = 0;   ///< seed of the shuffles
};

/// Importances of every feature.
struct permutation_importances {
    std::string metric{};                           ///< the metric's name
    double baseline = 0.0;                          ///< the metric on the data as given
    std::vector<double> mean{};                     ///< per feature: mean worsening over the repeats
    std::vector<double> stddev{};                   ///< per feature: its standard deviation (ddof 0, as scikit-learn)
    std::vector<std::vector<double>> repeats{};     ///< per feature, per repeat: the worsening
};

/// The importance of each column of X to `model`'s predictions under `metric` (any metrics::Metric:
/// accuracy, roc_auc, mse, ...): for each feature and repeat, the column is shuffled (seeded), the
/// rows predicted again, and the importance is baseline - shuffled for a metric where greater is better
/// and shuffled - baseline otherwise, so positive means the model needed the feature. y holds one
/// target per row. Raises shape_error on mismatched sizes and argument_error for zero repeats or rows.
template <std::floating_point T, RowPredictor<T> M, class Metric>
    requires metrics::Metric<Metric, double>
permutation_importances permutation_importance(const M& model, const matrix<T>& X, std::span<const T> y, const Metric& metric,
                                               const permutation_importance_options& options = {}) {
    const std::size_t n = X.shape()[0], p = X.shape()[1];
    if (y.size() != n)
        throw shape_error(causalrec::error_message("explain", "permutation_importance", "X has ", n, " rows but y has ", y.size(), " values"));
    if (n < 2) throw argument_error(causalrec::error_message("explain", "permutation_importance", "needs at least 2 rows, got ", n));
    if (options.repeats == 0) throw argument_error(causalrec::error_message("explain", "permutation_importance", "repeats must be at least 1"));
    const std::vector<double> truth(y.begin(), y.end());
    const auto score = [&](const matrix<T>& rows) {
        const std::vector<double> predicted = detail::predict_rows<T>(model, rows);
        return static_cast<double>(metric(std::span<const double>(truth), std::span<const double>(predicted)));
    };
    permutation_importances out;
    out.metric = std::string(metric.name());
    out.baseline = score(X);
    out.mean.assign(p, 0.0);
    out.stddev.assign(p, 0.0);
    out.repeats.assign(p, std::vector<double>(options.repeats, 0.0));
    const bool greater_is_better = static_cast<bool>(metric.greater_is_better());
    matrix<T> shuffled = X;
    rng engine(options.seed);
    std::vector<std::size_t> order(n);
    for (std::size_t j = 0; j < p; ++j) {
        for (std::size_t r = 0; r < options.repeats; ++r) {
            order = engine.permutation(n);
            for (std::size_t i = 0; i < n; ++i) shuffled(i, j) = X(order[i], j);
            const double s = score(shuffled);
            out.repeats[j][r] = greater_is_better ? out.baseline - s : s - out.baseline;
        }
        for (std::size_t i = 0; i < n; ++i) shuffled(i, j) = X(i, j);
        double sum = 0.0;
        for (double v : out.repeats[j]) sum += v;
        out.mean[j] = sum / static_cast<double>(options.repeats);
        double squares = 0.0;
        for (double v : out.repeats[j]) squares += (v - out.mean[j]) * (v - out.mean[j]);
        out.stddev[j] = std::sqrt(squares / static_cast<double>(options.repeats));
    }
    return out;
}

}  // namespace causalrec::explain
