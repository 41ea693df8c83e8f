// The Rényi DP accountant (privacy/accountant.hpp) against the values of TensorFlow Privacy's and
// Opacus's own tests, the closed forms at q = 1 and q = 0, integer and fractional orders against each
// other, the noise multiplier for a target epsilon, errors.
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/privacy/privacy.hpp>
#include <causalrec/train/train.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_privacy {

namespace cr = causalrec;
namespace privacy = causalrec::privacy;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("privacy: epsilon of DP-SGD runs equals TensorFlow Privacy's and Opacus's test values", "[privacy]") {
    // TensorFlow Privacy (compute_dp_sgd_privacy tests): n 60000, batch 150, sigma 1.3, 15 epochs, delta 1e-5.
    const auto mnist = privacy::dp_sgd_privacy(150.0 / 60000.0, 1.3, 15 * 60000 / 150, 1e-5);
    CHECK_THAT(mnist.epsilon, WithinRel(0.7242234026, 1e-6));
    CHECK(mnist.order == 19.0);
    // n 100000, batch 100, sigma 1.0, 30 epochs, delta 1e-7.
    const auto large = privacy::dp_sgd_privacy(100.0 / 100000.0, 1.0, 30 * 100000 / 100, 1e-7);
    CHECK_THAT(large.epsilon, WithinRel(1.4154988495, 1e-6));
    CHECK(large.order == 13.0);
    // Opacus (test_privacy_engine / RDP accountant): q 0.04, sigma 1.5, 2250 steps, delta 1e-5.
    const auto opacus = privacy::dp_sgd_privacy(0.04, 1.5, 2250, 1e-5);
    CHECK_THAT(opacus.epsilon, WithinRel(7.3291111714, 1e-6));
    CHECK_THAT(opacus.order, WithinAbs(3.9, 1e-12));
    // Composition is additive: two halves equal the whole.
    privacy::rdp_accountant halves;
    halves.compose(0.04, 1.5, 1125), halves.compose(0.04, 1.5, 1125);
    CHECK_THAT(halves.epsilon(1e-5), WithinRel(opacus.epsilon, 1e-12));
}

TEST_CASE("privacy: the sampled Gaussian's RDP by hand", "[privacy]") {
    // q = 1: the Gaussian mechanism, alpha / (2 sigma^2); q = 0: nothing released.
    CHECK_THAT(privacy::rdp_sampled_gaussian(1.0, 2.0, 3.5), WithinRel(3.5 / 8.0, 1e-15));
    CHECK(privacy::rdp_sampled_gaussian(0.0, 2.0, 3.5) == 0.0);
    // Order 2 by the binomial sum: A_2 = (1 - q)^2 + 2 q (1 - q) + q^2 e^(1/sigma^2) = 1 + q^2 (e^(1/sigma^2) - 1);
    // RDP = log A_2 (3.7700224391936e-4 here; the sum of three logs agrees to about 1e-12).
    const double q = 0.01, sigma = 0.8;
    CHECK_THAT(privacy::rdp_sampled_gaussian(q, sigma, 2.0), WithinRel(std::log1p(q * q * std::expm1(1.0 / (sigma * sigma))), 1e-11));
    // The fractional series is continuous with the integer sum on both sides of an integer order.
    const double at3 = privacy::rdp_sampled_gaussian(q, sigma, 3.0);
    CHECK_THAT(privacy::rdp_sampled_gaussian(q, sigma, 3.0 - 1e-9), WithinRel(at3, 1e-6));
    CHECK_THAT(privacy::rdp_sampled_gaussian(q, sigma, 3.0 + 1e-9), WithinRel(at3, 1e-6));
    // RDP grows with the order and with q, falls with sigma.
    CHECK(privacy::rdp_sampled_gaussian(q, sigma, 4.5) > privacy::rdp_sampled_gaussian(q, sigma, 3.5));
    CHECK(privacy::rdp_sampled_gaussian(0.02, sigma, 3.5) > privacy::rdp_sampled_gaussian(q, sigma, 3.5));
    CHECK(privacy::rdp_sampled_gaussian(q, 1.5, 3.5) < privacy::rdp_sampled_gaussian(q, sigma, 3.5));
    // Subsampling amplifies privacy: at small q the RDP is far below the unsampled mechanism's.
    CHECK(privacy::rdp_sampled_gaussian(q, sigma, 3.5) < q * privacy::rdp_sampled_gaussian(1.0, sigma, 3.5));
}

