#pragma once
/// @file
/// A neural bandit policy: any network (`nn::sequential` or another train::Model) learns a
/// representation of the context, and exploration happens on its last layer — linear Thompson
/// sampling on the representation (NeuralLinear; Riquelme, Tucker & Snoek 2018, "Deep Bayesian
/// Bandits Showdown") or epsilon-greedy on the network's predicted rewards.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../io/safetensors.hpp"
#include "../nn/concepts.hpp"
#include "../nn/dense.hpp"
#include "../optim/adam.hpp"
#include "../train/concepts.hpp"
#include "../train/loop.hpp"
#include "concepts.hpp"
#include "detail/common.hpp"
#include "linear.hpp"

namespace causalrec::bandit {

/// How neural_linear explores.
enum class neural_exploration : std::uint8_t {
    thompson,        ///< linear Thompson sampling on the network's representation (NeuralLinear)
    epsilon_greedy,  ///< the network's best predicted reward, a uniformly random allowed action with probability epsilon
};

/// Options of neural_linear.
struct neural_linear_options {
    neural_exploration exploration = neural_exploration::thompson;  ///< exploration on the last layer
    double scale = 0.5;                   ///< Thompson: the posterior scale v of linear_thompson on the representation (> 0)
    double l2 = 1.0;                      ///< Thompson: ridge penalty of the per-action posteriors (> 0)
    double epsilon = 0.1;                 ///< epsilon-greedy: the exploration probability, in [0, 1]
    std::size_t retrain_every = 100;      ///< updates between retrainings of the network (0: never; the representation stays fixed)
    std::size_t epochs = 5;               ///< epochs of each retraining over the buffered rounds (>= 1)
    std::size_t batch_size = 32;          ///< mini-batch of each retraining step (>= 1)
    double learning_rate = 1e-3;          ///< Adam's learning rate in each retraining (> 0)
    std::size_t buffer_size = 0;          ///< most recent rounds kept for retraining (0: every round)
    std::size_t probability_draws = 100;  ///< Thompson: draws that estimate the probabilities (0 = not estimated: NaN)
    std::uint64_t seed = 42;              ///< seed of the head's initial weights, the draws and the retraining's shuffling
};

namespace detail {

/// The retraining objective of neural_linear (a train::Objective): the squared error of the
/// network's predicted reward for the logged action, and only that action, of each buffered round
/// (the other actions' outputs get no gradient).
template <class Body>
class neural_bandit_objective {
public:
    using value_type = typename Body::value_type;  ///< the parameters' element type

    /// The objective of body + head over the rounds (contexts rows, actions, rewards).
    neural_bandit_objective(Body& body, nn::dense<value_type>& head, const std::vector<value_type>& contexts, std::size_t dim,
                            const std::vector<std::size_t>& actions, const std::vector<double>& rewards)
        : body_(&body), head_(&head), contexts_(&contexts), dim_(dim), actions_(&actions), rewards_(&rewards) {
        for (auto p : body.parameters()) params_.push_back(p);
        for (auto p : head.parameters()) params_.push_back(p);
    }

    /// Buffered rounds.
    std::size_t samples() const noexcept { return actions_->size(); }
    /// The body's and the head's trainable tensors.
    std::span<const parameter_view<value_type>> parameters() const noexcept { return params_; }
    /// Switches the body between training and inference mode (dropout, ...).
    void set_training(bool training) {
        if constexpr (nn::HasTrainingMode<Body>) body_->set_training(training);
    }

