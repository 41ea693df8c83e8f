// Layers for sequence batches in the (B * L) x d layout: layer normalisation and multi-head
// self-attention. Gradients against central differences (double, relative error < 1e-6); the causal
// and padding masks by perturbing the positions a row must not see; hand-computed values.
#include <causalrec/nn/attention.hpp>
#include <causalrec/nn/layer_norm.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "catch.hpp"
#include "gradient_check.hpp"

namespace cr = causalrec;
namespace nn = causalrec::nn;

using causalrec::testing::gradient_check;
using causalrec::testing::random_matrix;

// Relative errors below count from 1e-2 up: the central differences carry about 1e-9 of rounding,
// and the gradient of the key bias is exactly zero (a constant added to every score of a row
// leaves its softmax unchanged), so its finite differences are rounding alone.
constexpr double gradient_floor = 1e-2;

TEST_CASE("layer_norm: hand values, gamma and beta, errors", "[nn][layer_norm]") {
    nn::layer_norm<double> layer(3, {.epsilon = 1e-12});
    cr::matrix<double> x = {{1, 2, 3}, {5, 5, 5}};
    auto y = layer.forward(x);
    // Row 1: mean 2, variance 2/3, so (x - 2) / sqrt(2/3) = -1.2247, 0, 1.2247. Row 2: constant -> 0.
    CHECK(y(0, 0) == Approx(-std::sqrt(1.5)).epsilon(1e-10));
    CHECK(y(0, 1) == Approx(0.0).margin(1e-12));
    CHECK(y(0, 2) == Approx(std::sqrt(1.5)).epsilon(1e-10));
    CHECK(y(1, 1) == 0.0);
    layer.gamma() = {2, 2, 2};
    layer.beta() = {1, 1, 1};
    y = layer.forward(x);
    CHECK(y(0, 2) == Approx(1 + 2 * std::sqrt(1.5)).epsilon(1e-10));
    // Inference in place equals forward.
    cr::matrix<double> z = x;
    layer.infer(z.data(), 2, 3, z.data());
    CHECK(z(0, 0) == Approx(y(0, 0)).epsilon(1e-15));
    CHECK_THROWS_AS(nn::layer_norm<double>(0), cr::argument_error);
    CHECK_THROWS_WITH(nn::layer_norm<double>(3, {.epsilon = 0.0}), Catch::Contains("epsilon must be finite and > 0"));
    CHECK_THROWS_AS(layer.forward(cr::matrix<double>{{1, 2}}), cr::shape_error);
}

TEST_CASE("layer_norm: gradient check in double", "[nn][layer_norm][gradcheck]") {
    cr::rng engine(5);
    nn::layer_norm<double> layer(6);
    for (auto& v : layer.gamma()) v = engine.normal();
    for (auto& v : layer.beta()) v = engine.normal();
    CHECK(gradient_check(layer, random_matrix(7, 6, engine), random_matrix(7, 6, engine), true, gradient_floor) < 1e-6);
}

TEST_CASE("self_attention: one head, one feature, by hand", "[nn][attention]") {
    // W_q = W_k = W_v = 1, no biases, no output projection: q = k = v = x. Sequence x = (1, 2):
    // position 0 sees itself only -> 1; position 1 scores (2 * 1, 2 * 2) / sqrt(1) -> weights
    // e^2 / (e^2 + e^4), e^4 / (e^2 + e^4) -> (e^2 + 2 e^4) / (e^2 + e^4).
    nn::self_attention<double> layer(1, 2, {.output_projection = false});
    for (auto& p : layer.parameters()) std::fill(p.value.begin(), p.value.end(), p.name.ends_with("weight") ? 1.0 : 0.0);
    const cr::matrix<double> x = {{1}, {2}};
    const auto& y = layer.forward(x);
    const double e2 = std::exp(2.0), e4 = std::exp(4.0);
    CHECK(y(0, 0) == Approx(1.0).epsilon(1e-14));
    CHECK(y(1, 0) == Approx((e2 + 2 * e4) / (e2 + e4)).epsilon(1e-14));
    const auto w = layer.attention_weights(0, 0);
    CHECK(w[1] == 0.0);  // position 0 does not see position 1
    CHECK(w[2] == Approx(e2 / (e2 + e4)).epsilon(1e-14));
}

