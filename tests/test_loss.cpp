// Tests of the loss module. Expected values are worked out by hand (arithmetic in the comments) or
// computed with PyTorch 1.13 (/usr/bin/python3, torch 1.13.0a0, float64) and pasted with the call that
// produced them. Gradients are checked against central finite differences in double.
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/train/train.hpp>
#include <causalrec/core/rng.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_loss {

namespace cr = causalrec;
namespace loss = causalrec::loss;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

constexpr double rel = 1e-14;

/// A rows x cols matrix from row-major values.
template <class T = double>
cr::matrix<T> mat(std::size_t rows, std::size_t cols, std::vector<double> values) {
    // No REQUIRE here: the shared matrices below are built before Catch runs.
    if (values.size() != rows * cols) throw std::logic_error("mat: wrong number of values");
    cr::matrix<T> m = cr::make_matrix<T>(rows, cols);
    for (std::size_t i = 0; i < values.size(); ++i) m.data()[i] = static_cast<T>(values[i]);
    return m;
}

// Probabilities, 0/1 targets, regression targets, weights, logits and soft targets shared by the tests.
const cr::matrix<double> P = mat(3, 2, {0.2, 0.7, 0.9, 0.4, 0.55, 0.1});
const cr::matrix<double> Y01 = mat(3, 2, {0, 1, 1, 1, 0, 0});
const cr::matrix<double> Yreg = mat(3, 2, {0.0, 1.5, 1.0, -0.8, 2.6, 0.3});
const std::vector<double> W{0.5, 2.0, 1.5};
const cr::matrix<double> Z = mat(3, 2, {-2.0, 0.5, 3.0, -0.3, 1.2, -4.0});
const cr::matrix<double> Ysoft = mat(3, 2, {0, 1, 1, 0.3, 0.6, 0});

/// The message of the exception E that f throws (fails the test if it throws nothing).
template <class E, class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    FAIL("expected an exception");
    return {};
}

/// Largest relative error between `analytic` (d f / d x, where f reads x) and central differences of f,
/// over every element of x. x is modified during the check and restored.
double max_gradient_error(cr::matrix<double>& x, const cr::matrix<double>& analytic,
                          const std::function<double()>& f) {
    double worst = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double x0 = x.data()[i];
        const double h = 1e-6 * std::max(1.0, std::abs(x0));
        x.data()[i] = x0 + h;
        const double up = f();
        x.data()[i] = x0 - h;
        const double down = f();
        x.data()[i] = x0;
        const double numeric = (up - down) / (2.0 * h);
        const double a = analytic.data()[i];
        const double scale = std::max(std::abs(numeric), std::abs(a));
        REQUIRE(scale > 0.0);  // the test data avoid points with a zero gradient
        worst = std::max(worst, std::abs(numeric - a) / scale);
    }
    return worst;
}

/// Checks value_and_gradient of a loss against finite differences, unweighted and weighted.
template <class L>
void check_gradients(const L& l, cr::matrix<double> x, const cr::matrix<double>& y) {
    for (const bool weighted : {false, true}) {
        const std::span<const double> w = weighted ? std::span<const double>(W) : std::span<const double>();
        cr::matrix<double> g;
        l.value_and_gradient(x, y, w, g);
        CHECK(max_gradient_error(x, g, [&] { return l.value(x, y, w); }) < 1e-6);
    }
}

/// A user's loss, written as a plain struct: mean absolute error (no weights support beyond the IPS form).
struct mean_absolute_error {
    template <class T>
    double value(const cr::matrix<T>& p, const cr::matrix<T>& y, std::span<const T> w) const {
        double s = 0.0;
        for (std::size_t i = 0; i < p.shape()[0]; ++i)
            for (std::size_t j = 0; j < p.shape()[1]; ++j)
                s += (w.empty() ? 1.0 : w[i]) * std::abs(static_cast<double>(p(i, j) - y(i, j)));
        return s / static_cast<double>(p.size());
    }
    template <class T>
    void gradient(const cr::matrix<T>& p, const cr::matrix<T>& y, std::span<const T> w, cr::matrix<T>& g) const {
        g.resize({p.shape()[0], p.shape()[1]});
        for (std::size_t i = 0; i < p.shape()[0]; ++i)
            for (std::size_t j = 0; j < p.shape()[1]; ++j) {
                const double sign = p(i, j) > y(i, j) ? 1.0 : (p(i, j) < y(i, j) ? -1.0 : 0.0);
                g(i, j) = static_cast<T>((w.empty() ? 1.0 : w[i]) * sign / static_cast<double>(p.size()));
            }
    }
    template <class T>
    double value_and_gradient(const cr::matrix<T>& p, const cr::matrix<T>& y, std::span<const T> w,
                              cr::matrix<T>& g) const {
        gradient(p, y, w, g);
        return value(p, y, w);
    }
};

