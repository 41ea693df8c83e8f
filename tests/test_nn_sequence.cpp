// Layers for sequence batches in the (B * L) x d layout: layer normalisation, multi-head
// self-attention, GRU and LSTM, conv1d, temporal pooling, positional embeddings and residual blocks. Gradients against central differences (double, relative error < 1e-6); the causal
// and padding masks by perturbing the positions a row must not see; hand-computed values.
#include <causalrec/io/model.hpp>
#include <causalrec/nn/activations.hpp>
#include <causalrec/nn/attention.hpp>
#include <causalrec/nn/convolution.hpp>
#include <causalrec/nn/dense.hpp>
#include <causalrec/nn/layer_norm.hpp>
#include <causalrec/nn/positional.hpp>
#include <causalrec/nn/recurrent.hpp>
#include <causalrec/nn/residual.hpp>
#include <causalrec/nn/sequential.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "catch.hpp"
#include "gradient_check.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_nn_sequence {

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

// ---- recurrent layers ----

namespace {

// 0.5 * sin(offset + i + 1) for i = 0..n-1: the deterministic values the PyTorch references used.
std::vector<double> sine_values(std::size_t n, int offset) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = 0.5 * std::sin(static_cast<double>(offset) + static_cast<double>(i) + 1.0);
    return v;
}

template <class Layer>
void set_sine_weights(Layer& layer) {
    auto params = layer.parameters();  // input_weight, recurrent_weight, input_bias, recurrent_bias
    const int offsets[4] = {0, 50, 200, 300};
    for (std::size_t p = 0; p < 4; ++p) {
        const auto v = sine_values(params[p].value.size(), offsets[p]);
        std::copy(v.begin(), v.end(), params[p].value.begin());
    }
}

template <class Layer>
std::vector<double> run_sine_sequence(Layer& layer) {
    set_sine_weights(layer);
    auto x = cr::make_matrix<double>(3, 2);
    const auto v = sine_values(6, 100);
    std::copy(v.begin(), v.end(), x.data());
    const auto& y = layer.forward(x);
    return {y.begin(), y.end()};
}

// A batch of `sequences` left-padded sequences: the first sequence has `padded` padding steps.
std::vector<std::uint8_t> left_padding(std::size_t sequences, std::size_t length, std::size_t padded) {
    std::vector<std::uint8_t> real(sequences * length, 1);
    for (std::size_t t = 0; t < padded; ++t) real[t] = 0;
    return real;
}

}  // namespace

TEST_CASE("gru and lstm: outputs match PyTorch 1.13 with the same weights", "[nn][recurrent]") {
    // Reference: torch.nn.GRU(2, 3) / torch.nn.LSTM(2, 3) in float64, weight_ih_l0 = W_ih^T etc. set
    // to 0.5 * sin(offset + i + 1) (offsets 0, 50, 200, 300; input offset 100), one sequence of 3 steps.
    const double gru_ref[] = {-0.121971376536426, 0.124274253349303, 0.409319810134929, -0.176725250488296, 0.394243216120433,
                              0.693770102603572,  -0.265007339167002, 0.299383109169244, 0.734025632892664};
    const double lstm_ref[] = {-0.12480067425126,  0.149830129880935, 0.129425937449854, -0.210830394845073, 0.175476575968704,
                               0.16722192817907,   -0.305856161978214, 0.100166071354247, 0.197868155574325};
    nn::gru<double> g(2, 3, {.sequence_length = 3});
    nn::lstm<double> l(2, 3, {.sequence_length = 3});
    const auto gy = run_sine_sequence(g);
    const auto ly = run_sine_sequence(l);
    for (std::size_t i = 0; i < 9; ++i) {
        CHECK(gy[i] == Catch::Approx(gru_ref[i]).margin(1e-12));
        CHECK(ly[i] == Catch::Approx(lstm_ref[i]).margin(1e-12));
    }
}

