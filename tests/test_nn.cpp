#include <causalrec/nn/nn.hpp>
#include <nlohmann/json.hpp>  // the layers' config() (nn/ only forward-declares the JSON type)

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "gradient_check.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_nn {

namespace cr = causalrec;
namespace nn = causalrec::nn;

using causalrec::testing::gradient_check;
using causalrec::testing::random_matrix;

TEST_CASE("dense: forward equals X W + b computed by hand", "[nn][dense]") {
    nn::dense<double> layer(2, 3, {.seed = 1});
    layer.weight() = {{1, 2, 3}, {4, 5, 6}};
    layer.bias() = {0.5, -0.5, 1.0};
    const cr::matrix<double> x = {{1, 1}, {2, -1}};
    const auto& y = layer.forward(x);
    // Row 0: [1+4, 2+5, 3+6] + b = [5.5, 6.5, 10]; row 1: [2-4, 4-5, 6-6] + b = [-1.5, -1.5, 1].
    const cr::matrix<double> expected = {{5.5, 6.5, 10.0}, {-1.5, -1.5, 1.0}};
    REQUIRE((y == expected));
    nn::dense<double> single(2, 1, {.bias = false});
    single.weight() = {{2}, {-3}};
    REQUIRE((single.forward(x) == cr::matrix<double>{{-1}, {7}}));
}

TEST_CASE("every layer passes a finite-difference gradient check in double", "[nn][gradcheck]") {
    cr::rng engine(11);
    const auto x = random_matrix(5, 4, engine, 0.05);
    SECTION("dense") {
        nn::dense<double> layer(4, 3, {.seed = 2});
        for (auto& b : layer.bias()) b = engine.normal();
        CHECK(gradient_check(layer, x, random_matrix(5, 3, engine)) < 1e-6);
    }
    SECTION("dense with one output (matrix-vector path)") {
        nn::dense<double> layer(4, 1, {.seed = 3});
        CHECK(gradient_check(layer, x, random_matrix(5, 1, engine)) < 1e-6);
    }
    SECTION("dense without bias") {
        nn::dense<double> layer(4, 2, {.bias = false, .seed = 4});
        CHECK(gradient_check(layer, x, random_matrix(5, 2, engine)) < 1e-6);
    }
    SECTION("relu") {
        nn::relu<double> layer;
        CHECK(gradient_check(layer, x, random_matrix(5, 4, engine)) < 1e-6);
    }
    SECTION("leaky_relu") {
        nn::leaky_relu<double> layer(0.1);
        CHECK(gradient_check(layer, x, random_matrix(5, 4, engine)) < 1e-6);
    }
    SECTION("sigmoid") {
        nn::sigmoid<double> layer;
        CHECK(gradient_check(layer, x, random_matrix(5, 4, engine)) < 1e-6);
    }
    SECTION("tanh") {
        nn::tanh<double> layer;
        CHECK(gradient_check(layer, x, random_matrix(5, 4, engine)) < 1e-6);
    }
    SECTION("softmax") {
        nn::softmax<double> layer;
        CHECK(gradient_check(layer, x, random_matrix(5, 4, engine)) < 1e-6);
    }
    SECTION("dropout (a fixed mask is linear)") {
        nn::dropout<double> layer(0.3, 5);
        layer.set_training(true);
        // The mask is redrawn each forward: check the gradient against the mask actually used.
        const auto g = random_matrix(5, 4, engine);
        const auto y = layer.forward(x);
        const auto& dx = layer.backward(g);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double scale = y.data()[i] / x.data()[i];  // 0 or 1 / (1 - rate)
            CHECK((scale == 0.0 || std::abs(scale - 1.0 / 0.7) < 1e-12));
            CHECK(dx.data()[i] == Catch::Approx(g.data()[i] * scale).epsilon(1e-12));
        }
    }
    SECTION("embedding (sparse rows)") {
        nn::embedding<double> layer(6, 3, {.seed = 6});
        const cr::matrix<double> ids = {{1, 4}, {4, 0}, {1, 1}};
        const auto g = random_matrix(3, 6, engine);
        CHECK(gradient_check(layer, ids, g, false) < 1e-6);
        const auto params = layer.parameters();
        REQUIRE(params[0].sparse);
        REQUIRE(std::vector<std::size_t>(params[0].touched_rows.begin(), params[0].touched_rows.end()) ==
                std::vector<std::size_t>{0, 1, 4});
    }
    SECTION("sequential: dense relu dense tanh dense sigmoid") {
        auto model = nn::sequential(nn::dense<double>(4, 6, {.seed = 1}), nn::relu<double>{},
                                    nn::dense<double>(6, 5, {.seed = 2}), nn::tanh<double>{},
                                    nn::dense<double>(5, 1, {.seed = 3}), nn::sigmoid<double>{});
        // The first layer skips dL/dX, so check parameters only.
        CHECK(gradient_check(model, x, random_matrix(5, 1, engine), false) < 1e-6);
        REQUIRE(model.parameters().size() == 6);
    }
}