static_assert(loss::Loss<mean_absolute_error, float> && loss::Loss<mean_absolute_error, double>);
static_assert(!loss::LogitLoss<mean_absolute_error, double>);
static_assert(!loss::Loss<int, double> && !loss::Loss<mean_absolute_error, int>);

/// What a training loop does with any Loss: one value-and-gradient call per batch.
template <class L, class T>
    requires loss::Loss<L, T>
double one_batch(const L& l, const cr::matrix<T>& p, const cr::matrix<T>& y, cr::matrix<T>& g) {
    return l.value_and_gradient(p, y, std::span<const T>(), g);
}

}  // namespace

TEST_CASE("mse values: unweighted, IPS-weighted, self-normalised (hand and PyTorch)", "[loss]") {
    // p - y = [[0.2, -0.8], [-0.1, 1.2], [-2.05, -0.2]]; squares 0.04 0.64 | 0.01 1.44 | 4.2025 0.04
    // mean = 6.3725 / 6; row means 0.34, 0.725, 2.12125; w * row means = 0.17, 1.45, 3.181875 (sum 4.801875)
    const loss::mse l{};
    CHECK_THAT(l.value(P, Yreg), WithinRel(6.3725 / 6.0, rel));
    CHECK_THAT(l.value(P, Yreg, W), WithinRel(4.801875 / 3.0, rel));
    const loss::mse snips{{.normalize_weights = true}};
    CHECK_THAT(snips.value(P, Yreg, W), WithinRel(4.801875 / 4.0, rel));  // sum w = 4
    // PyTorch 1.13: F.mse_loss(P, Y) == 1.0620833333333333;
    // (w * F.mse_loss(P, Y, reduction='none').mean(1)).mean() == 1.6006250000000002, .sum() / w.sum() == 1.2004687500000002
    CHECK_THAT(l.value(P, Yreg), WithinRel(1.0620833333333333, rel));
    CHECK_THAT(l.value(P, Yreg, W), WithinRel(1.6006250000000002, rel));
    CHECK_THAT(snips.value(P, Yreg, W), WithinRel(1.2004687500000002, rel));
    // Normalising without weights changes nothing; unit weights equal no weights.
    CHECK(snips.value(P, Yreg) == l.value(P, Yreg));
    CHECK_THAT(l.value(P, Yreg, std::vector<double>{1, 1, 1}), WithinRel(l.value(P, Yreg), rel));
}

TEST_CASE("binary cross-entropy values and gradient (PyTorch)", "[loss]") {
    const loss::binary_cross_entropy l{};
    // PyTorch 1.13: F.binary_cross_entropy(P, Y) == 0.4175563257767536,
    // F.binary_cross_entropy(P, Y, weight=w[:, None]) == 0.6148356767506384 (= (1/B) sum_i w_i mean_j l_ij),
    // (w * F.binary_cross_entropy(P, Y, reduction='none').mean(1)).sum() / w.sum() == 0.46112675756297883
    CHECK_THAT(l.value(P, Y01), WithinRel(0.4175563257767536, rel));
    CHECK_THAT(l.value(P, Y01, W), WithinRel(0.6148356767506384, rel));
    CHECK_THAT(loss::binary_cross_entropy({.normalize_weights = true}).value(P, Y01, W),
               WithinRel(0.46112675756297883, rel));
    // Hand: element 0 is -ln(0.8), element 1 is -ln(0.7); the mean of the six terms.
    const double hand = (-std::log(0.8) - std::log(0.7) - std::log(0.9) - std::log(0.4) - std::log(0.45) -
                         std::log(0.9)) / 6.0;
    CHECK_THAT(l.value(P, Y01), WithinRel(hand, rel));
    // PyTorch 1.13: the gradient of F.binary_cross_entropy(P, Y, weight=w[:, None]) w.r.t. P
    const std::vector<double> torch_grad{0.10416666666666664, -0.11904761904761905, -0.3703703703703704,
                                         -0.8333333333333334, 0.5555555555555556,  0.27777777777777773};
    cr::matrix<double> g;
    l.gradient(P, Y01, W, g);
    for (std::size_t i = 0; i < torch_grad.size(); ++i) CHECK_THAT(g.data()[i], WithinRel(torch_grad[i], 1e-13));
}