TEST_CASE("gru: one step by hand", "[nn][recurrent]") {
    // One input, one state value, h0 = 0: r and z do not matter for n except through h W_hn = 0, so
    // n = tanh(x w_n + b_in), z = sigmoid(x w_z), h = (1 - z) n.
    nn::gru<double> g(1, 1, {.sequence_length = 1});
    auto p = g.parameters();
    p[0].value[0] = 0.3, p[0].value[1] = -0.4, p[0].value[2] = 0.8;  // W_ir, W_iz, W_in
    p[2].value[2] = 0.1;                                              // b_in
    auto x = cr::make_matrix<double>(1, 1);
    x(0, 0) = 2.0;
    const double z = 1.0 / (1.0 + std::exp(0.8)), n = std::tanh(1.7);
    REQUIRE(g.forward(x)(0, 0) == Catch::Approx((1 - z) * n).margin(1e-15));
}

TEST_CASE("gru and lstm: gradient checks in double", "[nn][recurrent][gradcheck]") {
    cr::rng engine(21);
    const std::size_t B = 3, L = 4, in = 3, H = 4;
    const auto x = random_matrix(B * L, in, engine);
    const auto g_all = random_matrix(B * L, H, engine);
    const auto g_last = random_matrix(B, H, engine);
    for (bool padded : {false, true}) {
        INFO("padded " << padded);
        const auto real = left_padding(B, L, padded ? 2 : 0);
        nn::gru<double> gru(in, H, {.sequence_length = L, .seed = 3});
        nn::lstm<double> lstm(in, H, {.sequence_length = L, .seed = 4});
        for (auto& p : gru.parameters())
            for (auto& v : p.value) v += 0.1 * engine.normal();  // non-zero biases
        for (auto& p : lstm.parameters())
            for (auto& v : p.value) v += 0.1 * engine.normal();
        gru.set_padding_mask(real);
        lstm.set_padding_mask(real);
        CHECK(gradient_check(gru, x, g_all, true, gradient_floor) < 1e-6);
        CHECK(gradient_check(lstm, x, g_all, true, gradient_floor) < 1e-6);
        nn::gru<double> gru_last(in, H, {.sequence_length = L, .return_sequences = false, .seed = 5});
        nn::lstm<double> lstm_last(in, H, {.sequence_length = L, .return_sequences = false, .seed = 6});
        gru_last.set_padding_mask(real);
        lstm_last.set_padding_mask(real);
        CHECK(gradient_check(gru_last, x, g_last, true, gradient_floor) < 1e-6);
        CHECK(gradient_check(lstm_last, x, g_last, true, gradient_floor) < 1e-6);
    }
}

TEST_CASE("gru and lstm: a padding step keeps the state and gets no gradient", "[nn][recurrent]") {
    cr::rng engine(5);
    const std::size_t B = 2, L = 4, in = 2, H = 3;
    const auto x = random_matrix(B * L, in, engine);
    const auto real = left_padding(B, L, 2);
    const auto g = random_matrix(B * L, H, engine);
    auto check = [&](auto& layer) {
        layer.set_padding_mask(real);
        const auto y = layer.forward(x);
        for (std::size_t j = 0; j < H; ++j) {
            CHECK(y(0, j) == 0.0);  // nothing real yet: the zero initial state
            CHECK(y(1, j) == 0.0);
        }
        const auto dx = layer.backward(g);
        for (std::size_t j = 0; j < in; ++j) {
            CHECK(dx(0, j) == 0.0);
            CHECK(dx(1, j) == 0.0);
        }
        // The first real step of sequence 0 equals the first step of an unpadded one-step run.
        auto single = cr::make_matrix<double>(1, in);
        for (std::size_t j = 0; j < in; ++j) single(0, j) = x(2, j);
        layer.set_padding_mask({});
        layer.set_sequence_length(1);
        const auto y1 = layer.forward(single);
        for (std::size_t j = 0; j < H; ++j) CHECK(y(2, j) == Catch::Approx(y1(0, j)).margin(1e-15));
        layer.set_sequence_length(L);
    };
    nn::gru<double> gru(in, H, {.sequence_length = L, .seed = 1});
    nn::lstm<double> lstm(in, H, {.sequence_length = L, .seed = 2});
    check(gru);
    check(lstm);
}

