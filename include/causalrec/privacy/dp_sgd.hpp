#pragma once
/// @file
/// DP-SGD (Abadi et al. 2016) as a wrapper around any optim:: optimizer: each step trains on a
/// Poisson-sampled batch, every sample's gradient is clipped to L2 norm C, Gaussian noise of standard
/// deviation sigma C is added to the sum, and the sum divided by the expected batch size goes to the
/// wrapped optimizer. The per-sample clipping happens inside the objective (private_objective), which
/// the supervised fit() builds on its own when it is handed a dp_sgd; the privacy spent so far, epsilon
/// at the options' delta (rdp_accountant), is added to the History every epoch as "epsilon".

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../optim/concepts.hpp"
#include "../train/concepts.hpp"
#include "../train/context.hpp"
#include "../train/forwarding_objective.hpp"
#include "accountant.hpp"
#include "detail/gaussian_noise.hpp"

namespace causalrec::privacy {

/// How private_objective forms the per-sample gradients.
enum class per_sample_method {
    automatic,  ///< from one batch backward pass where the model allows it (nn::PerSampleGradientLayer layers), else `loop`
    loop,       ///< one backward pass per sample (any objective whose batch loss is the mean of its samples' losses)
};

/// Options of DP-SGD.
struct dp_sgd_options {
    double noise_multiplier = 1.0;   ///< sigma: the noise's standard deviation is sigma * max_grad_norm; 0 = clipping only (no privacy)
    double max_grad_norm = 1.0;      ///< C: every sample's gradient is scaled down to L2 norm at most C
    double delta = 1e-5;             ///< delta of the (epsilon, delta) reported each epoch; keep it well below 1 / samples
    bool poisson_sampling = true;    ///< each step includes every sample with probability batch / samples (what the accountant assumes); false = the loop's shuffled batches
    std::uint64_t seed = 0;          ///< seed of the sampling and the noise
    per_sample_method per_sample = per_sample_method::automatic;  ///< how per-sample gradients are formed
    std::vector<double> orders = default_orders();                 ///< Rényi orders of the accountant
};

/// The noise multiplier that spends at most `target_epsilon` at `delta` when training `epochs` epochs
/// over `samples` samples in Poisson batches of expected size `batch_size` (the steps fit() takes).
/// Raises argument_error for a zero count, or a delta not in (0, 1 / samples) (dp_sgd refuses to
/// train with such a delta).
inline double noise_multiplier_for_training(double target_epsilon, std::size_t samples, std::size_t batch_size, std::size_t epochs,
                                            double delta) {
    if (samples == 0 || batch_size == 0 || epochs == 0)
        throw argument_error("causalrec::privacy::noise_multiplier_for_training: samples, batch_size and epochs must be positive");
    if (!(delta > 0.0) || delta >= 1.0 / static_cast<double>(samples))
        throw argument_error(causalrec::cat("causalrec::privacy::noise_multiplier_for_training: delta ", delta, " is not in (0, 1 / samples) (",
                                            samples, " samples): such a guarantee allows releasing a record outright"));
    const std::size_t batch = std::min(batch_size, samples);
    const std::size_t steps = epochs * ((samples + batch - 1) / batch);
    return noise_multiplier_for(target_epsilon, static_cast<double>(batch) / static_cast<double>(samples), steps, delta);
}

namespace detail {

/// What the wrapped objective tells the optimizer about the coming step, and the privacy spent: the
/// runs so far (each fit() is a phase with its own sampling rate) composed in an RDP accountant.
struct dp_step_state {
    bool clipped = false;          ///< the objective clipped the gradients of the coming step
    double sampling_rate = 0.0;    ///< q of the current run = expected batch / samples (fixed by its first step)
    double expected_batch = 0.0;   ///< q * samples: the divisor of the noisy sum
    std::size_t phase_steps = 0;   ///< steps of the current run
    std::size_t steps = 0;         ///< steps of every run (each one a release of the sampled Gaussian mechanism)
    rdp_accountant earlier;        ///< the finished runs

