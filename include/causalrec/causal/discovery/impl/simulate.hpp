#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/simulate.hpp (the linear SEM simulator): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../simulate.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE linear_sem simulate_linear_sem(const linear_sem_options& o) {
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
