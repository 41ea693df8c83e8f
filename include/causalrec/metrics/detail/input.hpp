#pragma once
/// @file
/// Implementation helpers of the metrics module (not API): the adapter from any value_array to
/// std::span<const T>, input validation with error messages that name the index at fault, and a
/// compensated sum.

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <span>
#include <string>
#include <type_traits>

#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../concepts.hpp"

namespace causalrec::metrics::detail {

using causalrec::cat;
using causalrec::format_number;

/// Throws E with the message "causalrec::metrics::<fn>: <parts...>".
template <class E, class... Parts>
[[noreturn]] void fail(const char* fn, const Parts&... parts) {
    throw E(error_message("metrics", fn, parts...));
}

/// "name[i]" for error messages.
inline std::string at(const char* name, std::size_t i) {
    return cat(name, "[", i, "]");
}

/// Views a value_array as a span over its elements. xtensor arguments must be one-dimensional or an
/// (n, 1) column and contiguous; a view's data offset is honoured. Anything else is a shape_error.
template <value_array C>
std::span<const element_t<C>> as_span(const C& c, const char* fn, const char* name) {
    const element_t<C>* first = c.data();
    const std::size_t n = static_cast<std::size_t>(c.size());
    if constexpr (requires {
                      c.dimension();
                      c.shape();
                  }) {
        const std::size_t rank = static_cast<std::size_t>(c.dimension());
        const bool column = rank == 2 && static_cast<std::size_t>(c.shape()[1]) == 1;
        if (rank != 1 && !column) {
            std::string shape;
            for (std::size_t d = 0; d < rank; ++d) shape = cat(shape, d > 0 ? ", " : "", c.shape()[d]);
            fail<shape_error>(fn, name, " has shape (", shape, "); expected a vector or an (n, 1) column");
        }
    }
    if constexpr (requires { c.data_offset(); }) first += c.data_offset();
    if constexpr (requires {
                      c.strides();
                      c.shape();
                  }) {
        if (static_cast<std::size_t>(c.shape()[0]) > 1 && c.strides()[0] != 1) {
            fail<shape_error>(fn, name, " is not contiguous (stride ", static_cast<long long>(c.strides()[0]),
                              "); copy it into a causalrec::vector first");
        }
    }
    return {first, n};
}

/// Neumaier's compensated sum: the error stays near one rounding whatever the number of terms.
class compensated_sum {
public:
    /// Adds one term.
    void add(double x) noexcept {
        const double t = sum_ + x;
        if (std::isfinite(t)) correction_ += std::abs(sum_) >= std::abs(x) ? (sum_ - t) + x : (x - t) + sum_;
        sum_ = t;
    }
    /// The sum of the terms added so far (an infinite sum stays infinite).
    double value() const noexcept { return std::isfinite(sum_) ? sum_ + correction_ : sum_; }

private:
    double sum_ = 0.0;
    double correction_ = 0.0;
};

/// Labels, scores and optional weights of one metric call, checked for length and weights.
/// Elements are read as double whatever their type.
template <class YT, class YS, class W = double>
struct checked_inputs {
    const char* fn;               ///< public function name, for error messages
    const char* score_name;       ///< "y_score" or "y_pred", for error messages
    std::span<const YT> y_true;   ///< labels or targets
    std::span<const YS> y_score;  ///< scores or predictions
    std::span<const W> weights;   ///< sample weights; empty when unweighted

    /// Number of samples.
    std::size_t size() const noexcept { return y_true.size(); }
    /// Label or target i as double.
    double truth(std::size_t i) const noexcept { return static_cast<double>(y_true[i]); }
    /// Score or prediction i as double.
    double score(std::size_t i) const noexcept { return static_cast<double>(y_score[i]); }
    /// Weight of sample i (1 when unweighted).
    double weight(std::size_t i) const noexcept { return weights.empty() ? 1.0 : static_cast<double>(weights[i]); }
    /// True when sample weights were given.
    bool weighted() const noexcept { return !weights.empty(); }