    /// The mean squared error of the batch's logged actions, back-propagated through head and body.
    double loss_and_gradient(std::span<const std::size_t> batch) {
        const std::size_t rows = batch.size(), d = dim_;
        x_.resize({rows, d});
        for (std::size_t r = 0; r < rows; ++r) std::copy_n(contexts_->data() + batch[r] * d, d, x_.data() + r * d);
        const matrix<value_type>& out = head_->forward(body_->forward(x_));
        const std::size_t k = out.shape()[1];
        grad_.resize({rows, k});
        grad_.fill(value_type(0));
        double loss = 0.0;
        for (std::size_t r = 0; r < rows; ++r) {
            const std::size_t a = (*actions_)[batch[r]];
            const double e = static_cast<double>(out(r, a)) - (*rewards_)[batch[r]];
            loss += e * e;
            grad_(r, a) = static_cast<value_type>(2.0 * e / static_cast<double>(rows));
        }
        body_->backward(head_->backward(grad_));
        return loss / static_cast<double>(rows);
    }

private:
    Body* body_;
    nn::dense<value_type>* head_;
    const std::vector<value_type>* contexts_;
    std::size_t dim_;
    const std::vector<std::size_t>* actions_;
    const std::vector<double>* rewards_;
    std::vector<parameter_view<value_type>> params_{};
    matrix<value_type> x_{}, grad_{};
};

}  // namespace detail

/// A neural contextual bandit: `Body` (an `nn::sequential` or any train::Model over rows of `dim`
/// context values) maps a context to a representation z; a linear head z -> one predicted reward per
/// action is trained with it. Every `retrain_every` updates, body and head are retrained for `epochs`
/// epochs of Adam (a fresh optimizer state each time, warm-started weights) on the buffered rounds,
/// with the squared error of the logged action's predicted reward; then the per-action Bayesian
/// linear regressions on z are rebuilt from the buffer with the new representation. Between
/// retrainings each update adds (z, reward) to its action's regression by Sherman-Morrison. choose
/// explores on the last layer: linear Thompson sampling on z (the default; NeuralLinear), or
/// epsilon-greedy on the head's predicted rewards. Seeded; saved and loaded as a policy file (the
/// body's architecture comes from the caller, its weights from the file).
template <class Body>
    requires train::Model<Body, typename Body::value_type>
class neural_linear {
public:
    /// The network's element type (float or double).
    using value_type = typename Body::value_type;
    /// The policy's name in files and messages.
    static constexpr std::string_view policy_name = "neural_linear";

    /// A policy over n_actions actions and contexts of `dim` values, with `body` as the representation
    /// network (its output width, found by one forward pass, is the representation's dimension).
    /// Raises argument_error for zero actions or dim, an option out of range, or a body whose output
    /// is not one row for one input row.
    neural_linear(Body body, std::size_t n_actions, std::size_t dim, neural_linear_options options = {})
        : body_(std::move(body)), options_(options), dim_(dim), width_(checked_width(body_, n_actions, dim, options)),
          head_(width_, n_actions, {.seed = options.seed}),
          // linear_thompson checks scale and l2.
          thompson_(n_actions, width_, {.scale = options.scale, .l2 = options.l2, .probability_draws = options.probability_draws, .seed = options.seed}),
          engine_(options.seed ^ 0xA0761D6478BD642FULL) {}

    /// Number of actions.
    std::size_t n_actions() const noexcept { return thompson_.n_actions(); }
    /// Context dimension.
    std::size_t dim() const noexcept { return dim_; }
    /// Dimension of the representation z (the body's output width).
    std::size_t representation_dim() const noexcept { return width_; }
    /// The options.
    const neural_linear_options& options() const noexcept { return options_; }
    /// The representation network.
    const Body& body() const noexcept { return body_; }
    /// The last layer's per-action Bayesian linear regressions (linear Thompson sampling on z).
    const linear_thompson& last_layer() const noexcept { return thompson_; }
    /// Retrainings so far.
    std::size_t retrainings() const noexcept { return retrainings_; }
    /// Rounds in the retraining buffer.
    std::size_t buffered() const noexcept { return actions_.size(); }

    /// The representation z of a context (the body in inference mode).
    std::vector<double> representation(std::span<const double> context) const {
        detail::check_context(context, dim(), policy_name);
        x1_.resize({std::size_t{1}, dim_});
        for (std::size_t i = 0; i < dim_; ++i) x1_(0, i) = static_cast<value_type>(context[i]);
        set_body_training(false);
        const matrix<value_type>& z = body_.forward(x1_);
        return std::vector<double>(z.begin(), z.end());
    }