    /// Starts a run: the current run's steps join the finished ones.
    void start_run(double sigma) {
        if (phase_steps > 0 && sigma > 0.0) earlier.compose(sampling_rate, sigma, phase_steps);
        phase_steps = 0;
        sampling_rate = expected_batch = 0.0;
        clipped = false;
    }
    /// epsilon at delta spent by every step so far (0 before the first, infinity without noise).
    double epsilon(double sigma, double delta) const {
        if (steps == 0) return 0.0;
        if (sigma == 0.0) return std::numeric_limits<double>::infinity();
        rdp_accountant total = earlier;
        if (phase_steps > 0) total.compose(sampling_rate, sigma, phase_steps);
        return total.epsilon(delta);
    }
};

/// Checks the options (argument_error names the first bad one).
inline void check_options(const dp_sgd_options& o) {
    if (!(o.noise_multiplier >= 0.0) || !std::isfinite(o.noise_multiplier))
        throw argument_error(causalrec::cat("causalrec::privacy::dp_sgd: noise_multiplier must be finite and >= 0, got ", o.noise_multiplier));
    if (!(o.max_grad_norm > 0.0) || !std::isfinite(o.max_grad_norm))
        throw argument_error(causalrec::cat("causalrec::privacy::dp_sgd: max_grad_norm must be finite and > 0, got ", o.max_grad_norm));
    if (!(o.delta > 0.0 && o.delta < 1.0))
        throw argument_error(causalrec::cat("causalrec::privacy::dp_sgd: delta must be in (0, 1), got ", o.delta));
    if (o.orders.empty()) throw argument_error("causalrec::privacy::dp_sgd: the list of Rényi orders is empty");
}

/// Whether the objective's model offers per-sample gradients (nn::sequential of dense / embedding layers).
template <class O>
concept HasPerSampleModel = requires(O& o, std::span<double> norms, std::span<const typename O::value_type> scale) {
    o.model().add_per_sample_squared_norms(norms);
    o.model().rescale_per_sample(scale);
    o.model().defer_parameter_gradients(true);
    o.model().parameters();
};

}  // namespace detail

/// An objective whose gradient is the sum of its samples' clipped gradients: each step draws its own
/// Poisson batch (or takes the loop's), evaluates the wrapped objective on it and clips every sample's
/// gradient to max_grad_norm. The wrapped objective's loss of a batch must be the mean of its samples'
/// losses (true of the supervised objective with every shipped loss; with per-row weights the clipped
/// quantity is the weighted loss). Sparse parameters are seen whole (their untouched rows' gradient is
/// zero), as the noise reaches every row. Built by dp_sgd::wrap; refers to the objective and the optimizer.
template <train::Objective O>
class private_objective : public train::forwarding_objective<O> {
    using train::forwarding_objective<O>::inner_;

public:
    using value_type = typename O::value_type;  ///< the parameters' element type

    /// Wraps `inner` for the DP-SGD optimizer whose options and step state are given.
    private_objective(O& inner, const dp_sgd_options& options, detail::dp_step_state& state)
        : train::forwarding_objective<O>(inner), options_(&options), state_(&state), sampler_(options.seed) {
        for (const auto& p : inner_->parameters()) {
            if (p.packed_grad)
                throw argument_error(causalrec::cat("causalrec::privacy::dp_sgd: parameter '", p.name,
                                                    "' keeps a packed sparse gradient; DP-SGD adds noise to every row and needs the whole buffer"));
            views_.push_back(p);
        }
        if constexpr (detail::HasPerSampleModel<O>) {
            // The fast path needs the objective's parameters to be exactly its model's.
            const auto model_params = inner_->model().parameters();
            fast_ = options.per_sample == per_sample_method::automatic && model_params.size() == views_.size() &&
                    std::equal(model_params.begin(), model_params.end(), views_.begin(),
                               [](const auto& a, const auto& b) { return a.value.data() == b.value.data(); });
        }
        for (auto& p : views_) {
            sparse_.push_back(p.sparse);
            has_sparse_ = has_sparse_ || p.sparse;
            p.sparse = false;
            p.touched_rows = {};
        }
    }

