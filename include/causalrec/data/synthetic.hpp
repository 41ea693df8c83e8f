#pragma once
/// @file
/// Built-in default data: a binary-classification table with a known logistic ground truth,
/// numeric columns on very different scales, categorical columns and injected missing values.
/// The demo and the tests use it; write_csv turns it into a file so the CSV reader is exercised too.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/math.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"

namespace causalrec::data {

/// Options of make_classification.
struct synthetic_options {
    std::size_t rows = 10000;                ///< number of samples
    std::size_t numeric_features = 8;        ///< numeric columns x0, x1, ...
    std::size_t categorical_features = 2;    ///< categorical columns cat0, cat1, ...
    std::size_t categories = 4;              ///< categories per categorical column
    double irrelevant_fraction = 0.25;       ///< share of numeric columns with a zero coefficient (the last ones)
    double signal = 1.0;                     ///< standard deviation of the true coefficients
    double intercept = -0.5;                 ///< true intercept of the logit
    double missing_fraction = 0.05;          ///< share of feature cells set missing, completely at random
    std::uint64_t seed = 42;                 ///< seed of everything above
};

/// A generated dataset together with the ground truth that produced it.
template <class T>
struct synthetic_classification {
    dataset<T> data;                                 ///< features (with NaN holes) and 0/1 labels
    std::vector<double> means;                       ///< mean of each numeric column
    std::vector<double> stddevs;                     ///< standard deviation of each numeric column
    std::vector<double> coefficients;                ///< logit coefficient of each standardized numeric column
    std::vector<std::vector<double>> category_effects;  ///< logit effect of each category of each categorical column
    double intercept = 0.0;                          ///< logit intercept
    vector<T> true_probability;                      ///< P(y = 1 | x) of every row, computed before masking
};

/// Generates the default classification data. The model is
///   x_j = mean_j + stddev_j * z_j, z_j ~ N(0, 1)   (numeric columns; stddev spans 0.5 to 50)
///   c_k ~ uniform over `categories` names            (categorical columns)
///   logit = intercept + sum_j coefficient_j * z_j + sum_k effect_k[c_k],  y ~ Bernoulli(sigmoid(logit))
/// after which a `missing_fraction` of feature cells is replaced by NaN (labels are never missing).
template <class T = float>
synthetic_classification<T> make_classification(const synthetic_options& options = {}) {
    if (options.rows == 0) throw argument_error("causalrec::data::make_classification: rows must be at least 1");
    if (options.numeric_features + options.categorical_features == 0)
        throw argument_error("causalrec::data::make_classification: at least one feature column is needed");
    if (options.categorical_features > 0 && options.categories < 2)
        throw argument_error("causalrec::data::make_classification: categorical columns need at least 2 categories");
    if (!(options.missing_fraction >= 0.0 && options.missing_fraction < 1.0))
        throw argument_error("causalrec::data::make_classification: missing_fraction must be in [0, 1)");

    static const char* const names[] = {"red", "green", "blue", "yellow", "purple", "orange", "black", "white"};
    const std::size_t n = options.rows, p = options.numeric_features, q = options.categorical_features;
    rng engine(options.seed);
    synthetic_classification<T> out;
    out.intercept = options.intercept;
    const auto relevant = static_cast<std::size_t>(std::llround((1.0 - options.irrelevant_fraction) * static_cast<double>(p)));
    for (std::size_t j = 0; j < p; ++j) {
        out.means.push_back(engine.uniform(-10.0, 10.0));
        out.stddevs.push_back(0.5 * std::pow(100.0, static_cast<double>(j) / static_cast<double>(std::max<std::size_t>(p - 1, 1))));
        out.coefficients.push_back(j < relevant ? engine.normal(0.0, options.signal) : 0.0);
    }
    std::vector<column_info> columns;
    for (std::size_t j = 0; j < p; ++j) columns.push_back({std::string("x").append(std::to_string(j)), column_kind::numeric, {}});
    for (std::size_t k = 0; k < q; ++k) {
        column_info c{std::string("cat").append(std::to_string(k)), column_kind::categorical, {}};
        std::vector<double> effects;
        for (std::size_t v = 0; v < options.categories; ++v) {
            c.categories.push_back(v < 8 ? std::string(names[v]) : std::string("level").append(std::to_string(v)));
            effects.push_back(engine.normal(0.0, 0.5 * options.signal));
        }
        out.category_effects.push_back(std::move(effects));
        columns.push_back(std::move(c));
    }
    // Category names must be sorted so that code i is the i-th name (the CSV reader's convention).
    for (std::size_t k = 0; k < q; ++k) {
        auto& c = columns[p + k];
        auto& effects = out.category_effects[k];
        std::vector<std::size_t> order(c.categories.size());
        for (std::size_t v = 0; v < order.size(); ++v) order[v] = v;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return c.categories[a] < c.categories[b]; });
        std::vector<std::string> sorted_names;
        std::vector<double> sorted_effects;
        for (std::size_t v : order) {
            sorted_names.push_back(c.categories[v]);
            sorted_effects.push_back(effects[v]);
        }
        c.categories = std::move(sorted_names);
        effects = std::move(sorted_effects);
    }

    matrix<T> X = make_matrix<T>(n, p + q);
    vector<T> y = make_vector<T>(n);
    out.true_probability = make_vector<T>(n);
    for (std::size_t i = 0; i < n; ++i) {
        double logit = options.intercept;
        for (std::size_t j = 0; j < p; ++j) {
            const double z = engine.normal();
            X(i, j) = static_cast<T>(out.means[j] + out.stddevs[j] * z);
            logit += out.coefficients[j] * z;
        }
        for (std::size_t k = 0; k < q; ++k) {
            const std::size_t v = static_cast<std::size_t>(engine.uniform_index(options.categories));
            X(i, p + k) = static_cast<T>(v);
            logit += out.category_effects[k][v];
        }
        const double prob = causalrec::sigmoid(logit);
        out.true_probability(i) = static_cast<T>(prob);
        y(i) = engine.bernoulli(prob) ? T(1) : T(0);
    }
    if (options.missing_fraction > 0.0) {
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < p + q; ++j)
                if (engine.bernoulli(options.missing_fraction)) X(i, j) = std::numeric_limits<T>::quiet_NaN();
    }
    out.data = dataset<T>(std::move(X), std::move(y));
    out.data.set_columns(std::move(columns));
    return out;
}

/// Declares (`extern`) or defines (empty) the explicit instantiation of make_classification for value
/// type T (float and double are compiled once in causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_DATA_SYNTHETIC_INSTANTIATIONS(EXTERN, T) \
    EXTERN template synthetic_classification<T> make_classification<T>(const synthetic_options&);

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_DATA_SYNTHETIC_INSTANTIATIONS(extern, float)
CAUSALREC_DATA_SYNTHETIC_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::data