    /// The network's predicted reward of every action for a context.
    std::vector<double> predicted_rewards(std::span<const double> context) const {
        const auto z = representation(context);
        return head_of(z);
    }

    /// Takes an allowed action: the largest Thompson draw on z, or epsilon-greedy on the predicted rewards.
    choice choose(std::span<const double> context, std::span<const std::size_t> excluded = {}) {
        const auto z = representation(context);
        if (options_.exploration == neural_exploration::thompson) return thompson_.choose(z, excluded);
        const std::size_t allowed_count = detail::allowed_actions(excluded, n_actions(), allowed_, policy_name);
        return detail::epsilon_greedy_choice(head_of(z), allowed_, allowed_count, options_.epsilon, engine_);
    }

    /// Learns from the reward of `action` in `context`: buffers the round, adds it to the action's
    /// regression on z, and retrains the network every retrain_every updates.
    void update(std::span<const double> context, std::size_t action, double reward) {
        detail::check_context(context, dim(), policy_name);
        detail::check_action(action, n_actions(), policy_name);
        detail::check_reward(reward, policy_name);
        append(context, action, reward);
        thompson_.update(representation(context), action, reward);
        ++updates_;
        if (options_.retrain_every > 0 && updates_ % options_.retrain_every == 0) retrain();
    }

    /// The probability of every action for a context: Thompson's estimate from probability_draws
    /// draws (NaN when 0), or epsilon-greedy's exact probabilities.
    std::vector<double> action_probabilities(std::span<const double> context) const {
        const auto z = representation(context);
        if (options_.exploration == neural_exploration::thompson) return thompson_.action_probabilities(z);
        const auto scores = head_of(z);
        std::vector<char> all(n_actions(), 1);
        std::vector<double> p(n_actions(), options_.epsilon / static_cast<double>(n_actions()));
        p[detail::argmax_allowed(scores, all)] += 1.0 - options_.epsilon;
        return p;
    }

    /// Retrains body and head on the buffered rounds now (what update does every retrain_every
    /// updates), then rebuilds the last layer's regressions with the new representation. Returns
    /// the last epoch's mean loss (NaN with an empty buffer, where nothing happens).
    double retrain() {
        if (actions_.empty()) return std::numeric_limits<double>::quiet_NaN();
        detail::neural_bandit_objective<Body> objective(body_, head_, contexts_, dim_, actions_, rewards_);
        optim::adam<value_type> optimizer({.learning_rate = options_.learning_rate});
        const auto h = train::fit(objective, optimizer,
                                  {.epochs = options_.epochs, .batch_size = options_.batch_size, .seed = options_.seed + 7919 * (retrainings_ + 1),
                                   .verbose = 0});
        ++retrainings_;
        rebuild_last_layer();
        return h.loss.empty() ? std::numeric_limits<double>::quiet_NaN() : h.loss.back();
    }

    /// The policy as a policy file: options, the body's and head's weights, the buffer, the last
    /// layer's regressions and the random states.
    io::tensor_file to_file() const {
        auto f = detail::begin_policy_file(policy_name);
        f.metadata["exploration"] = options_.exploration == neural_exploration::thompson ? "thompson" : "epsilon_greedy";
        detail::write_number(f, "scale", options_.scale);
        detail::write_number(f, "l2", options_.l2);
        detail::write_number(f, "epsilon", options_.epsilon);
        detail::write_number(f, "learning_rate", options_.learning_rate);
        for (const auto& [key, value] : {std::pair<const char*, std::size_t>{"retrain_every", options_.retrain_every}, {"epochs", options_.epochs},
                                         {"batch_size", options_.batch_size}, {"buffer_size", options_.buffer_size},
                                         {"probability_draws", options_.probability_draws}, {"updates", updates_},
                                         {"retrainings", retrainings_}, {"n_actions", n_actions()}, {"dim", dim_}})
            f.metadata[key] = std::to_string(value);
        f.metadata["seed"] = std::to_string(options_.seed);
        std::size_t i = 0;
        for (auto p : body_.parameters())
            f.add<value_type>(causalrec::cat("body.", i++), std::span<const value_type>(p.value.data(), p.value.size()), {p.value.size()});
        i = 0;
        for (auto p : head_.parameters())
            f.add<value_type>(causalrec::cat("head.", i++), std::span<const value_type>(p.value.data(), p.value.size()), {p.value.size()});
        f.add<value_type>("contexts", contexts_, {actions_.size(), dim_});
        std::vector<std::uint64_t> actions(actions_.begin(), actions_.end());
        f.add<std::uint64_t>("actions", actions, {actions.size()});
        f.add<double>("rewards", rewards_, {rewards_.size()});
        const auto last = thompson_.to_file();
        for (const auto& [name, t] : last.tensors()) f.add("last_layer." + name, t);
        for (const auto& [key, value] : last.metadata) f.metadata["last_layer." + key] = value;
        detail::write_rng(f, "rng", engine_);
        return f;
    }