    /// Samples of the wrapped objective.
    std::size_t samples() const { return static_cast<std::size_t>(inner_->samples()); }
    /// The wrapped objective's parameters, sparse ones seen whole (not sparse).
    std::span<const parameter_view<value_type>> parameters() const noexcept { return views_; }
    /// Whether the per-sample gradients come from one batch backward pass (false: one pass per sample).
    bool per_sample_without_loop() const noexcept { return fast_; }

    /// Forwards to the wrapped objective.
    void begin_epoch(std::size_t epoch)
        requires train::ObjectiveWithEpochs<O>
    {
        inner_->begin_epoch(epoch);
    }

    /// The wrapped objective's epoch values, and "epsilon": the privacy spent so far at the options' delta.
    void end_epoch(train::epoch_logs& logs) {
        if constexpr (requires { inner_->end_epoch(logs); }) inner_->end_epoch(logs);
        logs["epsilon"] = epsilon();
    }

    /// epsilon spent by the steps taken so far, at the options' delta (infinity without noise).
    double epsilon() const { return state_->epsilon(options_->noise_multiplier, options_->delta); }

    /// The mean loss of this step's samples; leaves the sum of their clipped gradients in parameters().
    double loss_and_gradient(std::span<const std::size_t> batch) {
        const std::size_t n = samples();
        if (state_->sampling_rate == 0.0) {  // the first step fixes the sampling rate: the loop's batch size / samples
            state_->sampling_rate = std::min(1.0, static_cast<double>(batch.size()) / static_cast<double>(n));
            state_->expected_batch = state_->sampling_rate * static_cast<double>(n);
            if (options_->delta >= 1.0 / static_cast<double>(n))
                throw argument_error(causalrec::cat("causalrec::privacy::dp_sgd: delta ", options_->delta, " is not below 1 / samples (",
                                                    n, " samples): such a guarantee allows releasing a record outright"));
        }
        std::span<const std::size_t> rows = batch;
        if (options_->poisson_sampling) {
            draw_poisson_batch(n);
            rows = drawn_;
        }
        ++state_->steps;
        ++state_->phase_steps;
        state_->clipped = true;
        if (rows.empty()) {
            for (const auto& p : views_) std::fill(p.grad.begin(), p.grad.end(), value_type(0));
            return 0.0;
        }
        if constexpr (detail::HasPerSampleModel<O>) {
            if (fast_) return clip_in_one_pass(rows);
        }
        return clip_in_a_loop(rows);
    }

private:
    /// Includes each of the n samples with probability q (geometric skips: O(q n) draws).
    void draw_poisson_batch(std::size_t n) {
        drawn_.clear();
        const double q = state_->sampling_rate;
        if (q >= 1.0) {
            for (std::size_t i = 0; i < n; ++i) drawn_.push_back(i);
            return;
        }
        const double log_keep = std::log1p(-q);
        double position = -1.0;
        for (;;) {
            const double u = 1.0 - sampler_.uniform();  // in (0, 1]
            position += 1.0 + std::floor(std::log(u) / log_keep);
            if (position >= static_cast<double>(n)) break;
            drawn_.push_back(static_cast<std::size_t>(position));
        }
    }

    /// The clip factor of a gradient of norm `norm` (Opacus's min(1, C / (norm + 1e-6))).
    double clip_factor(double norm) const { return std::min(1.0, options_->max_grad_norm / (norm + 1e-6)); }

    /// Zeroes the rows of sparse parameters the last backward pass did not touch.
    void zero_untouched_rows() {
        if (!has_sparse_) return;
        const auto fresh = inner_->parameters();
        std::size_t k = 0;
        for (const auto& p : fresh) {
            if (sparse_[k]) {
                touched_.assign(p.size() / p.row_size, 0);
                for (std::size_t row : p.touched_rows) touched_[row] = 1;
                for (std::size_t row = 0; row < touched_.size(); ++row)
                    if (!touched_[row]) std::fill_n(p.grad.data() + row * p.row_size, p.row_size, value_type(0));
            }
            ++k;
        }
    }

