// Adversarial training (train/adversarial.hpp): the gradient penalty's parameter gradient against
// central differences of the penalty itself, a GAN that learns a one-dimensional normal distribution
// (with and without the penalty), the generator's gradient through the discriminator's input, errors.
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/adam.hpp>
#include <causalrec/train/adversarial.hpp>

#include <cmath>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_adversarial {

namespace cr = causalrec;
namespace nn = causalrec::nn;
namespace train = causalrec::train;
using Catch::Matchers::WithinAbs;

namespace {

auto small_critic() { return nn::sequential(nn::dense<double>(2, 5, {.seed = 3}), nn::tanh<double>{}, nn::dense<double>(5, 1, {.seed = 4})); }

// The penalty alone (value), for the central differences.
template <class D>
double penalty_value(D& d, const cr::matrix<double>& points, double lambda) {
    std::vector<double> scratch;
    return train::discriminator_gradient_penalty(d, points, lambda, 1.0, 1e-3, scratch);
}

}  // namespace

TEST_CASE("adversarial: the gradient penalty's gradient equals central differences of the penalty", "[train][gan]") {
    auto critic = small_critic();
    cr::matrix<double> points = {{0.3, -1.2}, {1.5, 0.4}, {-0.7, 0.9}, {2.0, -2.0}};
    const double lambda = 10.0;
    std::vector<double> gradient;
    const double value = train::discriminator_gradient_penalty(critic, points, lambda, 1.0, 1e-4, gradient);
    // The penalty by hand from the input gradients: lambda * mean (|g| - 1)^2.
    cr::matrix<double> ones = xt::ones<double>({std::size_t{4}, std::size_t{1}});
    critic.forward(points);
    const cr::matrix<double> g = critic.backward(ones);
    double by_hand = 0.0;
    for (std::size_t r = 0; r < 4; ++r) {
        const double norm = std::hypot(g(r, 0), g(r, 1));
        by_hand += (norm - 1.0) * (norm - 1.0);
    }
    CHECK_THAT(value, WithinAbs(lambda * by_hand / 4.0, 1e-12));
    // d penalty / d theta, value by value.
    auto params = critic.parameters();
    std::size_t k = 0, checked = 0;
    for (auto& p : params)
        for (double& v : p.value) {
            const double saved = v, h = 1e-5;
            v = saved + h;
            const double up = penalty_value(critic, points, lambda);
            v = saved - h;
            const double down = penalty_value(critic, points, lambda);
            v = saved;
            const double numeric = (up - down) / (2 * h);
            INFO("parameter value " << k << ": " << gradient[k] << " vs " << numeric);
            CHECK_THAT(gradient[k], WithinAbs(numeric, 1e-5 + 1e-4 * std::abs(numeric)));
            ++k, ++checked;
        }
    CHECK(checked == 2 * 5 + 5 + 5 + 1);
}

TEST_CASE("adversarial: a GAN learns a normal distribution", "[train][gan]") {
    // Real rows ~ N(3, 0.5^2); generator 4 noise -> 32 relu -> 1; discriminator 1 -> 32 relu -> 1 logit;
    // two discriminator updates per generator update, Adam 1e-3 with beta1 0.5 (Radford et al. 2016).
    // Measured: mean 3.008, sd 0.360 without the penalty; mean 3.022, sd 0.487 with the zero-centred one.
    cr::rng engine(7);
    cr::matrix<double> real = cr::matrix<double>::from_shape({2000, 1});
    for (double& v : real) v = engine.normal(3.0, 0.5);
    for (double penalty : {0.0, 1.0}) {
        INFO("gradient penalty " << penalty);
        auto generator = nn::sequential(nn::dense<double>(4, 32, {.seed = 1}), nn::relu<double>{}, nn::dense<double>(32, 1, {.seed = 2}));
        auto discriminator = nn::sequential(nn::dense<double>(1, 32, {.seed = 3}), nn::relu<double>{}, nn::dense<double>(32, 1, {.seed = 4}));
        cr::optim::adam<double> g_opt({.learning_rate = 1e-3, .beta1 = 0.5}), d_opt({.learning_rate = 1e-3, .beta1 = 0.5});
        const auto history = train::fit_gan(generator, discriminator, g_opt, d_opt, real,
                                             {.steps = 3000, .batch_size = 64, .discriminator_steps = 2, .noise_size = 4, .gradient_penalty = penalty, .seed = 11});
        REQUIRE(history.generator_loss.size() == 3000);
        CHECK(history.gradient_penalty.size() == (penalty > 0.0 ? 3000u : 0u));
        // 4000 generated values.
        cr::matrix<double> noise = cr::matrix<double>::from_shape({4000, 4});
        for (double& v : noise) v = engine.normal();
        const cr::matrix<double> fake = generator.forward(noise);
        double mean = 0.0, var = 0.0;
        for (double v : fake) mean += v;
        mean /= 4000.0;
        for (double v : fake) var += (v - mean) * (v - mean);
        const double sd = std::sqrt(var / 4000.0);
        INFO("generated mean " << mean << ", sd " << sd);
        CHECK_THAT(mean, WithinAbs(3.0, 0.1));
        CHECK(sd > 0.3);
        CHECK(sd < 0.7);
        // At the equilibrium the discriminator cannot tell: its loss is near log 4 / 2 = ln 2.
        double late = 0.0;
        for (std::size_t s = 2500; s < 3000; ++s) late += history.discriminator_loss[s];
        CHECK_THAT(late / 500.0, WithinAbs(std::log(2.0), 0.05));
    }
}

TEST_CASE("adversarial: errors", "[train][gan][errors]") {
    auto generator = nn::sequential(nn::dense<double>(2, 3), nn::relu<double>{}, nn::dense<double>(3, 2));
    auto discriminator = nn::sequential(nn::dense<double>(1, 3), nn::relu<double>{}, nn::dense<double>(3, 1));
    cr::optim::adam<double> a, b;
    cr::matrix<double> real = xt::ones<double>({std::size_t{10}, std::size_t{1}});
    CHECK_THROWS_AS(train::fit_gan(generator, discriminator, a, b, real, {.steps = 1, .noise_size = 0}), cr::argument_error);
    CHECK_THROWS_AS(train::fit_gan(generator, discriminator, a, b, real, {.steps = 1, .batch_size = 0, .noise_size = 2}), cr::argument_error);
    // The generator makes 2 columns, the real rows have 1.
    CHECK_THROWS_AS(train::fit_gan(generator, discriminator, a, b, real, {.steps = 1, .noise_size = 2}), cr::shape_error);
    // A discriminator with two outputs is not a discriminator.
    auto two = nn::sequential(nn::dense<double>(2, 2));
    cr::matrix<double> real2 = xt::ones<double>({std::size_t{10}, std::size_t{2}});
    CHECK_THROWS_AS(train::fit_gan(generator, two, a, b, real2, {.steps = 1, .noise_size = 2}), cr::shape_error);
}

}  // namespace causalrec_test_adversarial