    /// The policy of a policy file, with `body` (the same architecture, any weights) receiving the
    /// saved weights: serving continues where the saved policy stopped, retrainings included. Raises
    /// format_error when the file holds another policy or its tensors do not fit `body`.
    static neural_linear from_file(const io::tensor_file& f, Body body) {
        detail::check_policy_file(f, policy_name);
        auto count = [&](const char* key) { return static_cast<std::size_t>(std::stoull(f.metadata.at(key))); };
        neural_linear_options o;
        o.exploration = f.metadata.at("exploration") == "thompson" ? neural_exploration::thompson : neural_exploration::epsilon_greedy;
        o.scale = detail::read_number(f, "scale");
        o.l2 = detail::read_number(f, "l2");
        o.epsilon = detail::read_number(f, "epsilon");
        o.learning_rate = detail::read_number(f, "learning_rate");
        o.retrain_every = count("retrain_every");
        o.epochs = count("epochs");
        o.batch_size = count("batch_size");
        o.buffer_size = count("buffer_size");
        o.probability_draws = count("probability_draws");
        o.seed = std::stoull(f.metadata.at("seed"));
        neural_linear p(std::move(body), count("n_actions"), count("dim"), o);
        auto restore = [&](const std::string& prefix, auto&& params) {
            std::size_t i = 0;
            for (auto v : params) {
                const auto name = causalrec::cat(prefix, i++);
                const auto values = f.get_vector<value_type>(name);
                if (values.size() != v.value.size())
                    throw format_error(causalrec::cat("causalrec::bandit::neural_linear: tensor '", name, "' has ", values.size(), " values, the body's parameter ",
                                                      i - 1, " has ", v.value.size(), "; load with the body the policy was saved with"));
                std::copy(values.begin(), values.end(), v.value.begin());
            }
            if (f.contains(causalrec::cat(prefix, i)))
                throw format_error(causalrec::cat("causalrec::bandit::neural_linear: the file has more '", prefix, "' tensors than the body has parameters"));
        };
        restore("body.", p.body_.parameters());
        restore("head.", p.head_.parameters());
        const auto contexts = f.get_matrix<value_type>("contexts");
        p.contexts_.assign(contexts.begin(), contexts.end());
        const auto actions = f.get_vector<std::uint64_t>("actions");
        p.actions_.assign(actions.begin(), actions.end());
        const auto rewards = f.get_vector<double>("rewards");
        p.rewards_.assign(rewards.begin(), rewards.end());
        io::tensor_file last;
        for (const auto& [name, t] : f.tensors())
            if (name.rfind("last_layer.", 0) == 0) last.add(name.substr(11), t);
        for (const auto& [key, value] : f.metadata)
            if (key.rfind("last_layer.", 0) == 0) last.metadata[key.substr(11)] = value;
        p.thompson_ = linear_thompson::from_file(last);
        p.updates_ = count("updates");
        p.retrainings_ = count("retrainings");
        detail::read_rng(f, "rng", p.engine_);
        return p;
    }

private:
    /// Checks the constructor's arguments and returns the body's output width for one row of `dim`
    /// values (one forward pass in inference mode).
    static std::size_t checked_width(Body& body, std::size_t n_actions, std::size_t dim, const neural_linear_options& options) {
        detail::check_actions(n_actions, policy_name);
        if (dim == 0) throw argument_error("causalrec::bandit::neural_linear: the context dimension must be >= 1");
        if (!(options.epsilon >= 0.0 && options.epsilon <= 1.0))
            throw argument_error(causalrec::cat("causalrec::bandit::neural_linear: epsilon must be in [0, 1], got ", options.epsilon));
        if (options.epochs == 0) throw argument_error("causalrec::bandit::neural_linear: epochs must be >= 1");
        if (options.batch_size == 0) throw argument_error("causalrec::bandit::neural_linear: batch_size must be >= 1");
        if (!(options.learning_rate > 0.0 && std::isfinite(options.learning_rate)))
            throw argument_error(causalrec::cat("causalrec::bandit::neural_linear: learning_rate must be finite and > 0, got ", options.learning_rate));
        if constexpr (nn::HasTrainingMode<Body>) body.set_training(false);
        const matrix<value_type> probe = xt::zeros<value_type>({std::size_t{1}, dim});
        const matrix<value_type>& z = body.forward(probe);
        if (z.shape()[0] != 1 || z.shape()[1] == 0)
            throw argument_error(causalrec::cat("causalrec::bandit::neural_linear: the body maps one row of ", dim, " values to a (", z.shape()[0],
                                                ", ", z.shape()[1], ") output; it must give one row"));
        return z.shape()[1];
    }