    /// One backward pass over the batch; the model's per-sample norms give the clip factors, and its
    /// gradients are re-formed as the sum of the clipped per-sample gradients.
    double clip_in_one_pass(std::span<const std::size_t> rows)
        requires detail::HasPerSampleModel<O>
    {
        // backward forms only what the per-sample gradients need; rescale_per_sample forms the gradients.
        auto& model = inner_->model();
        struct deferred {
            std::remove_reference_t<decltype(model)>* m;
            ~deferred() { m->defer_parameter_gradients(false); }
        } restore{&model};
        model.defer_parameter_gradients(true);
        const double value = static_cast<double>(inner_->loss_and_gradient(rows));
        model.defer_parameter_gradients(false);
        const std::size_t m = rows.size();
        norms_.assign(m, 0.0);
        model.add_per_sample_squared_norms(norms_);
        scale_.resize(m);
        // The batch gradient is the mean: a sample's contribution is its gradient / m.
        const double rows_count = static_cast<double>(m);
        for (std::size_t i = 0; i < m; ++i)
            scale_[i] = static_cast<value_type>(rows_count * clip_factor(rows_count * std::sqrt(norms_[i])));
        model.rescale_per_sample(scale_);
        zero_untouched_rows();
        return value;
    }

    /// One backward pass per sample: its gradient's norm, clip factor, and the clipped sum.
    double clip_in_a_loop(std::span<const std::size_t> rows) {
        if (sums_.size() != views_.size()) {
            sums_.resize(views_.size());
            for (std::size_t k = 0; k < views_.size(); ++k) sums_[k].resize(views_[k].size());
        }
        for (auto& s : sums_) std::fill(s.begin(), s.end(), value_type(0));
        double total = 0.0;
        for (const std::size_t row : rows) {
            total += static_cast<double>(inner_->loss_and_gradient(std::span<const std::size_t>(&row, 1)));
            const auto fresh = inner_->parameters();
            double squared = 0.0;
            for_each_gradient_row(fresh, [&](std::size_t, std::size_t, const value_type* g, std::size_t len) {
                for (std::size_t j = 0; j < len; ++j) squared += static_cast<double>(g[j]) * static_cast<double>(g[j]);
            });
            const auto c = static_cast<value_type>(clip_factor(std::sqrt(squared)));
            for_each_gradient_row(fresh, [&](std::size_t k, std::size_t offset, const value_type* g, std::size_t len) {
                value_type* s = sums_[k].data() + offset;
                for (std::size_t j = 0; j < len; ++j) s[j] += c * g[j];
            });
        }
        for (std::size_t k = 0; k < views_.size(); ++k) std::copy(sums_[k].begin(), sums_[k].end(), views_[k].grad.begin());
        return total / static_cast<double>(rows.size());
    }

    /// Calls f(parameter index, offset, gradient, length) for every valid stretch of gradient in
    /// `params`: whole dense tensors, the touched rows of sparse ones.
    template <class Range, class F>
    static void for_each_gradient_row(const Range& params, F&& f) {
        std::size_t k = 0;
        for (const auto& p : params) {
            if (p.sparse) {
                for (std::size_t r = 0; r < p.touched_rows.size(); ++r) f(k, p.touched_rows[r] * p.row_size, p.grad_row(r), p.row_size);
            } else {
                f(k, 0, p.grad.data(), p.grad.size());
            }
            ++k;
        }
    }

