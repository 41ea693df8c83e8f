#pragma once
/// @file
/// PCMCI (Runge, Nowack, Kretschmer, Flaxman & Sejdinovic, "Detecting and quantifying causal
/// associations in large nonlinear time series datasets", Science Advances 2019) with the partial
/// correlation test (tigramite's ParCorr): a PC-style selection of each variable's lagged parents
/// (PC1), then the momentary conditional independence (MCI) test of every lagged link given the
/// parents of both ends.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/math.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "granger.hpp"

namespace causalrec::causal {

/// Options of pcmci.
struct pcmci_options {
    std::size_t max_lag = 3;   ///< tau_max: lags 1..max_lag are considered (>= 1)
    double pc_alpha = 0.2;     ///< significance level of the parent selection (PC1; tigramite's default 0.2), in (0, 1)
    double alpha = 0.01;       ///< significance level of lagged_parents() on the MCI p-values, in (0, 1)
    std::size_t max_conditions = std::numeric_limits<std::size_t>::max();  ///< the largest conditioning set of PC1
};

/// What pcmci finds.
struct pcmci_result {
    std::size_t variables = 0;   ///< d
    std::size_t max_lag = 0;     ///< tau_max
    std::size_t observations = 0;  ///< rows every test uses (T - 2 tau_max)
    double alpha = 0.01;         ///< the options' significance level
    /// p_values[(tau - 1) d^2 + i d + j]: the MCI p-value of x_i(t - tau) -> x_j(t).
    std::vector<double> p_values{};
    std::vector<double> partial_correlations{};  ///< the MCI partial correlations, same layout
    std::vector<std::vector<lagged_link>> pc_parents{};  ///< each variable's parents after PC1

    /// The lagged parents of x_j: every (i, tau) whose MCI p-value is below alpha, by lag then variable
    /// (coefficient = the partial correlation).
    std::vector<lagged_link> lagged_parents(std::size_t j) const {
        std::vector<lagged_link> out;
        const std::size_t d = variables;
        for (std::size_t tau = 1; tau <= max_lag; ++tau)
            for (std::size_t i = 0; i < d; ++i) {
                const std::size_t k = (tau - 1) * d * d + i * d + j;
                if (p_values[k] < alpha) out.push_back({i, tau, partial_correlations[k], p_values[k]});
            }
        return out;
    }
};

namespace detail {

/// The partial correlation of x_a(t - lag_a) and x_b(t) given the lagged variables z (rows t = start ..
/// T - 1), and its two-sided t-test p-value with n - 2 - |z| degrees of freedom (tigramite's ParCorr).
std::pair<double, double> lagged_partial_correlation(const matrix<double>& x, std::size_t a, std::size_t lag_a, std::size_t b,
                                                            const std::vector<lagged_link>& z, std::size_t start, const char* fn);

}  // namespace detail

/// PCMCI with partial correlations on a multivariate time series X (rows = equally spaced times).
/// PC1: for each x_j, start from every (x_i, tau), tau = 1..max_lag; at conditioning size p = 0, 1, ...
/// test each candidate against x_j(t) given the p strongest other candidates, keep the smallest
/// |partial correlation| seen as its strength, drop those with p-value > pc_alpha, re-sort by strength.
/// MCI: test every x_i(t - tau) -> x_j(t) given the PC1 parents of x_j and the parents of x_i shifted by
/// tau. Every test uses the rows t >= 2 max_lag. Linear (Gaussian) dependence only. Raises
/// argument_error for fewer than 2 series, max_lag 0, a significance level outside (0, 1) or too few
/// rows, and numeric_error for a non-finite value or a singular design (a constant series).
pcmci_result pcmci(const matrix<double>& x, const pcmci_options& options = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/pcmci.hpp"
#endif