TEST_CASE("gru and lstm: carried state continues a sequence across calls (truncated BPTT)", "[nn][recurrent]") {
    cr::rng engine(8);
    const std::size_t B = 2, in = 2, H = 3;
    const auto whole = random_matrix(B * 6, in, engine);  // 2 sequences of 6 steps
    auto half = [&](std::size_t part) {                   // steps 3 * part .. 3 * part + 2 of each sequence
        auto m = cr::make_matrix<double>(B * 3, in);
        for (std::size_t b = 0; b < B; ++b)
            for (std::size_t t = 0; t < 3; ++t)
                for (std::size_t j = 0; j < in; ++j) m(b * 3 + t, j) = whole(b * 6 + 3 * part + t, j);
        return m;
    };
    const auto first = half(0), second = half(1);
    auto check = [&](auto make) {
        auto full = make(6, false);
        const auto y = full.forward(whole);
        auto chunked = make(3, true);
        chunked.forward(first);
        const auto y2 = chunked.forward(second);
        for (std::size_t b = 0; b < B; ++b)
            for (std::size_t t = 0; t < 3; ++t)
                for (std::size_t j = 0; j < H; ++j) CHECK(y2(b * 3 + t, j) == Catch::Approx(y(b * 6 + 3 + t, j)).margin(1e-14));
        const auto g = random_matrix(B * 3, H, engine);
        REQUIRE_NOTHROW(chunked.backward(g));
        // A new session in slot 1: its state restarts from zero, slot 0 keeps going.
        const std::size_t slot[] = {1};
        chunked.reset_state(slot);
        for (std::size_t j = 0; j < H; ++j) CHECK(chunked.state()[H + j] == 0.0);
        CHECK(chunked.state()[0] == Catch::Approx(y(5, 0)).margin(1e-14));
        // A batch of another size cannot continue the carried state.
        const auto three = random_matrix(3 * 3, in, engine);
        REQUIRE_THROWS_AS(chunked.forward(three), cr::shape_error);
        chunked.reset_state();
        REQUIRE_NOTHROW(chunked.forward(three));
    };
    check([](std::size_t L, bool carry) { return nn::gru<double>(in, H, {.sequence_length = L, .carry_state = carry, .seed = 9}); });
    check([](std::size_t L, bool carry) { return nn::lstm<double>(in, H, {.sequence_length = L, .carry_state = carry, .seed = 9}); });
}

TEST_CASE("gru and lstm: save and load, config, errors", "[nn][recurrent][errors]") {
    cr::rng engine(3);
    nn::gru<float> a(4, 5, {.sequence_length = 2, .seed = 1});
    nn::gru<float> b(4, 5, {.sequence_length = 2, .seed = 2});
    const auto path = (std::filesystem::temp_directory_path() / "causalrec_gru_test.safetensors").string();
    cr::io::save_model(path, a);
    cr::io::load_model(path, b);
    auto x = cr::make_matrix<float>(4, 4);
    for (auto& v : x) v = static_cast<float>(engine.normal());
    const auto ya = a.forward(x);
    const auto yb = b.forward(x);
    for (std::size_t i = 0; i < ya.size(); ++i) REQUIRE(ya.data()[i] == yb.data()[i]);
    nn::lstm<float> other(4, 5, {.sequence_length = 2});
    REQUIRE_THROWS(cr::io::load_model(path, other));  // an LSTM's weights do not fit a GRU's file
    std::filesystem::remove(path);
    CHECK(a.config()["type"] == "gru");
    CHECK(a.config()["recurrent_init"] == "orthogonal");
    REQUIRE_THROWS_AS(nn::gru<float>(0, 3), cr::argument_error);
    REQUIRE_THROWS_AS(nn::lstm<float>(3, 3, {.sequence_length = 0}), cr::argument_error);
    auto odd = cr::make_matrix<float>(3, 4);
    REQUIRE_THROWS_AS(a.forward(odd), cr::shape_error);  // 3 rows are not whole sequences of 2
    auto wide = cr::make_matrix<float>(2, 3);
    REQUIRE_THROWS_AS(a.forward(wide), cr::shape_error);
    nn::gru<float> fresh(4, 5);
    REQUIRE_THROWS_AS(fresh.backward(x), cr::argument_error);
}