TEST_CASE("self_attention: gradient checks in double", "[nn][attention][gradcheck]") {
    cr::rng engine(11);
    auto randomize = [&](nn::self_attention<double>& layer) {
        for (auto& p : layer.parameters())
            for (auto& v : p.value) v = 0.5 * engine.normal();
    };
    SECTION("one head, causal, output projection; three sequences of four") {
        nn::self_attention<double> layer(4, 4, {.heads = 1, .seed = 3});
        randomize(layer);
        CHECK(gradient_check(layer, random_matrix(12, 4, engine), random_matrix(12, 4, engine), true, gradient_floor) < 1e-6);
    }
    SECTION("two heads, not causal, no output projection") {
        nn::self_attention<double> layer(6, 3, {.heads = 2, .causal = false, .output_projection = false, .seed = 4});
        randomize(layer);
        CHECK(gradient_check(layer, random_matrix(6, 6, engine), random_matrix(6, 6, engine), true, gradient_floor) < 1e-6);
    }
    SECTION("three heads, causal, left padding") {
        nn::self_attention<double> layer(6, 5, {.heads = 3, .seed = 5});
        randomize(layer);
        const std::vector<std::uint8_t> real = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
        layer.set_padding_mask(real);
        CHECK(gradient_check(layer, random_matrix(10, 6, engine), random_matrix(10, 6, engine), true, gradient_floor) < 1e-6);
    }
    SECTION("queries and keys from different inputs (SASRec: normalised queries, raw keys)") {
        nn::self_attention<double> layer(4, 3, {.heads = 2, .seed = 6});
        randomize(layer);
        auto xq = random_matrix(6, 4, engine), xk = random_matrix(6, 4, engine);
        const auto g = random_matrix(6, 4, engine);
        auto f = [&]() {
            const auto& y = layer.forward(xq, xk);
            double s = 0;
            for (std::size_t i = 0; i < y.size(); ++i) s += y.data()[i] * g.data()[i];
            return s;
        };
        f();
        const cr::matrix<double> dq = layer.backward(g);
        const cr::matrix<double> dk = layer.key_gradient();
        double worst = 0.0;
        const double h = 1e-6;
        for (auto* pair : {&xq, &xk}) {
            const cr::matrix<double>& analytic = pair == &xq ? dq : dk;
            for (std::size_t i = 0; i < pair->size(); ++i) {
                const double keep = pair->data()[i];
                pair->data()[i] = keep + h;
                const double up = f();
                pair->data()[i] = keep - h;
                const double down = f();
                pair->data()[i] = keep;
                const double numeric = (up - down) / (2 * h), a = analytic.data()[i];
                worst = std::max(worst, std::abs(a - numeric) / std::max({std::abs(a), std::abs(numeric), gradient_floor}));
            }
        }
        CHECK(worst < 1e-6);
    }
}

TEST_CASE("self_attention: a position gets no information from later positions", "[nn][attention]") {
    cr::rng engine(21);
    nn::self_attention<double> layer(8, 6, {.heads = 2, .seed = 9});
    auto x = random_matrix(12, 8, engine);
    const cr::matrix<double> before = layer.forward(x);
    // Perturb positions 4 and 5 of both sequences: positions 0..3 must not change at all.
    for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t t = 4; t < 6; ++t)
            for (std::size_t j = 0; j < 8; ++j) x(b * 6 + t, j) += 3.0 * engine.normal();
    const auto& after = layer.forward(x);
    for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t t = 0; t < 6; ++t)
            for (std::size_t j = 0; j < 8; ++j) {
                if (t < 4) CHECK(after(b * 6 + t, j) == before(b * 6 + t, j));
                else CHECK(after(b * 6 + t, j) != before(b * 6 + t, j));
            }
}

