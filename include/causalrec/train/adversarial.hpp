#pragma once
/// @file
/// Adversarial training (Goodfellow et al. 2014): a generator and a discriminator, two optimizers,
/// alternating steps, the non-saturating generator loss, and optionally the gradient penalty of
/// Gulrajani et al. (2017) on the discriminator, over any two models with forward / backward /
/// parameters (e.g. nn::sequential). The discriminator returns one logit per row and must pass its
/// input gradient back (its first layer computes it: fit_gan switches it on for nn::sequential).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "../core/error.hpp"
#include "../core/math.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"

namespace causalrec::train {

/// Options of fit_gan.
struct gan_options {
    std::size_t steps = 2000;             ///< generator updates
    std::size_t batch_size = 64;          ///< real rows (and as many generated rows) per update; >= 1
    std::size_t discriminator_steps = 1;  ///< discriminator updates before each generator update; >= 1
    std::size_t noise_size = 0;           ///< width of the generator's standard-normal input; > 0
    /// Weight lambda of the gradient penalty lambda * mean (||grad_x D(x_hat)|| - c)^2 at random points
    /// x_hat between real and generated rows; 0 = off.
    double gradient_penalty = 0.0;
    /// The target norm c: 1 as WGAN-GP (Gulrajani et al. 2017), 0 for the zero-centred penalty that
    /// suits the cross-entropy discriminator (Thanh-Tung et al. 2019); >= 0.
    double penalty_center = 0.0;
    /// Step (in input units) of the central difference that differentiates the penalty with respect to
    /// the discriminator's parameters (a Hessian-vector product from two extra backward passes); > 0.
    double penalty_step = 1e-3;
    std::uint64_t seed = 0;               ///< seed of the batches, the noise and the interpolation points
};

/// Per-update means recorded by fit_gan.
struct gan_history {
    std::vector<double> discriminator_loss{};  ///< the discriminator's binary cross-entropy (real 1, generated 0) at each generator update's last discriminator step
    std::vector<double> generator_loss{};      ///< the non-saturating generator loss mean softplus(-D(G(z)))
    std::vector<double> gradient_penalty{};    ///< lambda * mean (||grad_x D|| - c)^2 (empty when off)
};

/// Switches on the input gradient of a model's first layer when it has that switch (nn::sequential
/// skips it by default): a discriminator must pass dL/d(input) back to the generator.
template <class M>
void enable_input_gradient(M& model) {
    if constexpr (requires { model.template layer<0>().set_input_gradient(true); }) model.template layer<0>().set_input_gradient(true);
}

namespace detail {

/// The gradient buffers of `params` copied into (accumulate = false) or added to (true) `into`.
template <class T>
void collect_gradients(const std::vector<parameter_view<T>>& params, std::vector<T>& into, bool accumulate) {
    std::size_t total = 0;
    for (const auto& p : params) total += p.grad.size();
    if (!accumulate) into.assign(total, T(0));
    std::size_t k = 0;
    for (const auto& p : params)
        for (T g : p.grad) into[k++] += g;
}

/// Writes `from` back into the gradient buffers of `params`.
template <class T>
void restore_gradients(const std::vector<parameter_view<T>>& params, const std::vector<T>& from) {
    std::size_t k = 0;
    for (const auto& p : params)
        for (T& g : p.grad) g = from[k++];
}

/// Checks that a model returns one logit per row.
template <class T>
void check_logits(const matrix<T>& logits, std::size_t rows, const char* what) {
    if (logits.shape()[0] != rows || logits.shape()[1] != 1)
        throw shape_error(causalrec::error_message("train", "fit_gan", "the discriminator must return one logit per row; got ", logits.shape()[0], " x ",
                                                   logits.shape()[1], " for ", rows, " ", what, " rows"));
}

}  // namespace detail

/// The gradient penalty lambda * mean_i (||grad_x D(x_i)|| - center)^2 of a discriminator at the rows of
/// `points`; adds its gradient with respect to D's parameters to `gradient` (one value per parameter
/// value, in parameters() order; resized and zeroed when empty). The input gradients come from one
/// backward pass; their derivative with respect to the parameters is the Hessian-vector product
/// d/dtheta [grad_x D(x) . v] with v = grad_x D(x) held fixed, taken as the central difference
/// (grad_theta D(x + h v) - grad_theta D(x - h v)) / 2h with |h v| = `step`. Returns the penalty.
template <class D, std::floating_point T>
double discriminator_gradient_penalty(D& discriminator, const matrix<T>& points, double lambda, double center, double step, std::vector<T>& gradient) {
    const std::size_t rows = points.shape()[0], width = points.shape()[1];
    enable_input_gradient(discriminator);
    auto params = discriminator.parameters();
    matrix<T> ones = xt::ones<T>({rows, std::size_t{1}});
    detail::check_logits(discriminator.forward(points), rows, "penalty");
    const matrix<T> g = discriminator.backward(ones);
    if (g.shape()[0] != rows || g.shape()[1] != width)
        throw shape_error(causalrec::error_message("train", "discriminator_gradient_penalty", "the discriminator returned no input gradient (",
                                                   g.shape()[0], " x ", g.shape()[1], " for ", rows, " x ", width, " inputs)"));
    std::vector<double> norm(rows, 0.0);
    double penalty = 0.0;
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < width; ++c) norm[r] += static_cast<double>(g(r, c)) * static_cast<double>(g(r, c));
        norm[r] = std::sqrt(norm[r]);
        penalty += (norm[r] - center) * (norm[r] - center);
    }
    penalty *= lambda / static_cast<double>(rows);
    std::size_t total = 0;
    for (const auto& p : params) total += p.grad.size();
    if (gradient.size() != total) gradient.assign(total, T(0));
    // Per row: d/dtheta lambda/n (|g| - center)^2 = c_r d/dtheta [g . v], c_r = 2 lambda (|g| - center) / (n |g|).
    matrix<T> shifted = points, upstream = matrix<T>::from_shape({rows, std::size_t{1}});
    std::vector<T> part;
    for (int sign : {1, -1}) {
        for (std::size_t r = 0; r < rows; ++r) {
            const double h = norm[r] > 0.0 ? step / norm[r] : 0.0;
            for (std::size_t c = 0; c < width; ++c) shifted(r, c) = points(r, c) + static_cast<T>(sign * h) * g(r, c);
            const double c_r = norm[r] > 0.0 ? 2.0 * lambda * (norm[r] - center) / (static_cast<double>(rows) * norm[r]) : 0.0;
            upstream(r, 0) = static_cast<T>(h > 0.0 ? sign * c_r / (2.0 * h) : 0.0);
        }
        discriminator.forward(shifted);
        discriminator.backward(upstream);
        detail::collect_gradients(params, part, false);
        for (std::size_t k = 0; k < total; ++k) gradient[k] += part[k];
    }
    return penalty;
}