TEST_CASE("binary cross-entropy clamps probabilities to eps, 1 - eps", "[loss]") {
    const auto p = mat(1, 2, {0.0, 1.0});
    const auto y = mat(1, 2, {1.0, 0.0});
    // -ln(1e-7) for p = 0, y = 1 and -ln(1 - (1 - 1e-7)) for p = 1, y = 0 (1 - 1e-7 is not exact in double).
    const double expected = (16.11809565095832 + 16.118095651484676) / 2.0;  // Python math.log values
    cr::matrix<double> g;
    CHECK_THAT(loss::binary_cross_entropy{}.value_and_gradient(p, y, {}, g), WithinRel(expected, rel));
    // The clamp is flat outside [eps, 1 - eps], so the exact derivative there is 0.
    CHECK(g(0, 0) == 0.0);
    CHECK(g(0, 1) == 0.0);
    // A larger eps: -ln(0.01) for both.
    CHECK_THAT(loss::binary_cross_entropy({.eps = 0.01}).value(p, y), WithinRel(-std::log(0.01), rel));
    // Inside the range the clamp does nothing: p = 0.3, y = 1 gives -ln(0.3), derivative -1/0.3.
    const auto q = mat(1, 1, {0.3});
    const auto one = mat(1, 1, {1.0});
    CHECK_THAT(loss::binary_cross_entropy{}.value_and_gradient(q, one, {}, g), WithinRel(-std::log(0.3), rel));
    CHECK_THAT(g(0, 0), WithinRel(-1.0 / 0.3, rel));
}

TEST_CASE("binary cross-entropy with logits values and gradient (PyTorch)", "[loss]") {
    const loss::binary_cross_entropy_with_logits l{};
    // PyTorch 1.13: F.binary_cross_entropy_with_logits(Z, Y) == 0.34256333108686493,
    // F.binary_cross_entropy_with_logits(Z, Y, weight=w[:, None]) == 0.4714227137633065,
    // (w * F.binary_cross_entropy_with_logits(Z, Y, reduction='none').mean(1)).sum() / w.sum() == 0.3535670353224799
    CHECK_THAT(l.value(Z, Ysoft), WithinRel(0.34256333108686493, rel));
    CHECK_THAT(l.value(Z, Ysoft, W), WithinRel(0.4714227137633065, rel));
    CHECK_THAT(loss::binary_cross_entropy_with_logits({.normalize_weights = true}).value(Z, Ysoft, W),
               WithinRel(0.3535670353224799, rel));
    // PyTorch 1.13: the gradient of F.binary_cross_entropy_with_logits(Z, Y, weight=w[:, None]) w.r.t. Z
    const std::vector<double> torch_grad{0.009933576835176462, -0.03146172239984545, -0.015808624392522213,
                                         0.04185249439611368,  0.04213119587475439,  0.00449655249052289};
    cr::matrix<double> g;
    l.gradient(Z, Ysoft, W, g);
    for (std::size_t i = 0; i < torch_grad.size(); ++i) CHECK_THAT(g.data()[i], WithinRel(torch_grad[i], 1e-13));
    // The probability-space BCE's logits path is the same loss.
    CHECK_THAT(loss::binary_cross_entropy{}.value_from_logits(Z, Ysoft, W), WithinRel(0.4714227137633065, rel));
}

TEST_CASE("huber values for two deltas (hand and PyTorch)", "[loss]") {
    // |r| = 0.2 0.8 | 0.1 1.2 | 2.05 0.2; delta 1: 0.02 0.32 | 0.005 0.7 | 1.55 0.02, sum 2.615
    CHECK_THAT(loss::huber{}.value(P, Yreg), WithinRel(2.615 / 6.0, rel));
    // PyTorch 1.13: F.huber_loss(P, Y, delta=d); weighted as (w * F.huber_loss(..., reduction='none').mean(1)).mean()
    // and .sum() / w.sum(): delta 1: 0.43583333333333335, 0.6558333333333334, 0.491875;
    // delta 0.5: 0.2825, 0.4145833333333333, 0.3109375
    CHECK_THAT(loss::huber{}.value(P, Yreg), WithinRel(0.43583333333333335, rel));
    CHECK_THAT(loss::huber{}.value(P, Yreg, W), WithinRel(0.6558333333333334, rel));
    CHECK_THAT(loss::huber({.normalize_weights = true}).value(P, Yreg, W), WithinRel(0.491875, rel));
    const loss::huber half{{.delta = 0.5}};
    CHECK_THAT(half.value(P, Yreg), WithinRel(0.2825, rel));
    CHECK_THAT(half.value(P, Yreg, W), WithinRel(0.4145833333333333, rel));
    CHECK_THAT(loss::huber({.delta = 0.5, .normalize_weights = true}).value(P, Yreg, W), WithinRel(0.3109375, rel));
    // Derivative: r inside delta, delta * sign(r) outside; r = 2.05 with delta 0.5 -> 0.5 / 6 (unweighted mean).
    cr::matrix<double> g;
    half.gradient(P, Yreg, {}, g);
    CHECK_THAT(g(2, 0), WithinRel(-0.5 / 6.0, rel));  // r = 0.55 - 2.6 < 0
    CHECK_THAT(g(0, 0), WithinRel(0.2 / 6.0, rel));   // r = 0.2 inside
}