TEST_CASE("orthogonal initialiser: orthonormal rows or columns", "[nn][init]") {
    cr::rng engine(4);
    for (auto [r, c] : {std::pair<std::size_t, std::size_t>{4, 12}, {12, 4}, {6, 6}}) {
        std::vector<double> w(r * c);
        nn::initialize_weights(std::span<double>(w), r, c, nn::initializer::orthogonal, engine);
        const bool rows = r <= c;
        const std::size_t count = rows ? r : c, length = rows ? c : r;
        for (std::size_t i = 0; i < count; ++i)
            for (std::size_t j = 0; j < count; ++j) {
                double dot = 0;
                for (std::size_t e = 0; e < length; ++e) dot += rows ? w[i * c + e] * w[j * c + e] : w[e * c + i] * w[e * c + j];
                CHECK(dot == Catch::Approx(i == j ? 1.0 : 0.0).margin(1e-12));
            }
    }
}

// ---- convolution and pooling ----

TEST_CASE("conv1d: hand values for valid, causal and same padding, output lengths", "[nn][conv]") {
    auto x = cr::make_matrix<double>(4, 1);
    for (std::size_t t = 0; t < 4; ++t) x(t, 0) = static_cast<double>(t + 1);  // 1 2 3 4
    auto run = [&](nn::conv_padding padding, std::size_t stride, std::size_t dilation) {
        nn::conv1d<double> c(1, 1, 2, {.sequence_length = 4, .stride = stride, .dilation = dilation, .padding = padding, .bias = false});
        c.weight()[0] = 1.0, c.weight()[1] = 2.0;  // y_t = x_{first tap} + 2 x_{second tap}
        const auto& y = c.forward(x);
        return std::vector<double>(y.begin(), y.end());
    };
    CHECK(run(nn::conv_padding::valid, 1, 1) == std::vector<double>{5, 8, 11});
    CHECK(run(nn::conv_padding::causal, 1, 1) == std::vector<double>{2, 5, 8, 11});   // one zero before step 0
    CHECK(run(nn::conv_padding::same, 1, 1) == std::vector<double>{5, 8, 11, 4});     // TensorFlow: the extra zero after
    CHECK(run(nn::conv_padding::valid, 2, 1) == std::vector<double>{5, 11});
    CHECK(run(nn::conv_padding::causal, 1, 2) == std::vector<double>{2, 4, 7, 10});   // taps t - 2 and t
    CHECK(run(nn::conv_padding::causal, 2, 2) == std::vector<double>{2, 7});
    CHECK(run(nn::conv_padding::valid, 1, 3) == std::vector<double>{9});              // 1 + 2 * 4
}

TEST_CASE("conv1d: gradient checks in double", "[nn][conv][gradcheck]") {
    cr::rng engine(31);
    const std::size_t B = 2, L = 7, in = 3, out = 4;
    const auto x = random_matrix(B * L, in, engine);
    for (auto padding : {nn::conv_padding::valid, nn::conv_padding::causal, nn::conv_padding::same})
        for (std::size_t stride : {1u, 2u})
            for (std::size_t dilation : {1u, 2u}) {
                INFO("padding " << nn::to_string(padding) << " stride " << stride << " dilation " << dilation);
                nn::conv1d<double> c(in, out, 3, {.sequence_length = L, .stride = stride, .dilation = dilation, .padding = padding, .seed = 2});
                for (auto& v : c.bias()) v = engine.normal();
                const auto g = random_matrix(B * c.output_length(), out, engine);
                CHECK(gradient_check(c, x, g, true, gradient_floor) < 1e-6);
            }
}