/// Trains a GAN on the rows of `real`: for each of options.steps generator updates,
/// options.discriminator_steps discriminator updates on a batch of real rows (label 1) and as many
/// generated rows G(z), z ~ N(0, I) (label 0) with binary cross-entropy on D's logits (plus the
/// gradient penalty when on), then one generator update with the non-saturating loss
/// mean softplus(-D(G(z))) (Goodfellow et al. 2014, section 3), the gradient reaching G through D's
/// input gradient. Each optimizer sees only its own model's parameters. Returns the losses per
/// generator update. Raises argument_error for a zero batch size, step count or noise size, and
/// shape_error when G's output width differs from the real rows' or D does not return one logit per row.
template <class G, class D, class GeneratorOptimizer, class DiscriminatorOptimizer, std::floating_point T>
gan_history fit_gan(G& generator, D& discriminator, GeneratorOptimizer&& generator_optimizer, DiscriminatorOptimizer&& discriminator_optimizer,
                    const matrix<T>& real, const gan_options& options) {
    constexpr const char* fn = "fit_gan";
    const std::size_t n = real.shape()[0], width = real.shape()[1], b = options.batch_size;
    if (n == 0 || width == 0) throw argument_error(causalrec::error_message("train", fn, "no real rows to learn from"));
    if (b == 0 || options.discriminator_steps == 0 || options.noise_size == 0)
        throw argument_error(causalrec::error_message("train", fn, "batch_size, discriminator_steps and noise_size must be positive"));
    if (!(options.gradient_penalty >= 0.0) || !(options.penalty_center >= 0.0) || !(options.penalty_step > 0.0))
        throw argument_error(causalrec::error_message("train", fn, "gradient_penalty and penalty_center must be >= 0 and penalty_step > 0"));
    enable_input_gradient(discriminator);
    rng engine(options.seed);
    auto g_params = generator.parameters();
    auto d_params = discriminator.parameters();
    matrix<T> noise = matrix<T>::from_shape({b, options.noise_size});
    matrix<T> both = matrix<T>::from_shape({2 * b, width}), both_grad = matrix<T>::from_shape({2 * b, std::size_t{1}});
    matrix<T> between = matrix<T>::from_shape({b, width}), fake_grad = matrix<T>::from_shape({b, std::size_t{1}});
    std::vector<T> accumulated, penalty_gradient;
    gan_history history;
    auto draw_noise = [&] {
        for (T& v : noise) v = static_cast<T>(engine.normal());
    };
    for (std::size_t step = 0; step < options.steps; ++step) {
        double d_loss = 0.0, penalty = 0.0;
        for (std::size_t k = 0; k < options.discriminator_steps; ++k) {
            // One pass over b real rows (label 1) stacked on b generated rows (label 0).
            draw_noise();
            const matrix<T>& fake = generator.forward(noise);
            if (fake.shape()[0] != b || fake.shape()[1] != width)
                throw shape_error(causalrec::error_message("train", fn, "the generator returned ", fake.shape()[0], " x ", fake.shape()[1], " for ", b,
                                                           " noise rows; the real rows have ", width, " columns"));
            for (std::size_t r = 0; r < b; ++r) {
                const std::size_t row = engine.uniform_index(n);
                for (std::size_t c = 0; c < width; ++c) both(r, c) = real(row, c), both(b + r, c) = fake(r, c);
            }
            const matrix<T>& logits = discriminator.forward(both);
            detail::check_logits(logits, 2 * b, "real and generated");
            d_loss = 0.0;
            for (std::size_t r = 0; r < 2 * b; ++r) {
                const double l = static_cast<double>(logits(r, 0)), label = r < b ? 1.0 : 0.0;
                d_loss += causalrec::softplus(l) - label * l;  // binary cross-entropy from the logit
                both_grad(r, 0) = static_cast<T>((causalrec::sigmoid(l) - label) / static_cast<double>(2 * b));
            }
            d_loss /= static_cast<double>(2 * b);
            discriminator.backward(both_grad);
            if (options.gradient_penalty > 0.0) {
                detail::collect_gradients(d_params, accumulated, false);
                for (std::size_t r = 0; r < b; ++r) {
                    const T mix = static_cast<T>(engine.uniform());
                    for (std::size_t c = 0; c < width; ++c) between(r, c) = mix * both(r, c) + (T(1) - mix) * both(b + r, c);
                }
                penalty_gradient.assign(accumulated.size(), T(0));
                penalty = discriminator_gradient_penalty(discriminator, between, options.gradient_penalty, options.penalty_center, options.penalty_step,
                                                         penalty_gradient);
                for (std::size_t i = 0; i < accumulated.size(); ++i) accumulated[i] += penalty_gradient[i];
                detail::restore_gradients(d_params, accumulated);
            }
            discriminator_optimizer.step(std::span<const parameter_view<T>>(d_params));
        }
        // The generator: non-saturating loss -log sigmoid(D(G(z))), through D's input gradient.
        draw_noise();
        const matrix<T>& fake = generator.forward(noise);
        const matrix<T>& logits = discriminator.forward(fake);
        detail::check_logits(logits, b, "generated");
        double g_loss = 0.0;
        for (std::size_t r = 0; r < b; ++r) {
            const double l = static_cast<double>(logits(r, 0));
            g_loss += causalrec::softplus(-l);
            fake_grad(r, 0) = static_cast<T>((causalrec::sigmoid(l) - 1.0) / static_cast<double>(b));
        }
        generator.backward(discriminator.backward(fake_grad));
        generator_optimizer.step(std::span<const parameter_view<T>>(g_params));
        history.discriminator_loss.push_back(d_loss);
        history.generator_loss.push_back(g_loss / static_cast<double>(b));
        if (options.gradient_penalty > 0.0) history.gradient_penalty.push_back(penalty);
        if (!std::isfinite(d_loss) || !std::isfinite(g_loss))
            throw numeric_error(causalrec::error_message("train", fn, "the losses are not finite at step ", step, " (discriminator ", d_loss, ", generator ", g_loss, ")"));
    }
    return history;
}

}  // namespace causalrec::train