TEST_CASE("pinball values against scikit-learn's mean_pinball_loss, and its derivative", "[loss]") {
    // scikit-learn 1.2.1: mean_pinball_loss(Y, P, alpha=a) over the six entries.
    CHECK_THAT(loss::pinball{}.value(P, Yreg), WithinRel(0.37916666666666665, rel));
    CHECK_THAT(loss::pinball({.quantile = 0.1}).value(P, Yreg), WithinRel(0.26250000000000007, rel));
    CHECK_THAT(loss::pinball({.quantile = 0.9}).value(P, Yreg), WithinRel(0.49583333333333335, rel));
    // Derivative: -tau below the target, 1 - tau above, over the 6 entries.
    cr::matrix<double> g;
    loss::pinball({.quantile = 0.9}).gradient(P, Yreg, {}, g);
    CHECK_THAT(g(0, 0), WithinRel(0.1 / 6.0, rel));   // p 0.2 > y 0
    CHECK_THAT(g(0, 1), WithinRel(-0.9 / 6.0, rel));  // p 0.7 < y 1.5
    // The constant minimising the pinball loss is the tau-quantile: of 0..99, the 90th value (89 or 90).
    cr::matrix<double> y = cr::make_matrix<double>(100, 1), p = cr::make_matrix<double>(100, 1);
    for (std::size_t i = 0; i < 100; ++i) y(i, 0) = static_cast<double>(i);
    const loss::pinball q90({.quantile = 0.9});
    auto at = [&](double c) {
        for (std::size_t i = 0; i < 100; ++i) p(i, 0) = c;
        return q90.value(p, y);
    };
    CHECK(at(89.5) < at(85.0));
    CHECK(at(89.5) < at(95.0));
    CHECK(at(89.5) <= at(89.0));
    CHECK_THROWS_AS(loss::pinball({.quantile = 1.0}), cr::argument_error);
}

TEST_CASE("every loss passes a finite-difference gradient check, weighted and normalised or not", "[loss]") {
    check_gradients(loss::pinball{{.quantile = 0.3}}, P, Yreg);
    check_gradients(loss::mse{}, P, Yreg);
    check_gradients(loss::mse{{.normalize_weights = true}}, P, Yreg);
    check_gradients(loss::huber{}, P, Yreg);
    check_gradients(loss::huber{{.delta = 0.5, .normalize_weights = true}}, P, Yreg);
    check_gradients(loss::binary_cross_entropy{}, P, Ysoft);
    check_gradients(loss::binary_cross_entropy{{.normalize_weights = true}}, P, Ysoft);
    check_gradients(loss::binary_cross_entropy_with_logits{}, Z, Ysoft);
    check_gradients(loss::binary_cross_entropy_with_logits{{.normalize_weights = true}}, Z, Ysoft);
    // The logits path of binary_cross_entropy, w.r.t. the logits.
    for (const bool normalize : {false, true}) {
        const loss::binary_cross_entropy l{{.normalize_weights = normalize}};
        cr::matrix<double> z = Z, g;
        l.value_and_gradient_from_logits(z, Ysoft, W, g);
        CHECK(max_gradient_error(z, g, [&] { return l.value_from_logits(z, Ysoft, W); }) < 1e-6);
        l.gradient_from_logits(z, Ysoft, {}, g);
        CHECK(max_gradient_error(z, g, [&] { return l.value_from_logits(z, Ysoft); }) < 1e-6);
    }
}

