#pragma once
/// @file
/// Covariate propensity models P(treated | x): a wrapper that fits any Classifier to the treatment and
/// clips its scores to [eps, 1 - eps], ready-made logistic (IRLS) and small-MLP propensity models,
/// a reliability (calibration) table with the expected calibration error, inverse-probability
/// weights and their effective sample size.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "../loss/cross_entropy.hpp"
#include "../nn/activations.hpp"
#include "../nn/dense.hpp"
#include "../nn/sequential.hpp"
#include "../optim/adam.hpp"
#include "concepts.hpp"
#include "detail/common.hpp"
#include "estimator.hpp"
#include "linear.hpp"

namespace causalrec::causal {

/// Clips propensities to [eps, 1 - eps] (eps in [0, 0.5)); eps = 0 leaves them unchanged.
vector<double> clip_propensity(vector<double> p, double eps);

/// Options of propensity_model.
struct propensity_options {
    double clip_eps{0.0};  ///< clip the scores to [clip_eps, 1 - clip_eps]; 0 = no clipping
};

/// A propensity model: any Classifier fitted to the 0/1 treatment; predict(X) gives P(t = 1 | x)
/// clipped to [clip_eps, 1 - clip_eps]. Itself a Classifier (fit(X, t), predict_proba(X)).
template <class C>
    requires Classifier<C, double>
class propensity_model {
public:
    /// A propensity model around an unfitted classifier.
    explicit propensity_model(C classifier = C{}, propensity_options options = {})
        : classifier_(std::move(classifier)), options_(options) {
        if (!(options.clip_eps >= 0.0 && options.clip_eps < 0.5))
            throw argument_error(detail::cat("causalrec::causal::propensity_model: clip_eps must be in [0, 0.5), got ", options.clip_eps));
    }

    /// Fits the classifier to the treatment (0/1, both arms present).
    void fit(const matrix<double>& x, const vector<double>& t) {
        detail::check_length("propensity_model::fit", "treatment", t.size(), x.shape()[0]);
        detail::check_treatment("propensity_model::fit", t);
        classifier_.fit(x, t);
    }

    /// The clipped propensities P(t = 1 | x) of every row.
    vector<double> predict(const matrix<double>& x) const {
        vector<double> p = classifier_.predict_proba(x);
        detail::require_finite("propensity_model::predict_proba", "a propensity", p);
        return options_.clip_eps > 0.0 ? clip_propensity(std::move(p), options_.clip_eps) : p;
    }
    /// Same as predict (so that a propensity_model is itself a Classifier).
    vector<double> predict_proba(const matrix<double>& x) const { return predict(x); }

    /// The underlying classifier.
    const C& classifier() const noexcept { return classifier_; }

private:
    C classifier_;
    propensity_options options_;
};

/// A logistic-regression propensity model fitted by IRLS (see logistic_regression).
propensity_model<logistic_regression> logistic_propensity(logistic_regression_options model = {},
                                                                 propensity_options options = {});

/// Options of mlp_propensity.
struct mlp_propensity_options {
    std::size_t hidden{16};         ///< width of the hidden layer
    std::size_t epochs{30};         ///< training epochs
    std::size_t batch_size{64};     ///< rows per step
    double learning_rate{1e-2};     ///< Adam learning rate
    double weight_decay{0.0};       ///< L2 weight decay
    std::uint64_t seed{0};          ///< seed of the initial weights and of the shuffling
    double clip_eps{0.0};           ///< clip the scores to [clip_eps, 1 - clip_eps]
};

/// A small MLP propensity model (features -> hidden relu -> 1 sigmoid, double precision) trained with
/// Adam on binary cross-entropy through train::fit. Standardise the features first.
inline auto mlp_propensity(std::size_t features, mlp_propensity_options options = {}) {
    auto model = nn::sequential(nn::dense<double>(features, options.hidden, {.seed = options.seed}), nn::relu<double>{},
                                nn::dense<double>(options.hidden, 1, {.seed = options.seed + 1}), nn::sigmoid<double>{});
    nn_estimator_options<double> fit_opts;
    fit_opts.fit.epochs = options.epochs;
    fit_opts.fit.batch_size = options.batch_size;
    fit_opts.fit.seed = options.seed;
    auto est = nn_estimator(std::move(model), loss::binary_cross_entropy{},
                            optim::adam<double>({.learning_rate = options.learning_rate, .weight_decay = options.weight_decay}), fit_opts);
    return propensity_model<decltype(est)>(std::move(est), {.clip_eps = options.clip_eps});
}

/// One bin of a reliability table.
struct calibration_bin {
    double lower{0.0};           ///< lower edge of the bin
    double upper{0.0};           ///< upper edge of the bin
    std::size_t count{0};        ///< rows whose propensity falls in the bin
    double mean_predicted{0.0};  ///< mean propensity of those rows (NaN when empty)
    double observed_rate{0.0};   ///< share of them that were treated (NaN when empty)
};

/// A reliability table: equal-width bins of the predicted propensity, and the expected calibration
/// error ECE = sum_b (count_b / n) |observed_b - mean_predicted_b|.
struct calibration_table {
    std::vector<calibration_bin> bins{};  ///< the bins, lowest first
    double expected_calibration_error{0.0};  ///< ECE (0 = perfectly calibrated on these bins)
    double max_calibration_error{0.0};       ///< the largest |observed - predicted| of a non-empty bin
    std::size_t rows{0};                     ///< rows counted

    /// The table as aligned text (one line per bin, then the ECE).
    std::string to_string() const {
        std::ostringstream out;
        out << std::fixed << std::setprecision(3);
        out << "   bin          count  mean_pred  observed\n";
        for (const auto& b : bins) {
            out << "  [" << b.lower << ", " << b.upper << ")  " << std::setw(7) << b.count << "  ";
            if (b.count == 0)
                out << "        -         -\n";
            else
                out << std::setw(9) << b.mean_predicted << std::setw(10) << b.observed_rate << "\n";
        }
        out << "  ECE " << std::setprecision(4) << expected_calibration_error << ", max error " << max_calibration_error
            << ", rows " << rows << "\n";
        return out.str();
    }
};

/// Prints a calibration_table.
inline std::ostream& operator<<(std::ostream& out, const calibration_table& table) { return out << table.to_string(); }

/// The reliability table of propensities p against the observed 0/1 treatment t, with `bins`
/// equal-width bins on [0, 1] (p = 1 falls in the last bin).
calibration_table calibration(const vector<double>& p, const vector<double>& t, std::size_t bins = 10);

/// Which population inverse-probability weights target.
enum class estimand {
    ate,  ///< average treatment effect over everyone: weights t/e + (1-t)/(1-e)
    att,  ///< average effect on the treated: weights t + (1-t) e/(1-e)
};

/// Inverse-probability weights of every row for the given estimand. Raises numeric_error when a
/// propensity makes a weight infinite (e = 0 for a treated row, e = 1 for a control); clip first.
vector<double> ipw_weights(const vector<double>& t, const vector<double>& e, estimand target = estimand::ate);

/// Kish's effective sample size (sum w)^2 / sum w^2 of weights (n for equal weights; small when a few
/// rows carry most of the weight).
double effective_sample_size(const vector<double>& w);

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/propensity.hpp"
#endif