TEST_CASE("privacy: the noise multiplier for a target epsilon", "[privacy]") {
    const double sigma = privacy::noise_multiplier_for(0.7242234026, 150.0 / 60000.0, 6000, 1e-5);
    CHECK_THAT(sigma, WithinRel(1.3, 1e-5));
    for (double target : {1.0, 3.0, 8.0}) {
        const double s = privacy::noise_multiplier_for(target, 256.0 / 60000.0, 60 * 60000 / 256, 1e-5);
        INFO("epsilon " << target << ": sigma " << s);
        CHECK(privacy::dp_sgd_privacy(256.0 / 60000.0, s, 60 * 60000 / 256, 1e-5).epsilon <= target);
        CHECK(privacy::dp_sgd_privacy(256.0 / 60000.0, s * (1 - 1e-4), 60 * 60000 / 256, 1e-5).epsilon > target);
    }
}

TEST_CASE("privacy: errors", "[privacy][errors]") {
    CHECK_THROWS_AS(privacy::rdp_sampled_gaussian(1.5, 1.0, 2.0), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_sampled_gaussian(0.1, 0.0, 2.0), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_sampled_gaussian(0.1, 1.0, 1.0), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_accountant(std::vector<double>{}), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_accountant(std::vector<double>{0.5, 2.0}), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_accountant().spent(0.0), cr::argument_error);
    CHECK_THROWS_AS(privacy::noise_multiplier_for(0.0, 0.01, 100, 1e-5), cr::argument_error);
    // Nothing composed: nothing spent.
    CHECK(privacy::rdp_accountant().epsilon(1e-5) == 0.0);
}

// ---------------------------------------------------------------------------------------------
// DP-SGD (privacy/dp_sgd.hpp): per-sample gradients, clipping, noise, sampling and accounting.



namespace {

namespace nn = causalrec::nn;

cr::matrix<double> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed, double scale = 1.0) {
    cr::rng engine(seed);
    auto m = cr::make_matrix<double>(rows, cols);
    for (double& v : m) v = scale * engine.normal();
    return m;
}

/// Every parameter's gradient, flattened (sparse ones: the whole buffer).
template <class M>
std::vector<double> gradients_of(M& model) {
    std::vector<double> out;
    for (const auto& p : model.parameters()) out.insert(out.end(), p.grad.begin(), p.grad.end());
    return out;
}

template <class M>
std::vector<double> values_of(M& model) {
    std::vector<double> out;
    for (const auto& p : model.parameters()) out.insert(out.end(), p.value.begin(), p.value.end());
    return out;
}

/// Checks that rescale_per_sample(e_i) gives row i's share of the batch gradient, i.e. the gradient
/// of a one-row pass divided by the batch size, and that the per-sample norms are those gradients'.
/// `valid(k)` says which flattened gradient entries a batch pass defines (an embedding's touched rows).
template <class M, class Valid>
void check_per_sample_gradients(M& model, const cr::matrix<double>& X, const cr::matrix<double>& Y, Valid valid) {
    const std::size_t batch = X.shape()[0];
    const cr::loss::mse loss;
    auto grad = cr::make_matrix<double>(0, 0);
    loss.value_and_gradient(model.forward(X), Y, {}, grad);
    model.backward(grad);
    std::vector<double> norms(batch, 0.0);
    model.add_per_sample_squared_norms(norms);
    std::vector<std::vector<double>> per_sample;
    for (std::size_t i = 0; i < batch; ++i) {
        std::vector<double> unit(batch, 0.0);
        unit[i] = 1.0;
        model.rescale_per_sample(unit);
        per_sample.push_back(gradients_of(model));
    }
    for (std::size_t i = 0; i < batch; ++i) {
        auto xi = cr::make_matrix<double>(1, X.shape()[1]);
        auto yi = cr::make_matrix<double>(1, Y.shape()[1]);
        std::copy_n(X.data() + i * X.shape()[1], X.shape()[1], xi.data());
        std::copy_n(Y.data() + i * Y.shape()[1], Y.shape()[1], yi.data());
        // Zero the gradients first: an embedding's rows untouched by this one row keep stale values.
        for (const auto& p : model.parameters()) std::fill(p.grad.begin(), p.grad.end(), 0.0);
        loss.value_and_gradient(model.forward(xi), yi, {}, grad);
        model.backward(grad);
        const auto reference = gradients_of(model);
        double squared = 0.0;
        for (std::size_t k = 0; k < reference.size(); ++k) {
            if (!valid(k)) continue;
            CHECK_THAT(per_sample[i][k], WithinAbs(reference[k] / static_cast<double>(batch), 1e-12));
            squared += per_sample[i][k] * per_sample[i][k];
        }
        CHECK_THAT(norms[i], WithinRel(squared, 1e-10));
    }
}