TEST_CASE("dropout is the identity at inference", "[nn][dropout]") {
    nn::dropout<float> layer(0.5, 1);
    const cr::matrix<float> x = {{1, 2}, {3, 4}};
    REQUIRE(&layer.forward(x) == &x);
    layer.set_training(true);
    const cr::matrix<float> ones = xt::ones<float>({10, 100});
    const auto& y = layer.forward(ones);
    std::size_t zeros = 0;
    for (float v : y) {
        zeros += v == 0.0f;
        REQUIRE((v == 0.0f || v == 2.0f));  // survivors are scaled by 1 / (1 - rate)
    }
    CHECK(zeros > 400);  // about half of 1000 values are dropped
    CHECK(zeros < 600);
    REQUIRE(&y != &ones);
    REQUIRE_THROWS_AS(nn::dropout<float>(1.0), cr::argument_error);
}

TEST_CASE("sigmoid is exact and finite for large inputs", "[nn][activations]") {
    nn::sigmoid<double> s;
    const cr::matrix<double> x = {{-1000.0, -40.0, 0.0, 40.0, 1000.0}};
    const auto& y = s.forward(x);
    CHECK(y(0, 0) == 0.0);
    CHECK(y(0, 1) == Catch::Approx(4.248354255291589e-18).epsilon(1e-12));  // exp(-40) / (1 + exp(-40))
    CHECK(y(0, 2) == 0.5);
    CHECK(y(0, 3) == 1.0);
    CHECK(y(0, 4) == 1.0);
}

TEST_CASE("layers raise errors on bad shapes and ids", "[nn][errors]") {
    nn::dense<float> layer(3, 2);
    REQUIRE_THROWS_AS(layer.forward(cr::make_matrix<float>(4, 2)), cr::shape_error);
    REQUIRE_THROWS_AS(nn::dense<float>(0, 2), cr::argument_error);
    nn::dense<float> fresh(3, 2);
    REQUIRE_THROWS_AS(fresh.backward(cr::make_matrix<float>(1, 2)), cr::argument_error);
    const cr::matrix<float> x = {{1, 2, 3}};
    layer.forward(x);
    REQUIRE_THROWS_AS(layer.backward(cr::make_matrix<float>(2, 2)), cr::shape_error);
    nn::embedding<float> emb(5, 2);
    REQUIRE_THROWS_AS(emb.forward(cr::matrix<float>{{5}}), cr::argument_error);
    REQUIRE_THROWS_AS(emb.forward(cr::matrix<float>{{-1}}), cr::argument_error);
    REQUIRE_THROWS_AS(emb.forward(cr::matrix<float>{{1.5}}), cr::argument_error);
}

TEST_CASE("initialisers draw from the documented distributions", "[nn][init]") {
    nn::dense<double> glorot(200, 300, {.seed = 1});
    double limit = std::sqrt(6.0 / 500.0), sum2 = 0;
    for (double w : glorot.weight()) {
        REQUIRE(std::abs(w) <= limit);
        sum2 += w * w;
    }
    // Var of U(-a, a) is a^2 / 3 = 2 / (in + out) = 0.004.
    CHECK(sum2 / 60000.0 == Catch::Approx(0.004).epsilon(0.02));
    nn::dense<double> he(200, 300, {.init = nn::initializer::he_normal, .seed = 1});
    sum2 = 0;
    for (double w : he.weight()) sum2 += w * w;
    CHECK(sum2 / 60000.0 == Catch::Approx(2.0 / 200.0).epsilon(0.02));
    for (double b : he.bias()) REQUIRE(b == 0.0);
    REQUIRE(nn::initializer_from_string("he_uniform") == nn::initializer::he_uniform);
    REQUIRE_THROWS_AS(nn::initializer_from_string("lecun_magic"), cr::argument_error);
}