TEST_CASE("value_and_gradient equals value and gradient computed apart", "[loss]") {
    const auto same = [](const auto& l, const cr::matrix<double>& x, const cr::matrix<double>& y) {
        cr::matrix<double> g1, g2;
        const double v = l.value_and_gradient(x, y, W, g1);
        l.gradient(x, y, W, g2);
        CHECK(v == l.value(x, y, W));
        CHECK(bool(g1 == g2));
    };
    same(loss::mse{}, P, Yreg);
    same(loss::huber{}, P, Yreg);
    same(loss::binary_cross_entropy{}, P, Y01);
    same(loss::binary_cross_entropy_with_logits{}, Z, Ysoft);
}

TEST_CASE("categorical cross-entropy: values and gradients equal PyTorch's cross_entropy, and finite differences", "[loss]") {
    // torch.nn.functional.cross_entropy(z, y) with probability targets, double precision (PyTorch 1.13);
    // the last row's logits are +-1000: computed from the shifted logits, the loss stays finite (1000).
    const cr::matrix<double> z = mat(4, 3, {2.0, -1.0, 0.5, 0.1, 0.2, 0.3, -3.0, 4.0, 1.0, 1000.0, 0.0, -1000.0});
    const cr::matrix<double> y = mat(4, 3, {1, 0, 0, 0, 0, 1, 0.2, 0.5, 0.3, 0, 1, 0});
    const loss::categorical_cross_entropy ce;
    cr::matrix<double> g;
    CHECK_THAT(ce.value_and_gradient(z, y, {}, g), WithinRel(250.89817743864552, rel));
    const std::vector<double> torch_grad = {-0.05360074135268103, 0.009778143317671862, 0.04382259803500917,
                                            0.07515240133893183,  0.08305624838333683,  -0.1582086497222686,
                                            -0.0497830296762776,  0.11293685138894208,  -0.06315382171266445,
                                            0.25,                 -0.25,                0.0};
    for (std::size_t k = 0; k < torch_grad.size(); ++k) CHECK_THAT(g.data()[k], WithinAbs(torch_grad[k], 1e-15));
    // Weighted: (cross_entropy(z, y, reduction="none") * w).sum() / 4.
    const std::vector<double> w = {1.0, 2.0, 0.5, 0.0};
    CHECK_THAT(ce.value(z, y, w), WithinRel(0.854981199490867, rel));
    ce.gradient(z, y, w, g);
    CHECK_THAT(g(1, 2), WithinAbs(-0.3164172994445372, 1e-15));
    CHECK_THAT(g(2, 0), WithinAbs(-0.0248915148381388, 1e-15));
    // Finite differences, plain and self-normalised, on logits away from the extreme row.
    const cr::matrix<double> z3 = mat(3, 3, {2.0, -1.0, 0.5, 0.1, 0.2, 0.3, -3.0, 4.0, 1.0});
    const cr::matrix<double> y3 = mat(3, 3, {0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.2, 0.5, 0.3});
    check_gradients(ce, z3, y3);
    check_gradients(loss::categorical_cross_entropy{{.normalize_weights = true}}, z3, y3);
    static_assert(loss::Loss<loss::categorical_cross_entropy, float> && loss::ValidatesTargets<loss::categorical_cross_entropy, double>);
    // Targets must be class probabilities.
    CHECK_NOTHROW(ce.validate_targets(y));
    CHECK_THROWS_WITH(ce.validate_targets(mat(2, 2, {1, 0, 0.5, 0.4})), Contains("categorical_cross_entropy: target row 1 sums to 0.9"));
    CHECK_THROWS_AS(ce.validate_targets(mat(1, 2, {1.5, -0.5})), cr::argument_error);
    CHECK_THROWS_AS(ce.value(z, mat(4, 2, {1, 0, 1, 0, 1, 0, 1, 0}), {}), cr::shape_error);
}