/// The supervised gradient of one row (mean loss over one row = the row's own loss gradient).
template <class M, class L>
std::vector<double> row_gradient(M& model, const L& loss, const cr::matrix<double>& X, const cr::matrix<double>& Y, std::size_t i) {
    auto xi = cr::make_matrix<double>(1, X.shape()[1]);
    auto yi = cr::make_matrix<double>(1, Y.shape()[1]);
    std::copy_n(X.data() + i * X.shape()[1], X.shape()[1], xi.data());
    std::copy_n(Y.data() + i * Y.shape()[1], Y.shape()[1], yi.data());
    auto grad = cr::make_matrix<double>(0, 0);
    for (const auto& p : model.parameters()) std::fill(p.grad.begin(), p.grad.end(), 0.0);
    loss.value_and_gradient(model.forward(xi), yi, {}, grad);
    model.backward(grad);
    return gradients_of(model);
}

}  // namespace

TEST_CASE("dp_sgd: per-sample gradients of dense layers equal one-row backward passes", "[privacy][dp_sgd]") {
    auto model = nn::sequential(nn::dense<double>(4, 6), nn::tanh<double>{}, nn::dense<double>(6, 3), nn::relu<double>{},
                                nn::dense<double>(3, 2));
    model.initialize(3);
    static_assert(decltype(model)::has_per_sample_gradients);
    const auto X = random_matrix(7, 4, 11), Y = random_matrix(7, 2, 12);
    check_per_sample_gradients(model, X, Y, [](std::size_t) { return true; });
}

TEST_CASE("dp_sgd: per-sample gradients of an embedding (repeated ids in a row) equal one-row backward passes",
          "[privacy][dp_sgd]") {
    auto model = nn::sequential(nn::embedding<double>(5, 3, {.init_stddev = 0.5, .seed = 1}), nn::dense<double>(9, 4),
                                nn::sigmoid<double>{}, nn::dense<double>(4, 1));
    model.initialize(5);
    // Three id fields per row; rows 0 and 3 repeat an id, row 2 shares ids with row 1.
    cr::matrix<double> ids = {{0, 2, 0}, {1, 3, 4}, {3, 1, 1}, {2, 2, 2}, {4, 0, 1}};
    const auto Y = random_matrix(5, 1, 13);
    // Every id appears in the batch, so the whole table's gradient is defined.
    check_per_sample_gradients(model, ids, Y, [](std::size_t) { return true; });
    static_assert(!nn::sequential<nn::layer_norm<double>, nn::dense<double>>::has_per_sample_gradients);
}

TEST_CASE("dp_sgd: with sigma 0 a step is the mean of the clipped per-sample gradients", "[privacy][dp_sgd]") {
    const auto X = random_matrix(10, 3, 21), Y = random_matrix(10, 1, 22, 3.0);
    const cr::loss::mse loss;
    const double clip = 0.8, lr = 0.5;
    for (const auto method : {privacy::per_sample_method::automatic, privacy::per_sample_method::loop}) {
        auto model = nn::sequential(nn::dense<double>(3, 4), nn::tanh<double>{}, nn::dense<double>(4, 1));
        model.initialize(9);
        const auto before = values_of(model);
        // The expected step: lr / 10 * sum_i clip(g_i), with g_i the gradient of row i's loss.
        std::vector<double> expected(before.size(), 0.0);
        std::size_t clipped = 0;
        for (std::size_t i = 0; i < 10; ++i) {
            const auto g = row_gradient(model, loss, X, Y, i);
            const double norm = std::sqrt(std::inner_product(g.begin(), g.end(), g.begin(), 0.0));
            const double c = std::min(1.0, clip / (norm + 1e-6));
            clipped += c < 1.0;
            for (std::size_t k = 0; k < g.size(); ++k) expected[k] += c * g[k];
        }
        REQUIRE(clipped >= 3);   // the bound bites on some rows ...
        REQUIRE(clipped <= 9);   // ... and not on all of them
        privacy::dp_sgd dp(cr::optim::sgd<double>({.learning_rate = lr}),
                           {.noise_multiplier = 0.0, .max_grad_norm = clip, .poisson_sampling = false, .per_sample = method});
        const auto h = cr::train::fit(model, loss, dp, X, Y, {.epochs = 1, .batch_size = 0, .shuffle = false, .verbose = 0});
        const auto after = values_of(model);
        for (std::size_t k = 0; k < before.size(); ++k) CHECK_THAT(after[k], WithinAbs(before[k] - lr * expected[k] / 10.0, 1e-12));
        CHECK(std::isinf(h.metrics.at("epsilon").front()));  // no noise: no privacy
        CHECK(dp.steps() == 1);
    }
}

