#pragma once
/// @file
/// Options of the neural treatment-effect estimators (TARNet, CFR, DragonNet) and their checked
/// internal configuration.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"
#include "../../core/math.hpp"
#include "../../core/error.hpp"
#include "../../core/parameter.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../../nn/dense.hpp"
#include "../../core/shape_cache.hpp"
#include "../../optim/adam.hpp"
#include "../../train/callbacks.hpp"
#include "../../train/fit.hpp"
#include "../../train/history.hpp"
#include "../concepts.hpp"
#include "../detail/common.hpp"

namespace causalrec::causal {

/// Hidden-layer activation of the neural effect models.
enum class hidden_activation {
    elu,   ///< exp(x) - 1 for x < 0, x otherwise (CFRNet's and DragonNet's choice)
    relu,  ///< max(x, 0)
};

/// Integral probability metric of CFR's balance penalty.
enum class ipm_metric {
    linear_mmd,   ///< ||mean Phi_treated - mean Phi_control||^2
    wasserstein,  ///< entropic (Sinkhorn) approximation of the Wasserstein-1 distance, as CFRNet
};

/// Options of tarnet (defaults after CFRNet's IHDP settings: 3 x 200 elu representation, 2 x 100 heads).
struct tarnet_options {
    std::vector<std::size_t> representation_layers{200, 200, 200};  ///< sizes of the shared layers Phi
    std::vector<std::size_t> head_layers{100, 100};                  ///< hidden sizes of each outcome head (a linear output follows)
    hidden_activation activation{hidden_activation::elu};            ///< activation after every hidden layer
    std::size_t epochs{300};                                         ///< maximum passes over the training rows
    std::size_t batch_size{100};                                     ///< rows per Adam step
    double learning_rate{1e-3};                                      ///< Adam's learning rate
    double l2{3e-2};                                       ///< L2 gradient l2 * w on every dense weight (not biases); chosen on IHDP validation rows
    double validation_split{0.3};                                 ///< share of the rows held out (per treatment arm) for early stopping; 0 = none
    std::size_t patience{30};                                        ///< epochs without a better factual validation loss before stopping
    bool standardize_outcome{true};                                  ///< fit on (y - mean) / sd, unscale predictions
    int verbose{0};                                                  ///< train::fit's verbosity (0 silent)
    std::uint64_t seed{0};                                           ///< seed of the weights, the validation split and the batch order
};

/// Options of cfr: those of tarnet plus the balance penalty alpha * IPM(Phi_treated, Phi_control).
struct cfr_options {
    std::vector<std::size_t> representation_layers{200, 200, 200};  ///< sizes of the shared layers Phi
    std::vector<std::size_t> head_layers{100, 100};                  ///< hidden sizes of each outcome head (a linear output follows)
    hidden_activation activation{hidden_activation::elu};            ///< activation after every hidden layer
    std::size_t epochs{300};                                         ///< maximum passes over the training rows
    std::size_t batch_size{100};                                     ///< rows per Adam step
    double learning_rate{1e-3};                                      ///< Adam's learning rate
    double l2{3e-2};                                       ///< L2 gradient l2 * w on every dense weight (not biases); chosen on IHDP validation rows
    double validation_split{0.3};                                 ///< share of the rows held out (per treatment arm) for early stopping; 0 = none
    std::size_t patience{30};                                        ///< epochs without a better factual validation loss before stopping
    bool standardize_outcome{true};                                  ///< fit on (y - mean) / sd, unscale predictions
    int verbose{0};                                                  ///< train::fit's verbosity (0 silent)
    std::uint64_t seed{0};                                           ///< seed of the weights, the validation split and the batch order
    double alpha{1.0};                                               ///< weight of the IPM penalty (0 = TARNet)
    ipm_metric ipm{ipm_metric::linear_mmd};                          ///< the distance between the arms' representations
    bool normalize_representation{false};                            ///< divide each Phi row by its L2 norm (CFRNet's "divide")
    double sinkhorn_lambda{10.0};                                    ///< entropic strength: K = exp(-lambda * M / mean(M))
    std::size_t sinkhorn_iterations{10};                             ///< Sinkhorn iterations per batch
};

/// Options of dragonnet (defaults after Shi et al.: 3 x 200 elu shared layers, 2 x 100 outcome heads).
struct dragonnet_options {
    std::vector<std::size_t> representation_layers{200, 200, 200};  ///< sizes of the shared layers Z
    std::vector<std::size_t> head_layers{100, 100};                  ///< hidden sizes of each outcome head (a linear output follows)
    hidden_activation activation{hidden_activation::elu};            ///< activation after every hidden layer
    std::size_t epochs{300};                                         ///< maximum passes over the training rows
    std::size_t batch_size{64};                                      ///< rows per Adam step
    double learning_rate{1e-3};                                      ///< Adam's learning rate
    double l2{3e-2};                                       ///< L2 gradient l2 * w on every dense weight (not biases); chosen on IHDP validation rows
    double validation_split{0.2};                                 ///< share of the rows held out (per treatment arm) for early stopping; 0 = none
    std::size_t patience{30};                                        ///< epochs without a better factual validation loss before stopping
    bool standardize_outcome{true};                                  ///< fit on (y - mean) / sd, unscale predictions
    int verbose{0};                                                  ///< train::fit's verbosity (0 silent)
    std::uint64_t seed{0};                                           ///< seed of the weights, the validation split and the batch order
    double alpha{1.0};                                               ///< weight of the propensity head's binary cross-entropy
    double beta{1.0};                                                ///< weight of the targeted regularisation term
    bool targeted_regularization{true};                              ///< add beta * mean (y - Q - epsilon H)^2 with a trained epsilon
};

namespace detail {

using causalrec::cat;

/// Which of the three models a network and a loss serve.
enum class effect_model { tarnet, cfr, dragonnet };

/// Everything the network, the loss and the training need, gathered from one of the options structs.
struct effect_config {
    effect_model model{effect_model::tarnet};        ///< the model
    std::vector<std::size_t> representation{};       ///< shared layer sizes
    std::vector<std::size_t> head{};                 ///< head hidden sizes
    hidden_activation activation{hidden_activation::elu};  ///< hidden activation
    std::size_t epochs{0};                           ///< maximum epochs
    std::size_t batch_size{0};                       ///< rows per step
    double learning_rate{0.0};                       ///< Adam's learning rate
    double l2{0.0};                        ///< L2 on dense weights
    double validation_split{0.0};                 ///< held-out share
    std::size_t patience{0};                         ///< early-stopping patience
    bool standardize_outcome{true};                  ///< standardise y
    int verbose{0};                                  ///< fit's verbosity
    std::uint64_t seed{0};                           ///< seed
    double alpha{0.0};                               ///< IPM weight (cfr) or propensity weight (dragonnet)
    double beta{0.0};                                ///< targeted-regularisation weight (dragonnet)
    bool targeted{false};                            ///< targeted regularisation on (dragonnet)
    ipm_metric ipm{ipm_metric::linear_mmd};          ///< IPM (cfr)
    bool normalize{false};                           ///< normalise Phi rows (cfr)
    double sinkhorn_lambda{10.0};                    ///< Sinkhorn strength (cfr)
    std::size_t sinkhorn_iterations{10};             ///< Sinkhorn iterations (cfr)
};

/// The model's name in messages.
inline std::string_view model_name(effect_model m) noexcept {
    switch (m) {
        case effect_model::tarnet: return "tarnet";
        case effect_model::cfr: return "cfr";
        case effect_model::dragonnet: return "dragonnet";
    }
    return "neural effect model";
}

/// Checks a configuration; raises argument_error naming the model and the field at fault.
void check_config(const effect_config& c);

/// The configuration of tarnet options.
effect_config make_config(const tarnet_options& o);
/// The configuration of cfr options.
effect_config make_config(const cfr_options& o);
/// The configuration of dragonnet options.
effect_config make_config(const dragonnet_options& o);

}  // namespace detail

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/options.hpp"
#endif