TEST_CASE("categorical cross-entropy trains a three-class model through train::fit", "[loss][train]") {
    // Three Gaussian blobs in the plane (centres 5.2 apart, unit spread: they barely overlap), one-hot
    // targets; the model ends with a linear layer of three logits, the predicted class is their arg-max.
    cr::rng g(5);
    const std::size_t n = 600;
    const double centre[3][2] = {{0.0, 3.0}, {-2.6, -1.5}, {2.6, -1.5}};
    cr::matrix<double> x = cr::make_matrix<double>(n, 2), y = xt::zeros<double>({n, std::size_t{3}});
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = i % 3;
        x(i, 0) = centre[c][0] + g.normal();
        x(i, 1) = centre[c][1] + g.normal();
        y(i, c) = 1.0;
    }
    auto model = cr::nn::sequential(cr::nn::dense<double>(2, 16), cr::nn::relu<double>{}, cr::nn::dense<double>(16, 3));
    const auto history = cr::train::fit(model, loss::categorical_cross_entropy{}, cr::optim::adam<double>({.learning_rate = 1e-2}), x, y,
                                        {.epochs = 30, .batch_size = 32, .verbose = 0});
    const cr::matrix<double> logits = cr::train::predict(model, x);
    std::size_t right = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t best = 0;
        for (std::size_t c = 1; c < 3; ++c)
            if (logits(i, c) > logits(i, best)) best = c;
        right += y(i, best) == 1.0;
    }
    const double accuracy = static_cast<double>(right) / static_cast<double>(n);
    INFO("accuracy " << accuracy << ", final loss " << history.series("loss").back());
    CHECK(accuracy > 0.95);  // 0.99 with this seed
    CHECK(history.series("loss").back() < history.series("loss").front());
    // One-hot rows that do not sum to 1 are refused before training.
    cr::matrix<double> bad = y;
    bad(7, 0) = 1.0;
    CHECK_THROWS_AS(cr::train::fit(model, loss::categorical_cross_entropy{}, cr::optim::adam<double>(), x, bad, {.epochs = 1, .verbose = 0}),
                    cr::argument_error);
}

TEST_CASE("BCE with logits is finite and exact at extreme logits", "[loss]") {
    const loss::binary_cross_entropy_with_logits l{};
    const auto one = [&](double z, double y) {
        cr::matrix<double> g;
        const double v = l.value_and_gradient(mat(1, 1, {z}), mat(1, 1, {y}), {}, g);
        return std::pair<double, double>{v, g(0, 0)};
    };
    // PyTorch 1.13 (value, gradient) of F.binary_cross_entropy_with_logits for a single element:
    // z = 1e4, y = 0: (10000.0, 1.0); z = -1e4, y = 1: (10000.0, -1.0); z = 1e4, y = 1: (0.0, 0.0);
    // z = 1e4, y = 0.3: (7000.0, 0.7); z = 50, y = 0: (50.0, 1.0)
    CHECK(one(1e4, 0.0) == std::pair<double, double>{1e4, 1.0});
    CHECK(one(-1e4, 1.0) == std::pair<double, double>{1e4, -1.0});
    CHECK(one(1e4, 1.0) == std::pair<double, double>{0.0, 0.0});
    CHECK(one(-1e4, 0.0) == std::pair<double, double>{0.0, 0.0});
    CHECK(one(1e4, 0.3).first == 7000.0);
    CHECK_THAT(one(1e4, 0.3).second, WithinRel(0.7, rel));
    CHECK(one(50.0, 0.0) == std::pair<double, double>{50.0, 1.0});
    CHECK(one(-50.0, 1.0) == std::pair<double, double>{50.0, -1.0});
    // z = 50, y = 1: the exact loss is log1p(exp(-50)) = 1.9287498479639178e-22 and the exact derivative is
    // -exp(-50) / (1 + exp(-50)) = -1.9287498479639178e-22 (Python math). PyTorch 1.13 returns 0 for both
    // (it computes log(1 + exp(-50)) and sigmoid(50) - 1); causalrec keeps them.
    const double tiny = 1.9287498479639178e-22;
    CHECK_THAT(one(50.0, 1.0).first, WithinRel(tiny, rel));
    CHECK_THAT(one(50.0, 1.0).second, WithinRel(-tiny, rel));
    CHECK_THAT(one(-50.0, 0.0).first, WithinRel(tiny, rel));
    CHECK_THAT(one(-50.0, 0.0).second, WithinRel(tiny, rel));  // PyTorch 1.13: 1.928749847963918e-22
    // Everything finite at +-1e6 as well.
    CHECK(std::isfinite(one(1e6, 0.5).first));
    CHECK(one(-1e6, 0.5).first == 5e5);
}