TEST_CASE("dp_sgd: the one-pass and the per-sample-loop clipping agree on an embedding model", "[privacy][dp_sgd]") {
    cr::matrix<double> ids = {{0, 2}, {1, 3}, {3, 1}, {2, 2}, {4, 0}, {5, 5}, {1, 0}, {2, 4}};
    const auto Y = random_matrix(8, 1, 31);
    auto make = [] {
        auto m = nn::sequential(nn::embedding<double>(8, 3, {.init_stddev = 0.5, .seed = 2}), nn::dense<double>(6, 4),
                                nn::tanh<double>{}, nn::dense<double>(4, 1));
        m.initialize(4);
        return m;
    };
    auto fast = make(), looped = make();
    const auto before = values_of(fast);
    auto train = [&](auto& model, privacy::per_sample_method method) {
        privacy::dp_sgd dp(cr::optim::sgd<double>({.learning_rate = 0.3}),
                           {.noise_multiplier = 0.0, .max_grad_norm = 0.05, .poisson_sampling = false, .per_sample = method});
        cr::train::fit(model, cr::loss::mse{}, dp, ids, Y, {.epochs = 3, .batch_size = 4, .verbose = 0});
    };
    train(fast, privacy::per_sample_method::automatic);
    train(looped, privacy::per_sample_method::loop);
    const auto a = values_of(fast), b = values_of(looped);
    for (std::size_t k = 0; k < a.size(); ++k) CHECK_THAT(a[k], WithinAbs(b[k], 1e-12));
    // Ids 6 and 7 never occur: with sigma 0 and plain SGD their rows do not move (gradient zero, not stale).
    for (std::size_t k = 6 * 3; k < 8 * 3; ++k) CHECK(a[k] == before[k]);
    CHECK(a[0] != before[0]);
}

TEST_CASE("dp_sgd: the noise is N(0, (sigma C)^2) on every coordinate of the clipped sum", "[privacy][dp_sgd]") {
    const auto X = random_matrix(40, 20, 41), Y = random_matrix(40, 1, 42);
    auto make = [] {
        auto m = nn::sequential(nn::dense<double>(20, 60), nn::relu<double>{}, nn::dense<double>(60, 1));
        m.initialize(6);
        return m;
    };
    auto quiet = make(), noisy = make();
    const double sigma = 3.0, clip = 0.5, lr = 1.0;
    auto train = [&](auto& model, double noise) {
        privacy::dp_sgd dp(cr::optim::sgd<double>({.learning_rate = lr}),
                           {.noise_multiplier = noise, .max_grad_norm = clip, .delta = 1e-3, .poisson_sampling = false, .seed = 1});
        cr::train::fit(model, cr::loss::mse{}, dp, X, Y, {.epochs = 1, .batch_size = 0, .verbose = 0});
    };
    train(quiet, 0.0);
    train(noisy, sigma);
    const auto a = values_of(quiet), b = values_of(noisy);
    // One full-batch step: the parameters differ by lr / 40 times the noise.
    std::vector<double> noise(a.size());
    for (std::size_t k = 0; k < a.size(); ++k) noise[k] = (a[k] - b[k]) * 40.0 / lr;
    const double n = static_cast<double>(noise.size());
    const double mean = std::accumulate(noise.begin(), noise.end(), 0.0) / n;
    double var = 0.0;
    for (double v : noise) var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / (n - 1));
    CHECK(noise.size() == 20 * 60 + 60 + 60 + 1);
    CHECK(std::abs(mean) < 4.0 * sigma * clip / std::sqrt(n));
    CHECK_THAT(sd, WithinRel(sigma * clip, 0.06));  // 1,321 draws: the sample sd's standard error is 2%
}