TEST_CASE("conv1d: causal output at step t ignores steps after t", "[nn][conv]") {
    cr::rng engine(2);
    const std::size_t L = 6, in = 2;
    nn::conv1d<double> c(in, 3, 3, {.sequence_length = L, .dilation = 2, .padding = nn::conv_padding::causal, .seed = 1});
    auto x = random_matrix(L, in, engine);
    const auto before = c.forward(x);
    for (std::size_t j = 0; j < in; ++j) x(4, j) += 10.0;  // change step 4
    const auto after = c.forward(x);
    for (std::size_t t = 0; t < 4; ++t)
        for (std::size_t j = 0; j < 3; ++j) CHECK(after(t, j) == before(t, j));
    CHECK(after(4, 0) != before(4, 0));
}

TEST_CASE("conv1d: errors", "[nn][conv][errors]") {
    REQUIRE_THROWS_AS(nn::conv1d<float>(0, 2, 3), cr::argument_error);
    REQUIRE_THROWS_AS(nn::conv1d<float>(2, 2, 3, {.sequence_length = 2}), cr::argument_error);  // valid needs 3 steps
    REQUIRE_THROWS_AS(nn::conv1d<float>(2, 2, 3, {.sequence_length = 4, .stride = 0}), cr::argument_error);
    nn::conv1d<float> c(2, 2, 3, {.sequence_length = 4});
    auto x = cr::make_matrix<float>(6, 2);
    REQUIRE_THROWS_AS(c.forward(x), cr::shape_error);  // 6 rows are not whole sequences of 4
    REQUIRE_THROWS_AS(c.backward(x), cr::argument_error);
}

TEST_CASE("temporal_pooling: max and mean by hand, padding left out, gradients", "[nn][conv]") {
    auto x = cr::make_matrix<double>(6, 2);  // 2 sequences of 3 steps
    const double v[] = {1, -1, 3, -5, 2, 0, /* second */ 4, 4, -2, 8, 0, 1};
    std::copy(std::begin(v), std::end(v), x.data());
    nn::temporal_pooling<double> max_pool(nn::pooling::max, 3), mean_pool(nn::pooling::mean, 3);
    const auto m = max_pool.forward(x);
    CHECK(std::vector<double>(m.begin(), m.end()) == std::vector<double>{3, 0, 4, 8});
    const auto a = mean_pool.forward(x);
    CHECK(std::vector<double>(a.begin(), a.end()) == std::vector<double>{2, -2, 2.0 / 3.0, 13.0 / 3.0});
    const std::vector<std::uint8_t> real{0, 1, 1, 1, 1, 1};  // step 0 of sequence 0 is padding
    mean_pool.set_padding_mask(real);
    max_pool.set_padding_mask(real);
    const auto am = mean_pool.forward(x);
    CHECK(am(0, 0) == 2.5);
    CHECK(am(0, 1) == -2.5);
    auto g = cr::make_matrix<double>(2, 2);
    std::fill(g.begin(), g.end(), 1.0);
    const auto dm = mean_pool.backward(g);
    CHECK(dm(0, 0) == 0.0);
    CHECK(dm(1, 0) == 0.5);
    CHECK(dm(3, 1) == Catch::Approx(1.0 / 3.0));
    max_pool.forward(x);
    const auto dx = max_pool.backward(g);
    CHECK(dx(1, 0) == 1.0);  // 3 at step 1 is sequence 0's maximum of feature 0
    CHECK(dx(0, 0) == 0.0);
    CHECK(dx(2, 1) == 1.0);  // 0 at step 2 beats -5 once step 0's -1 is padding
    cr::rng engine(7);
    const auto xr = random_matrix(8, 3, engine);
    const auto gr = random_matrix(2, 3, engine);
    nn::temporal_pooling<double> p1(nn::pooling::max, 4), p2(nn::pooling::mean, 4);
    CHECK(gradient_check(p1, xr, gr, true, gradient_floor) < 1e-6);
    CHECK(gradient_check(p2, xr, gr, true, gradient_floor) < 1e-6);
    REQUIRE_THROWS_AS(nn::temporal_pooling<double>(nn::pooling::max, 0), cr::argument_error);
    auto odd = cr::make_matrix<double>(5, 3);
    REQUIRE_THROWS_AS(p1.forward(odd), cr::shape_error);
}