TEST_CASE("sequential: same seed, same weights, initialize reseeds every layer", "[nn][sequential]") {
    auto make = [] {
        return nn::sequential(nn::dense<float>(8, 16), nn::relu{}, nn::dense<float>(16, 16), nn::relu{},
                              nn::dense<float>(16, 1), nn::sigmoid{});
    };
    auto a = make(), b = make();
    a.initialize(7);
    b.initialize(7);
    REQUIRE((a.layer<0>().weight() == b.layer<0>().weight()));
    REQUIRE((a.layer<2>().weight() == b.layer<2>().weight()));
    b.initialize(8);
    REQUIRE((a.layer<0>().weight() != b.layer<0>().weight()));
    const auto config = a.config();
    REQUIRE(config["layers"].size() == 6);
    REQUIRE(config["layers"][0]["type"] == "dense");
    REQUIRE(config["layers"][0]["in"] == 8);
    REQUIRE(config["layers"][5]["type"] == "sigmoid");
    const auto named = a.named_parameters();
    REQUIRE(named.size() == 6);
    REQUIRE(named[0].first == "layer0.weight");
    REQUIRE(named[3].first == "layer2.bias");
    REQUIRE(named[5].first == "layer4.bias");
}

// A user's own layer: a plain struct with no base class, scaling its input by a learned scalar.
struct learned_scale {
    using value_type = double;
    cr::matrix<double> out = cr::make_matrix<double>(0, 0), dx = cr::make_matrix<double>(0, 0);
    std::array<double, 1> scale{2.0}, grad{0.0};
    std::array<std::size_t, 1> shape{1};
    const cr::matrix<double>* in = nullptr;
    const cr::matrix<double>& forward(const cr::matrix<double>& x) {
        in = &x;
        out = x * scale[0];
        return out;
    }
    const cr::matrix<double>& backward(const cr::matrix<double>& g) {
        grad[0] = 0;
        for (std::size_t i = 0; i < g.size(); ++i) grad[0] += g.data()[i] * in->data()[i];
        dx = g * scale[0];
        return dx;
    }
    std::array<cr::parameter_view<double>, 1> parameters() { return {{{"scale", scale, grad, shape}}}; }
};
static_assert(nn::Layer<learned_scale, double>);

TEST_CASE("a user-defined layer plugs into sequential without inheritance", "[nn][sequential]") {
    auto model = nn::sequential(nn::dense<double>(3, 2, {.seed = 1}), learned_scale{}, nn::tanh<double>{});
    cr::rng engine(2);
    CHECK(gradient_check(model, random_matrix(4, 3, engine), random_matrix(4, 2, engine), false) < 1e-6);
    REQUIRE(model.parameters().size() == 3);
    REQUIRE(model.config()["layers"][1]["type"] == "custom");
}

TEST_CASE("nn: error messages start with causalrec::nn::<function>", "[nn][messages]") {
    CHECK_THROWS_WITH(nn::dense<float>(0, 2), Catch::Matchers::StartsWith("causalrec::nn::dense: "));
}