    /// Throws numeric_error unless every label is finite and argument_error unless it is 0 or 1.
    void require_binary_labels() const {
        for (std::size_t i = 0; i < size(); ++i) {
            const double v = truth(i);
            if (!std::isfinite(v)) fail<numeric_error>(fn, at("y_true", i), " is ", format_number(v));
            if (v != 0.0 && v != 1.0) {
                fail<argument_error>(fn, at("y_true", i) , " = ", format_number(v), " is not a binary label (expected 0 or 1)");
            }
        }
    }
    /// Throws numeric_error unless every target is finite.
    void require_finite_truth() const {
        for (std::size_t i = 0; i < size(); ++i) {
            if (!std::isfinite(truth(i)))
                fail<numeric_error>(fn, at("y_true", i), " is ", format_number(truth(i)));
        }
    }
    /// Throws numeric_error unless every score is finite.
    void require_finite_scores() const {
        for (std::size_t i = 0; i < size(); ++i) {
            if (!std::isfinite(score(i)))
                fail<numeric_error>(fn, at(score_name, i), " is ", format_number(score(i)));
        }
    }
    /// Throws numeric_error for a non-finite score and argument_error for one outside [0, 1].
    void require_probabilities() const {
        require_finite_scores();
        for (std::size_t i = 0; i < size(); ++i) {
            if (score(i) < 0.0 || score(i) > 1.0) {
                fail<argument_error>(fn, at(score_name, i) , " = ", format_number(score(i)), " is not a probability in [0, 1]");
            }
        }
    }
    /// Weighted sum of f(i) over the samples divided by the total weight.
    template <class F>
    double weighted_mean(F&& f) const {
        compensated_sum num, den;
        for (std::size_t i = 0; i < size(); ++i) {
            num.add(weight(i) * f(i));
            den.add(weight(i));
        }
        return num.value() / den.value();
    }
};

/// Weighted mean of (y - score)^2, the common core of MSE and the Brier score (inputs already checked).
template <class YT, class YS, class W>
double mean_squared_difference(const checked_inputs<YT, YS, W>& in) {
    return in.weighted_mean([&](std::size_t i) {
        const double d = in.truth(i) - in.score(i);
        return d * d;
    });
}

/// Checks equal, non-zero lengths of labels and scores (shape_error, argument_error).
template <class YT, class YS, class W>
void check_lengths(const checked_inputs<YT, YS, W>& in) {
    if (in.y_true.size() != in.y_score.size()) {
        fail<shape_error>(in.fn, "y_true has ", in.y_true.size(), " values but ", in.score_name, " has ", in.y_score.size());
    }
    if (in.y_true.empty()) {
        fail<argument_error>(in.fn, "empty input: y_true and ", in.score_name, " have no values");
    }
}

/// Checks the weights' length, that each is finite and non-negative, and that they do not sum to zero.
template <class YT, class YS, class W>
void check_weights(const checked_inputs<YT, YS, W>& in) {
    if (in.weights.size() != in.size()) {
        fail<shape_error>(in.fn, "sample_weight has ", in.weights.size(), " values but y_true has ", in.size());
    }
    compensated_sum total;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const double w = in.weight(i);
        if (!std::isfinite(w))
            fail<numeric_error>(in.fn, at("sample_weight", i), " is ", format_number(w));
        if (w < 0.0)
            fail<argument_error>(in.fn, at("sample_weight", i), " = ", format_number(w), " is negative");
        total.add(w);
    }
    if (!(total.value() > 0.0)) fail<argument_error>(in.fn, "sample_weight sums to zero");
}

/// Adapts and checks unweighted inputs.
template <value_array Y, value_array S>
checked_inputs<element_t<Y>, element_t<S>> check_inputs(const char* fn, const char* score_name, const Y& y_true,
                                                        const S& y_score) {
    checked_inputs<element_t<Y>, element_t<S>> in{
        fn, score_name, as_span(y_true, fn, "y_true"), as_span(y_score, fn, score_name), {}};
    check_lengths(in);
    return in;
}

/// Adapts and checks weighted inputs.
template <value_array Y, value_array S, value_array W>
checked_inputs<element_t<Y>, element_t<S>, element_t<W>> check_inputs(const char* fn, const char* score_name,
                                                                      const Y& y_true, const S& y_score,
                                                                      const W& sample_weight) {
    checked_inputs<element_t<Y>, element_t<S>, element_t<W>> in{fn, score_name, as_span(y_true, fn, "y_true"),
                                                                as_span(y_score, fn, score_name),
                                                                as_span(sample_weight, fn, "sample_weight")};
    check_lengths(in);
    check_weights(in);
    return in;
}

/// The options of a metric that takes none.
struct no_options {};

/// A metric as one function object with both call forms, (y_true, y_score[, options]) and
/// (y_true, y_score, sample_weight[, options]): it checks the inputs and hands them to `compute`,
/// called as compute(in) or, when the metric has options, compute(in, options). Being an object, a
/// metric can also be passed to code that takes any callable.
template <class Compute, class Options = no_options>
struct metric_function {
    const char* name;        ///< the metric's public name, in messages
    const char* score_name;  ///< the second argument's name in messages ("y_score" or "y_pred")
    Compute compute;         ///< the computation on checked inputs

    /// The metric of y_true against y_score, every sample weighing 1.
    template <value_array Y, value_array S>
    auto operator()(const Y& y_true, const S& y_score, const Options& options = {}) const {
        return run(check_inputs(name, score_name, y_true, y_score), options);
    }
    /// The metric with each sample weighted by sample_weight (finite, >= 0, not all zero).
    template <value_array Y, value_array S, value_array W>
    auto operator()(const Y& y_true, const S& y_score, const W& sample_weight, const Options& options = {}) const {
        return run(check_inputs(name, score_name, y_true, y_score, sample_weight), options);
    }
    /// compute on checked inputs, with the options when the metric has some.
    template <class In>
    auto run(const In& in, const Options& options) const {
        if constexpr (std::is_same_v<Options, no_options>) {
            (void)options;
            return compute(in);
        } else {
            return compute(in, options);
        }
    }
};

/// A metric_function named `name` whose second argument is called `score_name` in messages.
template <class Options = no_options, class Compute>
constexpr metric_function<Compute, Options> make_metric(const char* name, const char* score_name, Compute compute) {
    return {name, score_name, compute};
}

}  // namespace causalrec::metrics::detail