TEST_CASE("self_attention: padding rows are never attended to and get no gradient", "[nn][attention]") {
    cr::rng engine(31);
    nn::self_attention<double> layer(4, 5, {.heads = 2, .seed = 2});
    const std::vector<std::uint8_t> real = {0, 0, 1, 1, 1};
    layer.set_padding_mask(real);
    auto x = random_matrix(5, 4, engine);
    const cr::matrix<double> before = layer.forward(x);
    for (std::size_t j = 0; j < 4; ++j) x(0, j) += 10.0, x(1, j) -= 7.0;
    const cr::matrix<double> after = layer.forward(x);
    for (std::size_t t = 0; t < 5; ++t)
        for (std::size_t j = 0; j < 4; ++j) CHECK(after(t, j) == before(t, j));
    // Weights of the first real position: all on itself.
    const auto w = layer.attention_weights(0, 1);
    CHECK(w[2 * 5 + 0] == 0.0);
    CHECK(w[2 * 5 + 1] == 0.0);
    CHECK(w[2 * 5 + 2] == Approx(1.0).epsilon(1e-15));
    const auto dx = layer.backward(random_matrix(5, 4, engine));
    for (std::size_t j = 0; j < 4; ++j) {
        CHECK(dx(0, j) == 0.0);
        CHECK(dx(1, j) == 0.0);
        CHECK(dx(2, j) != 0.0);
    }
}

TEST_CASE("self_attention: attention dropout only in training, weights keep their expectation", "[nn][attention]") {
    cr::rng engine(41);
    nn::self_attention<double> layer(4, 8, {.heads = 1, .dropout = 0.5, .causal = false, .seed = 1});
    const auto x = random_matrix(8 * 200, 4, engine);
    const cr::matrix<double> plain = layer.forward(x);
    layer.set_training(true);
    const cr::matrix<double> dropped = layer.forward(x);
    layer.set_training(false);
    const cr::matrix<double> again = layer.forward(x);
    CHECK(again == plain);
    CHECK(dropped != plain);
    // Mean over 1600 rows: inverted dropout keeps E[output] (within 4 standard errors, loosely).
    double mean_plain = 0, mean_dropped = 0;
    for (std::size_t i = 0; i < plain.size(); ++i) mean_plain += plain.data()[i], mean_dropped += dropped.data()[i];
    mean_plain /= static_cast<double>(plain.size()), mean_dropped /= static_cast<double>(plain.size());
    CHECK(std::abs(mean_dropped - mean_plain) < 0.1);
}

TEST_CASE("self_attention: errors", "[nn][attention][errors]") {
    CHECK_THROWS_WITH(nn::self_attention<double>(6, 4, {.heads = 4}), Catch::Contains("heads (4) must divide the width (6)"));
    CHECK_THROWS_WITH(nn::self_attention<double>(0, 4), Catch::Contains("must be positive"));
    CHECK_THROWS_WITH(nn::self_attention<double>(4, 4, {.dropout = 1.0}), Catch::Contains("dropout must be in [0, 1)"));
    nn::self_attention<double> layer(4, 3);
    CHECK_THROWS_WITH(layer.forward(cr::make_matrix<double>(4, 4)), Catch::Contains("not a whole number of sequences of 3"));
    CHECK_THROWS_AS(layer.forward(cr::make_matrix<double>(3, 5)), cr::shape_error);
    const std::vector<std::uint8_t> real(5, 1);
    layer.set_padding_mask(real);
    CHECK_THROWS_WITH(layer.forward(cr::make_matrix<double>(3, 4)), Catch::Contains("padding mask has 5 rows"));
    nn::self_attention<double> fresh(4, 3);
    CHECK_THROWS_WITH(fresh.backward(cr::make_matrix<double>(3, 4)), Catch::Contains("backward called before forward"));
}