TEST_CASE("dense inference: the AVX-512 tiles equal a double-precision product with bias and activation", "[nn][inference]") {
    if (!nn::detail::small_gemm_available()) {
        WARN("this CPU has no AVX-512F: dense::infer_then uses BLAS here, which the train tests cover");
        return;
    }
    cr::rng engine(11);
    // Rows that leave every remainder of the 6-row tiles; widths made of 64- and 16-column panels.
    for (const std::size_t m : {1UL, 5UL, 6UL, 8UL, 9UL, 13UL, 64UL}) {
        for (const std::size_t n : {16UL, 48UL, 64UL, 80UL, 128UL}) {
            for (const std::size_t k : {1UL, 7UL, 32UL}) {
                for (const bool with_bias : {false, true}) {
                    std::vector<float> a(m * k), b(k * n), bias(n), c(m * n, -1.0f);
                    for (auto& v : a) v = static_cast<float>(engine.normal());
                    for (auto& v : b) v = static_cast<float>(engine.normal());
                    for (auto& v : bias) v = static_cast<float>(engine.normal());
                    nn::detail::small_gemm(a.data(), b.data(), with_bias ? bias.data() : nullptr, c.data(), m, n, k,
                                           [](float v) { return std::max(v, 0.0f); });
                    for (std::size_t i = 0; i < m; ++i) {
                        for (std::size_t j = 0; j < n; ++j) {
                            double expected = with_bias ? bias[j] : 0.0, scale = std::abs(expected);
                            for (std::size_t p = 0; p < k; ++p) {
                                expected += static_cast<double>(a[i * k + p]) * b[p * n + j];
                                scale += std::abs(static_cast<double>(a[i * k + p]) * b[p * n + j]);
                            }
                            expected = std::max(expected, 0.0);
                            // float sums of k + 1 terms: error below k + 1 units of rounding of the sum of magnitudes
                            CHECK(std::abs(c[i * n + j] - expected) <= static_cast<double>(k + 1) * 6e-8 * scale + 1e-30);
                        }
                    }
                    // An epilogue that takes the element's offset gets i * n + j: here it zeroes odd offsets.
                    std::vector<float> gated(m * n, -1.0f);
                    nn::detail::small_gemm(a.data(), b.data(), with_bias ? bias.data() : nullptr, gated.data(), m, n, k,
                                           [](float v, std::size_t index) { return index % 2 == 1 ? 0.0f : std::max(v, 0.0f); });
                    for (std::size_t e = 0; e < m * n; ++e) CHECK(gated[e] == (e % 2 == 1 ? 0.0f : c[e]));
                }
            }
        }
    }
}

TEST_CASE("dense backward in float: the weight and input gradients equal X^T dY and dY W^T at every batch size", "[nn][inference]") {
    // Batches below and above the size from which the AVX-512 tiles take over (128), and widths with and
    // without a multiple of 16: every path of dense::backward against a double-precision reference.
    cr::rng engine(5);
    for (const std::size_t batch : {7UL, 127UL, 128UL, 131UL}) {
        for (const auto& [in, out] : {std::pair<std::size_t, std::size_t>{32, 16}, {16, 48}, {12, 20}, {64, 1}}) {
            nn::dense<float> layer(in, out, {.seed = 3});
            layer.set_input_gradient(true);
            auto x = cr::make_matrix<float>(batch, in);
            auto g = cr::make_matrix<float>(batch, out);
            for (auto& v : x) v = static_cast<float>(engine.normal());
            for (auto& v : g) v = static_cast<float>(engine.normal());
            (void)layer.forward(x);
            const auto& dx = layer.backward(g);
            const auto params = layer.parameters();
            const float* dw = params[0].grad.data();
            const auto& w = layer.weight();
            for (std::size_t i = 0; i < in; ++i) {
                for (std::size_t j = 0; j < out; ++j) {
                    double expected = 0.0, scale = 0.0;
                    for (std::size_t r = 0; r < batch; ++r) {
                        expected += static_cast<double>(x(r, i)) * g(r, j);
                        scale += std::abs(static_cast<double>(x(r, i)) * g(r, j));
                    }
                    CHECK(std::abs(dw[i * out + j] - expected) <= static_cast<double>(batch) * 6e-8 * scale + 1e-30);
                }
            }
            for (std::size_t r = 0; r < batch; ++r) {
                for (std::size_t i = 0; i < in; ++i) {
                    double expected = 0.0, scale = 0.0;
                    for (std::size_t j = 0; j < out; ++j) {
                        expected += static_cast<double>(g(r, j)) * w(i, j);
                        scale += std::abs(static_cast<double>(g(r, j)) * w(i, j));
                    }
                    CHECK(std::abs(dx(r, i) - expected) <= static_cast<double>(out) * 6e-8 * scale + 1e-30);
                }
            }
            // db = column sums of dY, summed in row order on every path: exact against the same float sum
            const float* db = params[1].grad.data();
            for (std::size_t j = 0; j < out; ++j) {
                float expected = 0.0f;
                for (std::size_t r = 0; r < batch; ++r) expected += g(r, j);
                CHECK(db[j] == expected);
            }
        }
    }
}

