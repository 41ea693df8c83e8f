#pragma once
/// @file
/// Definitions of the non-template functions declared in bandit/simulator.hpp (the contextual simulator): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../simulator.hpp"

namespace causalrec::bandit {

CAUSALREC_INLINE contextual_simulator::contextual_simulator(contextual_simulator_options options) : options_(options), engine_(options.seed) {
    if (options.actions == 0 || options.features == 0)
        throw argument_error("causalrec::bandit::contextual_simulator: actions and features must be >= 1");
    if (!(options.spread > 0.0 && options.spread <= 0.5))
        throw argument_error(causalrec::cat("causalrec::bandit::contextual_simulator: spread must be in (0, 0.5], got ", options.spread));
    const std::size_t d = options.features + 1;
    theta_.resize(options.actions * d);
    for (std::size_t a = 0; a < options.actions; ++a) {
        double norm = 0.0;
        for (std::size_t i = 1; i < d; ++i) norm += std::pow(theta_[a * d + i] = engine_.normal(), 2);
        if (options.model == click_model::linear) {
            for (std::size_t i = 1; i < d; ++i) theta_[a * d + i] *= options.spread / std::sqrt(norm);
            theta_[a * d] = 0.5;
        } else {
            for (std::size_t i = 0; i < d; ++i) theta_[a * d + i] = options.scale * (i == 0 ? engine_.normal() : theta_[a * d + i]);
        }
    }
}

CAUSALREC_INLINE auto contextual_simulator::next_context() -> std::vector<double> {
    std::vector<double> x(dim());
    double norm = 0.0;
    for (std::size_t i = 1; i < x.size(); ++i) norm += std::pow(x[i] = engine_.normal(), 2);
    for (std::size_t i = 1; i < x.size(); ++i) x[i] /= std::sqrt(norm);
    x[0] = 1.0;
    return x;
}

CAUSALREC_INLINE auto contextual_simulator::click_probability(std::span<const double> context, std::size_t action) const -> double {
    if (context.size() != dim() || action >= n_actions())
        throw argument_error(causalrec::cat("causalrec::bandit::contextual_simulator: a context of ", context.size(), " values and action ",
                                            action, " for ", dim(), " values and ", n_actions(), " actions"));
    double z = 0.0;
    for (std::size_t i = 0; i < dim(); ++i) z += theta_[action * dim() + i] * context[i];
    return options_.model == click_model::linear ? std::clamp(z, 0.0, 1.0) : causalrec::sigmoid(z);
}

CAUSALREC_INLINE auto contextual_simulator::best_probability(std::span<const double> context) const -> double {
    double best = 0.0;
    for (std::size_t a = 0; a < n_actions(); ++a) best = std::max(best, click_probability(context, a));
    return best;
}

}  // namespace causalrec::bandit