namespace {

/// Least squares w . x_i = y_i as an objective of its own (no model): the per-sample loop path, and a
/// record of the batch sizes it is asked for.
struct least_squares_objective {
    using value_type = double;
    const cr::matrix<double>* x;
    const std::vector<double>* y;
    std::vector<double> w = std::vector<double>(3, 0.0), g = std::vector<double>(3, 0.0);
    std::vector<std::size_t> shape{3};
    std::vector<std::size_t> batch_sizes{};
    std::size_t samples() const { return x->shape()[0]; }
    std::vector<cr::parameter_view<double>> parameters() { return {{.name = "w", .value = w, .grad = g, .shape = shape}}; }
    double loss_and_gradient(std::span<const std::size_t> rows) {
        batch_sizes.push_back(rows.size());
        std::fill(g.begin(), g.end(), 0.0);
        double total = 0.0;
        for (std::size_t i : rows) {
            double r = -(*y)[i];
            for (std::size_t j = 0; j < 3; ++j) r += w[j] * (*x)(i, j);
            total += 0.5 * r * r;
            for (std::size_t j = 0; j < 3; ++j) g[j] += r * (*x)(i, j) / static_cast<double>(rows.size());
        }
        return total / static_cast<double>(rows.size());
    }
};

}  // namespace

TEST_CASE("dp_sgd: Poisson batches, epsilon per epoch in the History, composition over runs", "[privacy][dp_sgd]") {
    const auto X = random_matrix(500, 3, 51);
    std::vector<double> y(500);
    for (std::size_t i = 0; i < 500; ++i) y[i] = X(i, 0) - 2.0 * X(i, 2);
    least_squares_objective objective{.x = &X, .y = &y};
    privacy::dp_sgd dp(cr::optim::sgd<double>({.learning_rate = 0.2}), {.noise_multiplier = 1.1, .max_grad_norm = 5.0, .seed = 3});
    auto wrapped = dp.wrap(objective);
    CHECK_FALSE(wrapped.per_sample_without_loop());
    const auto h = cr::train::fit(wrapped, dp, {.epochs = 40, .batch_size = 25, .verbose = 0});
    // 20 steps an epoch at q = 25 / 500: epsilon after e epochs is the accountant's for 20 e steps.
    const auto& eps = h.metrics.at("epsilon");
    REQUIRE(eps.size() == 40);
    for (std::size_t e : {0, 9, 39})
        CHECK_THAT(eps[e], WithinRel(privacy::dp_sgd_privacy(0.05, 1.1, 20 * (e + 1), 1e-5).epsilon, 1e-12));
    CHECK(std::is_sorted(eps.begin(), eps.end()));
    CHECK(dp.steps() == 800);
    // Poisson batch sizes: mean q n = 25, variance n q (1 - q) = 23.75.
    // (the per-sample loop asks the objective for one row at a time: the calls count the sampled rows)
    const auto& sizes = objective.batch_sizes;
    CHECK(std::all_of(sizes.begin(), sizes.end(), [](std::size_t s) { return s == 1; }));
    const double mean_batch = static_cast<double>(sizes.size()) / 800.0;
    CHECK_THAT(mean_batch, WithinAbs(25.0, 4.0 * std::sqrt(23.75 / 800.0)));
    // The noisy training still finds w = (1, 0, -2) roughly (the clip bound is loose here).
    CHECK_THAT(objective.w[0], WithinAbs(1.0, 0.25));
    CHECK_THAT(objective.w[2], WithinAbs(-2.0, 0.25));
    // A second run composes with the first: 20 more epochs at a batch of 50 (q = 0.1).
    auto again = dp.wrap(objective);
    const auto h2 = cr::train::fit(again, dp, {.epochs = 20, .batch_size = 50, .verbose = 0});
    privacy::rdp_accountant both;
    both.compose(0.05, 1.1, 800);
    both.compose(0.1, 1.1, 200);
    CHECK_THAT(h2.metrics.at("epsilon").back(), WithinRel(both.epsilon(1e-5), 1e-12));
    CHECK_THAT(dp.epsilon(), WithinRel(both.epsilon(1e-5), 1e-12));
}