TEST_CASE("sigmoid + BCE through the logits path keeps the precision the probability path loses", "[loss]") {
    const loss::binary_cross_entropy bce{};
    const loss::binary_cross_entropy_with_logits bce_logits{};
    const auto sigmoid = [](double z) { return 1.0 / (1.0 + std::exp(-z)); };
    // z = 40, y = 0: the true loss is 40 + log1p(exp(-40)) = 40 (to double precision). sigmoid(40) rounds to 1,
    // so the probability path clamps to 1 - 1e-7 and returns -ln(1e-7) ~ 16.1; the logits path returns 40.
    const auto z40 = mat(1, 1, {40.0});
    const auto y0 = mat(1, 1, {0.0});
    CHECK(bce.value(mat(1, 1, {sigmoid(40.0)}), y0) < 16.2);
    CHECK(bce.value_from_logits(z40, y0) == 40.0);  // PyTorch 1.13 BCE-with-logits: 40.0
    CHECK_THAT(bce.value_from_logits(z40, y0), WithinRel(bce_logits.value(z40, y0), 1e-15));
    // z = 20, y = 1: the exact loss is log1p(exp(-20)) = 2.061153620314381e-09 (Python math.log1p). The
    // probability path loses about 1e-8 relative to the rounding of sigmoid(20) near 1; the logits path is exact.
    // (PyTorch 1.13's F.binary_cross_entropy_with_logits gives 2.0611536900435727e-09, 3e-8 off.)
    const auto z20 = mat(1, 1, {20.0});
    const auto y1 = mat(1, 1, {1.0});
    const double exact = 2.061153620314381e-09;
    CHECK_THAT(bce.value_from_logits(z20, y1), WithinRel(exact, 1e-15));
    CHECK_THAT(bce_logits.value(z20, y1), WithinRel(exact, 1e-15));
    const double probability_path = bce.value(mat(1, 1, {sigmoid(20.0)}), y1);
    CHECK(std::abs(probability_path - exact) / exact > 1e-9);
    // The gradients agree too: sigmoid(z) - y, scaled by the reduction.
    cr::matrix<double> g1, g2;
    bce.value_and_gradient_from_logits(Z, Ysoft, W, g1);
    bce_logits.value_and_gradient(Z, Ysoft, W, g2);
    CHECK(bool(g1 == g2));
}

TEST_CASE("losses in float agree with double", "[loss]") {
    const auto Pf = mat<float>(3, 2, {0.2, 0.7, 0.9, 0.4, 0.55, 0.1});
    const auto Yf = mat<float>(3, 2, {0, 1, 1, 1, 0, 0});
    const std::vector<float> Wf{0.5f, 2.0f, 1.5f};
    cr::matrix<float> g;
    const double v = loss::binary_cross_entropy{}.value_and_gradient(Pf, Yf, Wf, g);
    CHECK_THAT(v, WithinRel(0.6148356767506384, 1e-6));  // the PyTorch float64 value above
    CHECK_THAT(g(0, 0), WithinRel(0.10416666666666664, 1e-6));
    CHECK_THAT(loss::mse{}.value(Pf, Yf), WithinRel(loss::mse{}.value(P, Y01), 1e-6));
}

TEST_CASE("the gradient buffer is resized only when its shape differs", "[loss]") {
    const loss::mse l{};
    cr::matrix<double> g = cr::make_matrix<double>(1, 5);
    l.gradient(P, Yreg, {}, g);
    REQUIRE(g.shape()[0] == 3);
    REQUIRE(g.shape()[1] == 2);
    const double* data = g.data();
    for (int k = 0; k < 3; ++k) l.value_and_gradient(P, Yreg, W, g);
    CHECK(g.data() == data);
    CHECK_THAT(g(0, 0), WithinRel(0.5 * 2.0 * 0.2 / 6.0, rel));  // w_0 * 2 r / (B k)
}

