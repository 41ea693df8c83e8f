#pragma once
/// @file
/// Metrics of treatment-effect estimates: sqrt(PEHE) (precision in estimating heterogeneous effects,
/// Hill 2011), the ATE error |tau - tau_hat|, and the policy risk of Shalit, Johansson & Sontag
/// (ICML 2017), on randomized data or with both potential outcomes known. Every computation runs in
/// double whatever the input element types.

#include <cmath>
#include <cstddef>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "concepts.hpp"
#include "detail/input.hpp"

namespace causalrec::metrics {

namespace detail {

/// Checks that two value arrays have the same non-zero length and finite values; returns the length.
template <class A, class B>
std::size_t check_effect_pair(const char* fn, const char* name_a, const A& a, const char* name_b, const B& b) {
    const auto sa = as_span(a, fn, name_a);
    const auto sb = as_span(b, fn, name_b);
    if (sa.size() != sb.size())
        fail<shape_error>(fn, causalrec::cat(name_a, " has ", sa.size(), " values but ", name_b, " has ", sb.size()));
    if (sa.empty()) fail<argument_error>(fn, causalrec::cat("empty input: ", name_a, " and ", name_b, " have no values"));
    for (std::size_t i = 0; i < sa.size(); ++i) {
        if (!std::isfinite(static_cast<double>(sa[i]))) fail<numeric_error>(fn, at(name_a, i), " is not finite");
        if (!std::isfinite(static_cast<double>(sb[i]))) fail<numeric_error>(fn, at(name_b, i), " is not finite");
    }
    return sa.size();
}

/// Checks that every value of a 0/1 array is 0 or 1.
template <class A>
void check_binary(const char* fn, const char* name, const A& a) {
    const auto s = as_span(a, fn, name);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const double v = static_cast<double>(s[i]);
        if (v != 0.0 && v != 1.0)
            fail<argument_error>(fn, at(name, i), " = ", format_number(v), " is not 0 or 1");
    }
}

}  // namespace detail

namespace detail {
/// Mean over rows of (true_effect - estimated_effect)^2, with `fn` naming the caller in errors.
template <class A, class B>
double mean_squared_effect_error(const char* fn, const A& true_effect, const B& estimated_effect) {
    const std::size_t n = check_effect_pair(fn, "true_effect", true_effect, "estimated_effect", estimated_effect);
    compensated_sum sum;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(true_effect.data()[i]) - static_cast<double>(estimated_effect.data()[i]);
        sum.add(d * d);
    }
    return sum.value() / static_cast<double>(n);
}
}  // namespace detail

/// PEHE: mean over rows of (true_effect - estimated_effect)^2 (Hill 2011).
template <value_array A, value_array B>
double pehe(const A& true_effect, const B& estimated_effect) {
    return detail::mean_squared_effect_error("pehe", true_effect, estimated_effect);
}

/// sqrt(PEHE): the root mean squared error of the per-row effect estimates, as CFRNet and DragonNet report it.
template <value_array A, value_array B>
double sqrt_pehe(const A& true_effect, const B& estimated_effect) {
    return std::sqrt(detail::mean_squared_effect_error("sqrt_pehe", true_effect, estimated_effect));
}

/// ATE error |true_ate - estimated_ate| of two average effects; raises numeric_error for a non-finite value.
inline double ate_error(double true_ate, double estimated_ate) {
    if (!std::isfinite(true_ate) || !std::isfinite(estimated_ate))
        detail::fail<numeric_error>("ate_error", causalrec::cat("true_ate = ", true_ate, " and estimated_ate = ",
                                                                        estimated_ate, " must be finite"));
    return std::abs(true_ate - estimated_ate);
}

/// ATE error |mean(true_effect) - mean(estimated_effect)| of per-row effects.
template <value_array A, value_array B>
double ate_error(const A& true_effect, const B& estimated_effect) {
    const std::size_t n =
        detail::check_effect_pair("ate_error", "true_effect", true_effect, "estimated_effect", estimated_effect);
    detail::compensated_sum diff;
    for (std::size_t i = 0; i < n; ++i)
        diff.add(static_cast<double>(true_effect.data()[i]) - static_cast<double>(estimated_effect.data()[i]));
    return std::abs(diff.value() / static_cast<double>(n));
}

/// Policy risk on randomized data (Shalit et al. 2017, CFRNet's policy_val): with the 0/1 policy pi,
/// 1 - (E[Y | t = 1, pi = 1] P(pi = 1) + E[Y | t = 0, pi = 0] P(pi = 0)); a group without rows adds 0.
template <value_array P, value_array Tr, value_array Y>
double policy_risk(const P& policy, const Tr& treatment, const Y& outcome) {
    const char* fn = "policy_risk";
    const std::size_t n = detail::check_effect_pair(fn, "policy", policy, "treatment", treatment);
    (void)detail::check_effect_pair(fn, "policy", policy, "outcome", outcome);
    detail::check_binary(fn, "policy", policy);
    detail::check_binary(fn, "treatment", treatment);
    detail::compensated_sum treated_sum, control_sum;
    std::size_t treated = 0, control = 0, policy_treats = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const bool pi = static_cast<double>(policy.data()[i]) == 1.0;
        const bool t = static_cast<double>(treatment.data()[i]) == 1.0;
        const double y = static_cast<double>(outcome.data()[i]);
        policy_treats += pi ? 1 : 0;
        if (pi && t) {
            treated_sum.add(y);
            ++treated;
        } else if (!pi && !t) {
            control_sum.add(y);
            ++control;
        }
    }
    const double p_treat = static_cast<double>(policy_treats) / static_cast<double>(n);
    const double treated_value = treated ? treated_sum.value() / static_cast<double>(treated) : 0.0;
    const double control_value = control ? control_sum.value() / static_cast<double>(control) : 0.0;
    return 1.0 - (p_treat * treated_value + (1.0 - p_treat) * control_value);
}

/// Policy risk with both potential outcomes known (simulations): 1 - mean over rows of (pi ? y1 : y0).
template <value_array P, value_array Y0, value_array Y1>
double policy_risk_potential_outcomes(const P& policy, const Y0& outcome0, const Y1& outcome1) {
    const char* fn = "policy_risk_potential_outcomes";
    const std::size_t n = detail::check_effect_pair(fn, "policy", policy, "outcome0", outcome0);
    (void)detail::check_effect_pair(fn, "policy", policy, "outcome1", outcome1);
    detail::check_binary(fn, "policy", policy);
    detail::compensated_sum value;
    for (std::size_t i = 0; i < n; ++i)
        value.add(static_cast<double>(policy.data()[i]) == 1.0 ? static_cast<double>(outcome1.data()[i])
                                                                : static_cast<double>(outcome0.data()[i]));
    return 1.0 - value.value() / static_cast<double>(n);
}

}  // namespace causalrec::metrics