TEST_CASE("dp_sgd: errors", "[privacy][dp_sgd][errors]") {
    using opt = cr::optim::sgd<double>;
    CHECK_THROWS_AS(privacy::dp_sgd(opt{}, {.noise_multiplier = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(privacy::dp_sgd(opt{}, {.max_grad_norm = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(privacy::dp_sgd(opt{}, {.delta = 1.0}), cr::argument_error);
    CHECK_THROWS_AS(privacy::dp_sgd(opt{}, {.orders = {}}), cr::argument_error);
    // delta must be below 1 / samples (checked when the sample count is known).
    const auto X = random_matrix(50, 3, 61), Y = random_matrix(50, 1, 62);
    auto model = nn::sequential(nn::dense<double>(3, 1));
    privacy::dp_sgd loose(opt{}, {.delta = 0.05});
    CHECK_THROWS_AS(cr::train::fit(model, cr::loss::mse{}, loose, X, Y, {.epochs = 1, .verbose = 0}), cr::argument_error);
    // The optimizer refuses gradients that were not clipped per sample (an unwrapped objective).
    const std::vector<double> y(50, 1.0);
    least_squares_objective objective{.x = &X, .y = &y};
    privacy::dp_sgd dp(opt{});
    CHECK_THROWS_WITH(cr::train::fit(objective, dp, {.epochs = 1, .verbose = 0}),
                      Catch::Contains("not clipped per sample"));
    CHECK_THROWS_AS(privacy::noise_multiplier_for_training(1.0, 0, 10, 1, 1e-5), cr::argument_error);
    // delta must be below 1 / samples, as dp_sgd requires when it trains (checked up front here).
    CHECK_THROWS_WITH(privacy::noise_multiplier_for_training(3.0, 1000, 100, 10, 1e-2),
                      Catch::Contains("noise_multiplier_for_training: delta 0.01 is not in (0, 1 / samples) (1000 samples)"));
    CHECK_THROWS_AS(privacy::noise_multiplier_for_training(3.0, 1000, 100, 10, 0.0), cr::argument_error);
    // dp_sgd_privacy names itself in its errors.
    CHECK_THROWS_WITH(privacy::dp_sgd_privacy(1.5, 1.0, 10, 1e-5), Catch::Contains("causalrec::privacy::dp_sgd_privacy: q must be in [0, 1], got 1.5"));
    CHECK_THROWS_WITH(privacy::dp_sgd_privacy(0.1, 1.0, 10, 0.0), Catch::Contains("causalrec::privacy::dp_sgd_privacy: delta must be in (0, 1), got 0"));
    // A target epsilon met by the training's steps.
    const double sigma = privacy::noise_multiplier_for_training(3.0, 16000, 256, 20, 1e-5);
    CHECK(privacy::dp_sgd_privacy(256.0 / 16000.0, sigma, 20 * 63, 1e-5).epsilon <= 3.0);
}

TEST_CASE("dp_sgd: the ziggurat noise is standard normal", "[privacy][dp_sgd]") {
    // 200,000 draws: mean, variance, the Kolmogorov-Smirnov distance to the normal CDF, both tails.
    cr::rng engine(17);
    const auto& tables = privacy::detail::ziggurat();
    const std::size_t n = 200000;
    std::vector<double> draws(n);
    for (double& v : draws) v = privacy::detail::ziggurat_normal(engine, tables);
    const double mean = std::accumulate(draws.begin(), draws.end(), 0.0) / static_cast<double>(n);
    double var = 0.0;
    for (double v : draws) var += (v - mean) * (v - mean);
    var /= static_cast<double>(n - 1);
    CHECK(std::abs(mean) < 4.0 / std::sqrt(static_cast<double>(n)));
    CHECK_THAT(var, WithinAbs(1.0, 4.0 * std::sqrt(2.0 / static_cast<double>(n))));
    std::sort(draws.begin(), draws.end());
    double ks = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double F = 0.5 * std::erfc(-draws[i] / std::sqrt(2.0));
        ks = std::max({ks, std::abs(F - static_cast<double>(i) / n), std::abs(F - static_cast<double>(i + 1) / n)});
    }
    CHECK(ks * std::sqrt(static_cast<double>(n)) < 1.63);  // the KS test's 1% critical value
    // Beyond the ziggurat's base layer (r = 3.654): P(|z| > 3.654) = 2.58e-4, about 52 of 200,000.
    const auto beyond = std::count_if(draws.begin(), draws.end(), [](double v) { return std::abs(v) > 3.6541528853610088; });
    CHECK(beyond > 52 - 4 * 7);
    CHECK(beyond < 52 + 4 * 7);
    CHECK(draws.front() < -3.6541528853610088);
    CHECK(draws.back() > 3.6541528853610088);
}

}  // namespace causalrec_test_privacy