    void set_body_training(bool training) const {
        if constexpr (nn::HasTrainingMode<Body>) body_.set_training(training);
    }

    /// The head's output for a representation.
    std::vector<double> head_of(const std::vector<double>& z) const {
        z1_.resize({std::size_t{1}, width_});
        for (std::size_t i = 0; i < width_; ++i) z1_(0, i) = static_cast<value_type>(z[i]);
        const matrix<value_type>& out = head_.forward(z1_);
        return std::vector<double>(out.begin(), out.end());
    }

    /// Appends a round to the buffer, dropping the oldest beyond buffer_size (a front erase: O(buffer)).
    void append(std::span<const double> context, std::size_t action, double reward) {
        if (options_.buffer_size > 0 && actions_.size() == options_.buffer_size) {
            contexts_.erase(contexts_.begin(), contexts_.begin() + static_cast<std::ptrdiff_t>(dim_));
            actions_.erase(actions_.begin());
            rewards_.erase(rewards_.begin());
        }
        for (double v : context) contexts_.push_back(static_cast<value_type>(v));
        actions_.push_back(action);
        rewards_.push_back(reward);
    }

    /// Forgets the last layer's regressions and refits them on the buffer's representations.
    void rebuild_last_layer() {
        thompson_.reset();
        set_body_training(false);
        matrix<value_type> x = matrix<value_type>::from_shape({actions_.size(), dim_});
        std::copy(contexts_.begin(), contexts_.end(), x.data());
        const matrix<value_type>& z = body_.forward(x);
        std::vector<double> row(width_);
        for (std::size_t j = 0; j < actions_.size(); ++j) {
            for (std::size_t i = 0; i < width_; ++i) row[i] = static_cast<double>(z(j, i));
            thompson_.update(row, actions_[j], rewards_[j]);
        }
    }

    mutable Body body_;  // forward keeps activations for backward: inference mutates its caches
    neural_linear_options options_;
    std::size_t dim_, width_ = 0;
    mutable nn::dense<value_type> head_;
    linear_thompson thompson_;
    rng engine_;
    std::vector<value_type> contexts_{};  // buffered contexts, row-major, dim_ per round
    std::vector<std::size_t> actions_{};
    std::vector<double> rewards_{};
    std::size_t updates_ = 0, retrainings_ = 0;
    std::vector<char> allowed_{};
    mutable matrix<value_type> x1_{}, z1_{};
};

}  // namespace causalrec::bandit