// ---- positional embeddings and residual blocks ----

TEST_CASE("positional_embedding: adds the row's position vector, gradient check, errors", "[nn][positional]") {
    nn::positional_embedding<double> p(4, 2, {.sequence_length = 3});
    auto table = p.table();
    for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<double>(i);  // P[t] = (2t, 2t + 1)
    auto x = cr::make_matrix<double>(6, 2);
    std::fill(x.begin(), x.end(), 10.0);
    const auto y = p.forward(x);
    CHECK(y(0, 0) == 10.0);
    CHECK(y(2, 1) == 15.0);
    CHECK(y(3, 0) == 10.0);  // sequence 1 starts again at position 0
    CHECK(y(5, 0) == 14.0);
    cr::rng engine(3);
    const auto xr = random_matrix(6, 2, engine);
    const auto g = random_matrix(6, 2, engine);
    CHECK(gradient_check(p, xr, g, true, gradient_floor) < 1e-6);
    REQUIRE_THROWS_AS(p.set_sequence_length(5), cr::argument_error);
    REQUIRE_THROWS_AS(nn::positional_embedding<double>(0, 2), cr::argument_error);
    auto odd = cr::make_matrix<double>(4, 2);
    REQUIRE_THROWS_AS(p.forward(odd), cr::shape_error);
}

TEST_CASE("residual: y = x + f(x), gradient check, shape errors", "[nn][residual]") {
    cr::rng engine(12);
    nn::residual<nn::dense<double>> block(nn::dense<double>(3, 3, {.seed = 4}));
    const auto x = random_matrix(5, 3, engine);
    const auto y = block.forward(x);
    const auto fx = block.inner().forward(x);
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y.data()[i] == Catch::Approx(x.data()[i] + fx.data()[i]).margin(1e-15));
    const auto g = random_matrix(5, 3, engine);
    CHECK(gradient_check(block, x, g, true, gradient_floor) < 1e-6);
    CHECK(block.config()["inner"]["type"] == "dense");
    nn::residual<nn::dense<double>> narrowing(nn::dense<double>(3, 2));
    REQUIRE_THROWS_AS(narrowing.forward(x), cr::shape_error);
}

TEST_CASE("self_attention: a packed batch equals the padded batch with its padding mask", "[nn][attention]") {
    cr::rng engine(17);
    const std::size_t L = 5, d = 4;
    const std::vector<std::size_t> lengths{5, 2, 3, 0};  // left-padded in the padded layout; the last sequence is empty
    std::vector<std::uint8_t> real;
    for (const auto n : lengths)
        for (std::size_t t = 0; t < L; ++t) real.push_back(t >= L - n ? 1 : 0);
    const std::size_t N = real.size(), R = 10;
    const auto x = random_matrix(N, d, engine);
    const auto g = random_matrix(N, d, engine);
    auto packed_x = cr::make_matrix<double>(R, d), packed_g = cr::make_matrix<double>(R, d);
    auto padded_g = g;
    for (std::size_t r = 0, k = 0; r < N; ++r) {
        if (!real[r]) {
            for (std::size_t j = 0; j < d; ++j) padded_g(r, j) = 0.0;
            continue;
        }
        for (std::size_t j = 0; j < d; ++j) packed_x(k, j) = x(r, j), packed_g(k, j) = g(r, j);
        ++k;
    }
    for (bool projection : {false, true}) {
        nn::self_attention<double> padded(d, L, {.heads = 2, .output_projection = projection, .seed = 3});
        nn::self_attention<double> packed(d, L, {.heads = 2, .output_projection = projection, .seed = 3});
        padded.set_padding_mask(real);
        packed.set_sequence_lengths(lengths);
        const auto y = padded.forward(x);
        const auto yp = packed.forward(packed_x);
        const auto dx = padded.backward(padded_g);
        const auto dxp = packed.backward(packed_g);
        for (std::size_t r = 0, k = 0; r < N; ++r) {
            if (!real[r]) continue;
            for (std::size_t j = 0; j < d; ++j) {
                CHECK(yp(k, j) == Catch::Approx(y(r, j)).margin(1e-13));
                CHECK(dxp(k, j) == Catch::Approx(dx(r, j)).margin(1e-13));
            }
            ++k;
        }
        const auto pa = padded.parameters();
        const auto pp = packed.parameters();
        for (std::size_t p = 0; p < pa.size(); ++p)
            for (std::size_t i = 0; i < pa[p].grad.size(); ++i) CHECK(pp[p].grad[i] == Catch::Approx(pa[p].grad[i]).margin(1e-12));
        CHECK(packed.attention_weights(1, 0).size() == 4);  // 2 x 2 for the second sequence
        CHECK(gradient_check(packed, packed_x, packed_g, true, gradient_floor) < 1e-6);
    }
    nn::self_attention<double> bad(d, L);
    const std::size_t wrong[] = {3, 3};
    bad.set_sequence_lengths(wrong);
    REQUIRE_THROWS_AS(bad.forward(packed_x), cr::shape_error);  // 6 rows declared, 10 given
}