// The layers of `model` (dense, activation, dense, activation, dense) run one by one, unfused, from
// copies: sequential's fused passes must give the same bits.
template <class T, class Model>
void check_fused_passes_match_layers(Model& model, std::size_t batch, std::size_t in, cr::rng& engine) {
    auto x = cr::make_matrix<T>(batch, in);
    for (auto& v : x) v = static_cast<T>(engine.normal());
    auto d0 = model.template layer<0>();
    auto a1 = model.template layer<1>();
    auto d2 = model.template layer<2>();
    auto a3 = model.template layer<3>();
    auto d4 = model.template layer<4>();
    d0.set_input_gradient(false);
    const auto& y_fused = model.forward(x);
    const auto& y = d4.forward(a3.forward(d2.forward(a1.forward(d0.forward(x)))));
    REQUIRE(y_fused.shape() == y.shape());
    CHECK(std::memcmp(y_fused.data(), y.data(), y.size() * sizeof(T)) == 0);
    auto g = cr::make_matrix<T>(batch, y.shape()[1]);
    for (auto& v : g) v = static_cast<T>(engine.normal());
    (void)model.backward(g);
    (void)d0.backward(a1.backward(d2.backward(a3.backward(d4.backward(g)))));
    const auto fused = model.parameters();
    std::vector<cr::parameter_view<T>> layers;
    for (auto* params : {&d0, &d2, &d4})
        for (const auto& p : params->parameters()) layers.push_back(p);
    REQUIRE(fused.size() == layers.size());
    for (std::size_t i = 0; i < fused.size(); ++i) {
        INFO("parameter " << i << ", batch " << batch);
        REQUIRE(fused[i].grad.size() == layers[i].grad.size());
        CHECK(std::memcmp(fused[i].grad.data(), layers[i].grad.data(), fused[i].grad.size() * sizeof(T)) == 0);
    }
}

TEST_CASE("sequential: the fused dense + activation passes give the bits of the layers run one by one", "[nn][sequential]") {
    // Batches below and above 128 (the float backward tiles), widths on and off multiples of 16, four
    // activations, float and double.
    cr::rng engine(17);
    for (const std::size_t batch : {7UL, 130UL}) {
        {
            auto m = nn::sequential(nn::dense<float>(32, 48, {.seed = 1}), nn::relu<float>{}, nn::dense<float>(48, 16, {.seed = 2}),
                                    nn::relu<float>{}, nn::dense<float>(16, 1, {.seed = 3}));
            check_fused_passes_match_layers<float>(m, batch, 32, engine);
        }
        {
            auto m = nn::sequential(nn::dense<float>(12, 20, {.seed = 1}), nn::leaky_relu<float>{}, nn::dense<float>(20, 64, {.seed = 2}),
                                    nn::tanh<float>{}, nn::dense<float>(64, 3, {.seed = 3}));
            check_fused_passes_match_layers<float>(m, batch, 12, engine);
        }
        {
            auto m = nn::sequential(nn::dense<double>(10, 16, {.seed = 1}), nn::sigmoid<double>{}, nn::dense<double>(16, 8, {.seed = 2}),
                                    nn::relu<double>{}, nn::dense<double>(8, 2, {.seed = 3}));
            check_fused_passes_match_layers<double>(m, batch, 10, engine);
        }
    }
}

/// A user's element-wise activation, softsign y = x / (1 + |x|), with the members through which
/// sequential fuses it into the dense layer before it (activate, output_for) and after it
/// (gradient_from_output). Its fused tiles are compiled in this program around the library's tile
/// products: with CAUSALREC_COMPILED those come from causalrec::compiled, which is what this checks.
struct softsign {
    using value_type = float;
    static constexpr bool infers_in_place = true;

