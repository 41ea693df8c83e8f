#pragma once
/// @file
/// Cause or effect from two variables alone: the HSIC independence test (Gretton et al. 2008), and
/// three direction methods of Mooij et al.'s benchmark (JMLR 2016) — additive-noise models with HSIC
/// (Hoyer et al. 2009), IGCI (Daniušis et al. 2010, Janzing et al. 2012) and RECI (Blöbaum et al.
/// 2018).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <span>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/blas.hpp"
#include "../../core/error.hpp"
#include "../../core/linalg.hpp"
#include "../../core/message.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../detail/common.hpp"
#include "../linear.hpp"
#include "independence.hpp"

namespace causalrec::causal {

/// How hsic_test turns the statistic into a p-value.
enum class hsic_method : std::uint8_t {
    gamma,        ///< the two-parameter gamma approximation of the null distribution (Gretton et al. 2008)
    permutation,  ///< the share of `permutations` random permutations of y whose statistic is at least the observed one
};

/// Options of hsic_test.
struct hsic_options {
    hsic_method method = hsic_method::gamma;  ///< p-value method
    std::size_t permutations = 1000;          ///< permutation method: random permutations (>= 1)
    std::uint64_t seed = 0;                   ///< permutation method: seed
};

/// An HSIC test's outcome.
struct hsic_result {
    double statistic = 0.0;  ///< tr(Kc Lc) / n with centred Gaussian kernel matrices (n times the biased HSIC estimate)
    double p_value = 1.0;    ///< p-value of "x and y are independent"
};

namespace detail {

/// The Gaussian kernel width of Gretton's code: sqrt(median / 2) of the positive squared distances
/// among the first 100 values (1 when all of them are equal).
double hsic_bandwidth(std::span<const double> v);

/// The Gaussian kernel matrix K(i, j) = exp(-(v_i - v_j)^2 / (2 width^2)) of v (row-major n x n).
void gaussian_kernel(std::span<const double> v, double width, std::vector<double>& k);

/// The doubly centred Gaussian kernel matrix H K H of v (row-major n x n), and K itself.
void centred_kernel(std::span<const double> v, double width, std::vector<double>& k, std::vector<double>& kc);

}  // namespace detail

/// The Hilbert-Schmidt independence criterion test of x and y (Gretton, Fukumizu, Teo, Song, Schölkopf
/// & Smola, NIPS 2008, and their hsicTestGamma code): Gaussian kernels with the median-heuristic
/// widths, statistic tr(Kc Lc) / n, p-value from the gamma approximation (mean and variance of the
/// statistic under independence) or from random permutations of y. O(n^2) time and memory. Raises
/// argument_error for lengths that differ, fewer than 6 values (the variance formula needs them) or
/// permutations 0, and numeric_error for a non-finite value.
hsic_result hsic_test(std::span<const double> x, std::span<const double> y, const hsic_options& options = {});

/// Which way a pair points.
enum class pair_direction : std::uint8_t {
    x_causes_y,  ///< X -> Y
    y_causes_x,  ///< Y -> X
    undecided,   ///< the two scores tie
};

/// A direction method's decision and the score of each direction (what the score means depends on
/// the method: see each function).
struct direction_result {
    pair_direction direction = pair_direction::undecided;  ///< the decision
    double score_xy = 0.0;  ///< the score of X -> Y
    double score_yx = 0.0;  ///< the score of Y -> X
};

/// Options of anm_direction.
struct anm_options {
    std::size_t max_samples = 1000;  ///< larger pairs are subsampled (seeded) to this many points (>= 10); the cost is cubic in it
    std::uint64_t seed = 0;         ///< subsampling seed
};

namespace detail {

/// Residuals of a Gaussian-process regression of y on x (Gaussian kernel with the median-heuristic
/// width, unit signal variance; the noise variance chosen from a grid by the marginal likelihood).
std::vector<double> gp_residuals(std::span<const double> x, std::span<const double> y);

/// Checks a pair of samples; `fn` names the caller.
void check_pair(std::span<const double> x, std::span<const double> y, std::size_t least, const char* fn);

/// v scaled to [0, 1] by its range; raises argument_error naming `fn` when v is constant.
std::vector<double> unit_scaled(std::span<const double> v, const char* fn);

/// The decision from two scores, larger or smaller better.
pair_direction decide(double xy, double yx, bool larger_is_better);

}  // namespace detail

/// Additive-noise model with HSIC (Hoyer, Janzing, Mooij, Peters & Schölkopf, NIPS 2009; ANM-pHSIC of
/// Mooij et al. 2016): both variables standardised, each regressed on the other by Gaussian-process
/// regression, and the direction whose residuals are more independent of the input wins. score_xy is
/// the HSIC p-value (gamma approximation) of x against the residuals of y given x; larger is more
/// plausible. Raises argument_error for lengths that differ, fewer than 10 values or max_samples
/// below 10, and numeric_error for a non-finite value.
direction_result anm_direction(std::span<const double> x, std::span<const double> y, const anm_options& options = {});

/// How igci_direction normalises the variables (its reference measure).
enum class igci_reference : std::uint8_t {
    uniform,   ///< scaled to [0, 1]
    gaussian,  ///< standardised
};

/// Information-geometric causal inference (Daniušis et al., UAI 2010; Janzing et al., AIJ 2012) with
/// the slope estimator: C(X -> Y) = mean over consecutive points sorted by x of log |dy / dx| (pairs
/// with dx or dy equal to 0 skipped); X -> Y when C(X -> Y) < C(Y -> X). score_xy = C(X -> Y),
/// smaller is more plausible. Assumes a deterministic (or nearly) relation. Raises argument_error for
/// lengths that differ, fewer than 3 values or a constant variable, and numeric_error for a non-finite
/// value.
direction_result igci_direction(std::span<const double> x, std::span<const double> y, igci_reference reference = igci_reference::uniform);

/// Regression error causal inference (Blöbaum, Janzing, Washio, Shimizu & Schölkopf, AISTATS 2018):
/// both variables scaled to [0, 1], each regressed on the other with a polynomial of `degree`; X -> Y
/// when the mean squared error of y given x is the smaller. score_xy = that error, smaller is more
/// plausible. Raises argument_error for lengths that differ, fewer than degree + 2 values, a constant
/// variable or degree 0, and numeric_error for a non-finite value.
direction_result reci_direction(std::span<const double> x, std::span<const double> y, std::size_t degree = 3);

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/pairwise.hpp"
#endif