TEST_CASE("loss errors name the shapes and options at fault", "[loss]") {
    cr::matrix<double> g;
    const auto y_wide = mat(3, 3, {0, 0, 0, 0, 0, 0, 0, 0, 0});
    const std::string m1 = message_of<cr::shape_error>([&] { loss::mse{}.value(P, y_wide); });
    CHECK_THAT(m1, Contains("mse") && Contains("(3, 2)") && Contains("(3, 3)"));
    const std::string m2 = message_of<cr::shape_error>(
        [&] { loss::binary_cross_entropy{}.value_and_gradient(P, Y01, std::vector<double>{1, 2}, g); });
    CHECK_THAT(m2, Contains("binary_cross_entropy") && Contains("length 2") && Contains("(3, 2)"));
    CHECK_THROWS_AS(loss::huber{}.gradient(P, y_wide, {}, g), cr::shape_error);
    CHECK_THROWS_AS(loss::binary_cross_entropy_with_logits{}.value(cr::make_matrix<double>(0, 1),
                                                                   cr::make_matrix<double>(0, 1)),
                    cr::shape_error);
    const std::string m3 = message_of<cr::argument_error>([] { loss::binary_cross_entropy{{.eps = 0.5}}; });
    CHECK_THAT(m3, Contains("eps") && Contains("0.5"));
    CHECK_THROWS_AS(loss::binary_cross_entropy({.eps = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(loss::binary_cross_entropy({.eps = -1e-7}), cr::argument_error);
    CHECK_NOTHROW(loss::binary_cross_entropy({.eps = 0.49}));
    const std::string m4 = message_of<cr::argument_error>([] { loss::huber{{.delta = 0.0}}; });
    CHECK_THAT(m4, Contains("delta"));
    CHECK_THROWS_AS(loss::huber({.delta = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(loss::huber({.delta = std::numeric_limits<double>::quiet_NaN()}), cr::argument_error);
    // Self-normalised weights need a positive sum.
    CHECK_THROWS_AS(loss::mse({.normalize_weights = true}).value(P, Yreg, std::vector<double>{0, 0, 0}),
                    cr::argument_error);
    CHECK_NOTHROW(loss::mse{}.value(P, Yreg, std::vector<double>{0, 0, 0}));
}

TEST_CASE("validate_targets and validate_weights check once before training", "[loss]") {
    const loss::binary_cross_entropy bce{};
    CHECK_NOTHROW(bce.validate_targets(Ysoft));
    const std::string m = message_of<cr::argument_error>([&] { bce.validate_targets(mat(2, 1, {0.0, 1.5})); });
    CHECK_THAT(m, Contains("target(1, 0)") && Contains("1.5"));
    CHECK_THROWS_AS(loss::binary_cross_entropy_with_logits{}.validate_targets(mat(1, 1, {-0.1})), cr::argument_error);
    CHECK_THROWS_AS(bce.validate_targets(mat(1, 1, {std::nan("")})), cr::argument_error);
    CHECK_THROWS_AS(loss::mse{}.validate_targets(mat(1, 1, {HUGE_VAL})), cr::numeric_error);
    CHECK_NOTHROW(loss::huber{}.validate_targets(mat(1, 1, {-7.5})));
    // The free function dispatches to the member and accepts a loss without one.
    CHECK_THROWS_AS(loss::validate_targets(bce, mat(1, 1, {2.0})), cr::argument_error);
    CHECK_NOTHROW(loss::validate_targets(mean_absolute_error{}, mat(1, 1, {2.0})));
    // Weights: length, finiteness, sign.
    CHECK_NOTHROW(loss::validate_weights(W, 3));
    CHECK_NOTHROW(loss::validate_weights(std::vector<float>{}, 3));
    CHECK_THROWS_AS(loss::validate_weights(W, 4), cr::shape_error);
    CHECK_THROWS_AS(loss::validate_weights(std::vector<double>{1, HUGE_VAL}, 2), cr::numeric_error);
    const std::string mw =
        message_of<cr::argument_error>([] { loss::validate_weights(std::vector<float>{1.0f, -2.0f}, 2); });
    CHECK_THAT(mw, Contains("weight 1") && Contains("-2"));
}

TEST_CASE("a user's plain struct satisfies Loss and works where a Loss is expected", "[loss]") {
    cr::matrix<double> g;
    // |p - y| = 0.2 0.8 0.1 1.2 2.05 0.2 -> mean 4.55 / 6
    CHECK_THAT(one_batch(mean_absolute_error{}, P, Yreg, g), WithinRel(4.55 / 6.0, rel));
    CHECK_THAT(g(0, 1), WithinRel(-1.0 / 6.0, rel));
    // The shipped losses go through the same generic function.
    CHECK_THAT(one_batch(loss::mse{}, P, Yreg, g), WithinRel(6.3725 / 6.0, rel));
    STATIC_REQUIRE(loss::Loss<loss::huber, float>);
    STATIC_REQUIRE(loss::LogitLoss<loss::binary_cross_entropy, float>);
    STATIC_REQUIRE_FALSE(loss::LogitLoss<loss::binary_cross_entropy_with_logits, float>);
}

TEST_CASE("loss: error messages start with causalrec::loss::<function>", "[loss][messages]") {
    CHECK_THROWS_WITH(loss::binary_cross_entropy({.eps = 0.0}), Catch::Matchers::StartsWith("causalrec::loss::binary_cross_entropy: "));
}

}  // namespace causalrec_test_loss