TEST_CASE("sequence layers: save_model and load_model give back the same outputs", "[nn][persistence]") {
    cr::rng engine(8);
    const auto x = random_matrix(8, 4, engine);
    const auto path = (std::filesystem::temp_directory_path() / "causalrec_sequence_layer_test.safetensors").string();
    auto round_trip = [&](auto saved, auto fresh, const char* what) {
        INFO(what);
        cr::io::save_model(path, saved);
        cr::io::load_model(path, fresh);
        const auto a = saved.forward(x);
        const auto b = fresh.forward(x);
        REQUIRE(a.shape() == b.shape());
        for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.data()[i] == b.data()[i]);
    };
    round_trip(nn::lstm<double>(4, 3, {.sequence_length = 4, .seed = 1}), nn::lstm<double>(4, 3, {.sequence_length = 4, .seed = 2}), "lstm");
    round_trip(nn::conv1d<double>(4, 2, 3, {.sequence_length = 4, .padding = nn::conv_padding::causal, .seed = 1}),
               nn::conv1d<double>(4, 2, 3, {.sequence_length = 4, .padding = nn::conv_padding::causal, .seed = 2}), "conv1d");
    round_trip(nn::positional_embedding<double>(4, 4, {.seed = 1}), nn::positional_embedding<double>(4, 4, {.seed = 2}), "positional_embedding");
    round_trip(nn::self_attention<double>(4, 4, {.heads = 2, .seed = 1}), nn::self_attention<double>(4, 4, {.heads = 2, .seed = 2}), "self_attention");
    round_trip(nn::residual<nn::dense<double>>(nn::dense<double>(4, 4, {.seed = 1})), nn::residual<nn::dense<double>>(nn::dense<double>(4, 4, {.seed = 2})),
               "residual");
    // A whole sequence model: convolution over time, ReLU, max-pooling, a dense head.
    auto model = [](std::uint64_t seed) {
        return nn::sequential(nn::conv1d<double>(4, 6, 2, {.sequence_length = 4, .seed = seed}), nn::relu<double>{},
                              nn::temporal_pooling<double>(nn::pooling::max, 3), nn::dense<double>(6, 1, {.seed = seed}));
    };
    round_trip(model(1), model(2), "sequential(conv1d, relu, temporal_pooling, dense)");
    // A file of another architecture is refused.
    nn::conv1d<double> three_taps(4, 2, 3, {.sequence_length = 4});
    cr::io::save_model(path, three_taps);
    nn::conv1d<double> other(4, 2, 2, {.sequence_length = 4});
    REQUIRE_THROWS(cr::io::load_model(path, other));
    std::filesystem::remove(path);
}

}  // namespace causalrec_test_nn_sequence