    const dp_sgd_options* options_;
    detail::dp_step_state* state_;
    rng sampler_;
    std::vector<parameter_view<value_type>> views_;
    std::vector<bool> sparse_;
    bool has_sparse_ = false;
    bool fast_ = false;
    std::vector<std::size_t> drawn_;
    std::vector<double> norms_;
    std::vector<value_type> scale_;
    std::vector<char> touched_;
    std::vector<std::vector<value_type>> sums_;
};

/// DP-SGD around any optim:: optimizer `Opt` (sgd, adam, ...): handed to the supervised
/// train::fit(model, loss, dp_sgd(...), X, y, options), it trains on Poisson batches of expected size
/// options.batch_size with per-sample clipping and noise, and the History gains "epsilon" per epoch.
/// Each step adds N(0, (sigma C)^2) (ziggurat draws from its own stream) to every coordinate of the clipped sum, divides by the expected
/// batch size and lets the wrapped optimizer take its step. With an objective of your own, train
/// wrap(objective) with this optimizer. The wrapped objective refers to this optimizer: keep it in place.
template <class Opt>
class dp_sgd {
public:
    using inner_type = Opt;  ///< the wrapped optimizer's type
    /// Every parameter view it receives is whole (private_objective densifies sparse ones).
    static constexpr bool sparse_rows = true;
    static_assert(!optim::is_full_batch_v<Opt>, "dp_sgd: wrap a mini-batch optimizer (sgd, adam, ...), not a full-batch one");

    /// DP-SGD with `inner` taking the steps; raises argument_error on an invalid option.
    explicit dp_sgd(Opt inner, dp_sgd_options options = {})
        : inner_(std::move(inner)), options_(std::move(options)), noise_(options_.seed), state_{.earlier = rdp_accountant(options_.orders)} {
        detail::check_options(options_);
        noise_.jump();  // a stream apart from the objective's sampling stream
    }

    /// The objective to train in place of `objective`: its gradients are the clipped per-sample sums.
    template <train::Objective O>
    private_objective<O> wrap(O& objective) {
        state_.start_run(options_.noise_multiplier);
        return private_objective<O>(objective, options_, state_);
    }

    /// Noise, the division by the expected batch size, then the wrapped optimizer's step. Raises
    /// argument_error when the gradients were not clipped by the wrapped objective first.
    template <std::floating_point T>
    void step(std::span<const parameter_view<T>> params) {
        if (!state_.clipped)
            throw argument_error(
                "causalrec::privacy::dp_sgd: the gradients of this step were not clipped per sample; train through "
                "fit(model, loss, dp_sgd, X, y) or train the objective returned by dp_sgd::wrap(objective)");
        state_.clipped = false;
        const double sd = options_.noise_multiplier * options_.max_grad_norm;
        const auto inv = static_cast<T>(1.0 / state_.expected_batch);
        for (const auto& p : params) {
            T* g = p.grad.data();
            const std::size_t n = p.grad.size();
            if (sd == 0.0) {
                for (std::size_t j = 0; j < n; ++j) g[j] *= inv;
            } else {
                const auto& tables = detail::ziggurat();
                for (std::size_t j = 0; j < n; ++j) g[j] = (g[j] + static_cast<T>(sd * detail::ziggurat_normal(noise_, tables))) * inv;
            }
        }
        inner_.step(params);
    }

    /// The wrapped optimizer's learning rate.
    double learning_rate() const { return static_cast<double>(inner_.learning_rate()); }
    /// Sets the wrapped optimizer's learning rate.
    void set_learning_rate(double lr) { inner_.set_learning_rate(lr); }

    /// epsilon spent so far at the options' delta (0 before the first step, infinity without noise).
    double epsilon() const { return state_.epsilon(options_.noise_multiplier, options_.delta); }
    /// Steps taken so far, over every run.
    std::size_t steps() const noexcept { return state_.steps; }
    /// The sampling rate of the current run (batch / samples; 0 before the first step).
    double sampling_rate() const noexcept { return state_.sampling_rate; }
    /// The options.
    const dp_sgd_options& options() const noexcept { return options_; }
    /// The wrapped optimizer.
    const Opt& inner() const noexcept { return inner_; }

    dp_sgd(const dp_sgd&) = default;             ///< copy (a wrapped objective keeps referring to the original)
    dp_sgd& operator=(const dp_sgd&) = default;  ///< copy assignment
    dp_sgd(dp_sgd&&) = default;                  ///< move
    dp_sgd& operator=(dp_sgd&&) = default;       ///< move assignment

private:
    Opt inner_;
    dp_sgd_options options_;
    rng noise_;
    detail::dp_step_state state_;
};

}  // namespace causalrec::privacy
