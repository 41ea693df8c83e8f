#pragma once
/// @file
/// A linear structural equation model simulator (Gaussian or uniform noise) with a known DAG, for testing graph learners.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../concepts.hpp"
#include "graph.hpp"

namespace causalrec::causal {

/// The noise distribution of simulate_linear_sem.
enum class sem_noise : std::uint8_t {
    gaussian,  ///< normal with standard deviation noise_std (the linear Gaussian model: identifiable up to its CPDAG)
    uniform,   ///< uniform on +-noise_std sqrt(3) (standard deviation noise_std; non-Gaussian: LiNGAM identifies the DAG)
};

/// Options of simulate_linear_sem.
struct linear_sem_options {
    std::size_t variables = 10;       ///< number of variables (>= 2)
    double expected_degree = 2.0;     ///< expected number of edges per variable (in + out); edge probability degree / (variables - 1)
    std::size_t samples = 1000;       ///< rows of data (>= 1)
    double min_weight = 0.5;          ///< edge weights are uniform in +-[min_weight, max_weight]
    double max_weight = 1.5;          ///< see min_weight
    double noise_std = 1.0;           ///< standard deviation of each variable's noise (> 0)
    std::uint64_t seed = 42;          ///< everything is drawn from this seed
    sem_noise noise = sem_noise::gaussian;  ///< the noise distribution
};

/// A simulated linear Gaussian structural equation model with its truth.
struct linear_sem {
    matrix<double> data;     ///< samples x variables
    matrix<double> weights;  ///< weights(i, j): coefficient of x_i in the equation of x_j (0 without an edge)
    causal_graph dag;        ///< the true DAG
    causal_graph cpdag;      ///< its CPDAG: the most any method can recover from observational data
};

/// Draws a random DAG (a random variable order, each forward pair joined with the edge probability),
/// edge weights, and `samples` rows of x_j = sum_i weights(i, j) x_i + noise_j.
linear_sem simulate_linear_sem(const linear_sem_options& o = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/simulate.hpp"
#endif
