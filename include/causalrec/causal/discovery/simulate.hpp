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
inline linear_sem simulate_linear_sem(const linear_sem_options& o = {}) {
    using causalrec::cat;
    if (o.variables < 2) throw argument_error(cat("causalrec::causal::simulate_linear_sem: needs at least 2 variables, got ", o.variables));
    if (o.samples < 1) throw argument_error("causalrec::causal::simulate_linear_sem: needs at least 1 sample");
    if (!(o.expected_degree >= 0.0)) throw argument_error(cat("causalrec::causal::simulate_linear_sem: expected_degree must be >= 0, got ", o.expected_degree));
    if (!(o.min_weight > 0.0 && o.max_weight >= o.min_weight && std::isfinite(o.max_weight)))
        throw argument_error(cat("causalrec::causal::simulate_linear_sem: need 0 < min_weight <= max_weight, got ", o.min_weight, " and ", o.max_weight));
    if (!(o.noise_std > 0.0)) throw argument_error(cat("causalrec::causal::simulate_linear_sem: noise_std must be > 0, got ", o.noise_std));
    const std::size_t d = o.variables;
    const double p = std::min(1.0, o.expected_degree / static_cast<double>(d - 1));
    rng engine(o.seed);
    const auto order = engine.permutation(d);
    linear_sem out{matrix<double>::from_shape({o.samples, d}), matrix<double>::from_shape({d, d}), causal_graph(d), causal_graph(d)};
    out.weights.fill(0.0);
    for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = a + 1; b < d; ++b)
            if (engine.bernoulli(p)) {
                const double w = engine.uniform(o.min_weight, o.max_weight) * (engine.bernoulli(0.5) ? 1.0 : -1.0);
                out.weights(order[a], order[b]) = w;
                out.dag.add_directed(order[a], order[b]);
            }
    for (std::size_t r = 0; r < o.samples; ++r)
        for (std::size_t a = 0; a < d; ++a) {
            const std::size_t j = order[a];
            double v = o.noise == sem_noise::gaussian ? engine.normal(0.0, o.noise_std)
                                                       : engine.uniform(-o.noise_std * std::sqrt(3.0), o.noise_std * std::sqrt(3.0));
            for (std::size_t b = 0; b < a; ++b) v += out.weights(order[b], j) * out.data(r, order[b]);
            out.data(r, j) = v;
        }
    out.cpdag = cpdag_of(out.dag);
    return out;
}

}  // namespace causalrec::causal