    float activate(float x) const noexcept { return x / (1.0f + std::abs(x)); }
    float gradient_from_output(float g, float y) const noexcept {
        const float s = 1.0f - std::abs(y);  // f'(x) = 1 / (1 + |x|)^2 = (1 - |y|)^2
        return g * (s * s);
    }
    cr::matrix<float>& output_for(std::size_t rows, std::size_t width) {
        if (out.shape()[0] != rows || out.shape()[1] != width) out = cr::make_matrix<float>(rows, width);
        return out;
    }
    const cr::matrix<float>& forward(const cr::matrix<float>& x) {
        ++unfused_forwards;
        cr::matrix<float>& y = output_for(x.shape()[0], x.shape()[1]);
        for (std::size_t i = 0; i < x.size(); ++i) y.data()[i] = activate(x.data()[i]);
        return y;
    }
    const cr::matrix<float>& backward(const cr::matrix<float>& g) {
        if (dx.shape() != g.shape()) dx = cr::make_matrix<float>(g.shape()[0], g.shape()[1]);
        for (std::size_t i = 0; i < g.size(); ++i) dx.data()[i] = gradient_from_output(g.data()[i], out.data()[i]);
        return dx;
    }
    void infer(const float* x, std::size_t rows, std::size_t width, float* y) const {
        for (std::size_t i = 0; i < rows * width; ++i) y[i] = activate(x[i]);
    }
    std::size_t inference_width(std::size_t width) const noexcept { return width; }
    std::array<cr::parameter_view<float>, 0> parameters() noexcept { return {}; }

    int unfused_forwards = 0;  ///< calls of forward (none when sequential fuses the layer)
    cr::matrix<float> out = cr::make_matrix<float>(0, 0), dx = cr::make_matrix<float>(0, 0);
};
static_assert(nn::Layer<softsign, float> && nn::ElementwiseActivation<softsign, float>);

TEST_CASE("sequential: a user's element-wise activation is fused into the dense layers' tiles, with the bits of the layers run one by one",
          "[nn][sequential]") {
    // Widths that are multiples of 16 and a batch of 130 (>= 128): the AVX-512 tiles forward and
    // backward, on CPUs that have them.
    cr::rng engine(29);
    for (const std::size_t batch : {7UL, 130UL}) {
        INFO("batch " << batch);
        auto m = nn::sequential(nn::dense<float>(24, 64, {.seed = 1}), softsign{}, nn::dense<float>(64, 32, {.seed = 2}), softsign{},
                                nn::dense<float>(32, 16, {.seed = 3}));
        check_fused_passes_match_layers<float>(m, batch, 24, engine);
        CHECK(m.layer<1>().unfused_forwards == 0);  // fused: the product wrote f(x) itself
        CHECK(m.layer<3>().unfused_forwards == 0);

        // Inference: the model's fused pass against the layers' own passes, one after the other.
        auto x = cr::make_matrix<float>(batch, 24);
        for (auto& v : x) v = static_cast<float>(engine.normal());
        std::vector<float> fused(batch * 16), h1(batch * 64), h2(batch * 32), y(batch * 16);
        m.infer(x.data(), batch, 24, fused.data());
        m.layer<0>().infer(x.data(), batch, 24, h1.data());
        m.layer<1>().infer(h1.data(), batch, 64, h1.data());
        m.layer<2>().infer(h1.data(), batch, 64, h2.data());
        m.layer<3>().infer(h2.data(), batch, 32, h2.data());
        m.layer<4>().infer(h2.data(), batch, 32, y.data());
        CHECK(std::memcmp(fused.data(), y.data(), y.size() * sizeof(float)) == 0);
    }
}

TEST_CASE("the fused passes' entry points raise on misuse", "[nn][errors]") {
    nn::relu<float> act;
    CHECK_THROWS_AS(act.output(), cr::argument_error);
    nn::dense<float> layer(4, 16);
    auto x = cr::make_matrix<float>(3, 4);
    auto wrong = cr::make_matrix<float>(3, 15);
    CHECK_THROWS_AS(layer.forward_into(x, wrong, nn::detail::identity_fn{}), cr::shape_error);
    auto narrow = cr::make_matrix<float>(3, 5);
    auto out = cr::make_matrix<float>(3, 16);
    CHECK_THROWS_AS(layer.forward_into(narrow, out, nn::detail::identity_fn{}), cr::shape_error);
    CHECK_THROWS_AS(layer.backward_then(out, nn::detail::identity_fn{}), cr::argument_error);  // before a forward
}

}  // namespace causalrec_test_nn
