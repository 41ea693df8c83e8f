// Tests of the optim module. Expected values are worked out by hand (arithmetic in the comments) or
// computed with PyTorch 1.13 (/usr/bin/python3, torch 1.13.0a0, float64 tensors: set p.grad to the fixed
// gradient, call opt.step(), read p) and pasted with the optimizer and options that produced them.
#include <causalrec/optim/optim.hpp>

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

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_optim {

namespace cr = causalrec;
namespace optim = causalrec::optim;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// A trainable tensor owned by the test, with the view an optimizer takes.
template <class T>
struct tensor {
    std::vector<T> value;
    std::vector<T> grad;
    std::vector<std::size_t> shape;
    std::vector<std::size_t> touched{};
    std::size_t row_size = 0;  // > 0 makes the tensor sparse

    tensor(std::vector<T> v, std::vector<std::size_t> s) : value(std::move(v)), grad(value.size(), T(0)), shape(std::move(s)) {}

    cr::parameter_view<T> view() {
        return {.name = "p",
                .value = value,
                .grad = grad,
                .shape = shape,
                .sparse = row_size > 0,
                .touched_rows = touched,
                .row_size = row_size};
    }
};

/// Steps `opt` on one parameter.
template <class O, class T>
void step_one(O& opt, tensor<T>& t) {
    const cr::parameter_view<T> v = t.view();
    opt.step(std::span<const cr::parameter_view<T>>(&v, 1));
}

// The fixed problem of the PyTorch comparisons: p0 and the gradients of three steps.
const std::vector<double> p0{1.0, -2.0, 0.5};
const std::vector<std::vector<double>> G{{0.1, -0.2, 0.3}, {0.2, 0.1, -0.01}, {-0.3, 0.05, 0.01}};
using trajectory = std::vector<std::vector<double>>;

/// The parameter after each of three steps of `opt` with the gradients G, starting from p0.
template <class O>
trajectory three_steps(O opt) {
    using T = typename O::value_type;
    tensor<T> t(std::vector<T>(p0.begin(), p0.end()), {3});
    trajectory out;
    for (const auto& g : G) {
        std::copy(g.begin(), g.end(), t.grad.begin());
        step_one(opt, t);
        out.emplace_back(t.value.begin(), t.value.end());
    }
    return out;
}

/// Checks a trajectory element by element (relative tolerance, plus a tiny absolute floor).
void check_trajectory(const trajectory& got, const trajectory& expected, double tolerance) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t s = 0; s < got.size(); ++s)
        for (std::size_t j = 0; j < got[s].size(); ++j) {
            INFO("step " << s + 1 << ", element " << j);
            CHECK_THAT(got[s][j], WithinRel(expected[s][j], tolerance) || WithinAbs(expected[s][j], 1e-15));
        }
}

/// Checks an optimizer in double (tight) and float (float precision) against a PyTorch float64 trajectory.
template <template <class> class O, class Options>
void check_against_torch(const Options& options, const trajectory& expected) {
    check_trajectory(three_steps(O<double>(options)), expected, 1e-13);
    check_trajectory(three_steps(O<float>(options)), expected, 2e-6);
}

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

/// A user's optimizer as a plain struct: sign gradient descent (p -= lr sign(g)).
struct sign_descent {
    double rate = 0.01;
    void step(std::span<const cr::parameter_view<double>> params) {
        for (const auto& v : params)
            for (std::size_t j = 0; j < v.size(); ++j) v.value[j] -= rate * ((v.grad[j] > 0) - (v.grad[j] < 0));
    }
    double learning_rate() const { return rate; }
    void set_learning_rate(double x) { rate = x; }
};
static_assert(optim::Optimizer<sign_descent, double>);
static_assert(!optim::Optimizer<sign_descent, float>);  // it only steps double parameters

/// A schedule written by a user: linear warm-up over 5 epochs.
struct warmup {
    double operator()(std::size_t epoch, double base_lr) const {
        return base_lr * std::min(1.0, static_cast<double>(epoch + 1) / 5.0);
    }
};
static_assert(optim::LearningRateSchedule<warmup>);

/// What a training loop does with any Optimizer: steps and reads the learning rate.
template <class O>
    requires optim::Optimizer<O, double>
double run_steps(O& opt, tensor<double>& t, int n) {
    for (int k = 0; k < n; ++k) {
        for (std::size_t j = 0; j < t.value.size(); ++j) t.grad[j] = t.value[j] - 3.0;  // gradient of |p - 3|^2 / 2
        step_one(opt, t);
    }
    return opt.learning_rate();
}

}  // namespace

TEST_CASE("class template argument deduction gives float, and double is written explicitly", "[optim]") {
    auto a = optim::adam{{.learning_rate = 1e-3}};
    auto s = optim::sgd{{.learning_rate = 0.1, .momentum = 0.9}};
    auto w = optim::adamw{};
    auto r = optim::rmsprop{{.centered = true}};
    auto g = optim::adagrad{{.lr_decay = 0.1}};
    auto d = optim::gd{{.learning_rate = 0.5}};
    STATIC_REQUIRE(std::is_same_v<decltype(a), optim::adam<float>>);
    STATIC_REQUIRE(std::is_same_v<decltype(s), optim::sgd<float>>);
    STATIC_REQUIRE(std::is_same_v<decltype(w), optim::adamw<float>>);
    STATIC_REQUIRE(std::is_same_v<decltype(r), optim::rmsprop<float>>);
    STATIC_REQUIRE(std::is_same_v<decltype(g), optim::adagrad<float>>);
    STATIC_REQUIRE(std::is_same_v<decltype(d), optim::gd<float>>);
    auto ad = optim::adam<double>{{.learning_rate = 1e-2}};
    STATIC_REQUIRE(optim::Optimizer<decltype(ad), double>);
    CHECK(a.learning_rate() == 1e-3);
    CHECK(ad.learning_rate() == 1e-2);
    CHECK(w.options().weight_decay == 0.01);  // PyTorch's AdamW default
    CHECK(a.name() == "adam");
    CHECK(d.name() == "gd");
    STATIC_REQUIRE(optim::is_full_batch_v<optim::gd<float>>);
    STATIC_REQUIRE_FALSE(optim::is_full_batch_v<optim::sgd<float>>);
    STATIC_REQUIRE_FALSE(optim::is_full_batch_v<sign_descent>);
}

TEST_CASE("Adam's first two steps equal a hand computation of Algorithm 1", "[optim]") {
    // p0 = (1, -2, 0.5), g1 = (0.1, -0.2, 0.3), g2 = (0.2, 0.1, -0.01); lr 0.1, beta1 0.9, beta2 0.999, eps 1e-8.
    // Step 1: m1 = 0.1 g1 = (0.01, -0.02, 0.03); v1 = 0.001 g1^2 = (1e-5, 4e-5, 9e-5);
    //   m_hat = m1 / (1 - 0.9) = g1; v_hat = v1 / (1 - 0.999) = g1^2 = (0.01, 0.04, 0.09);
    //   update = lr m_hat / (sqrt(v_hat) + eps) = 0.1 g1 / (|g1| + 1e-8) = (0.09999999000000102, -0.099999995, 0.0999999966666667);
    //   p1 = (0.900000009999999, -1.9000000049999997, 0.4000000033333332).
    // Step 2: m2 = 0.9 m1 + 0.1 g2 = (0.029, -0.008, 0.026); v2 = 0.999 v1 + 0.001 g2^2 = (4.999e-5, 4.996e-5, 9.001e-5);
    //   bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999;
    //   m_hat = (0.15263157894736848, -0.04210526315789477, 0.13684210526315793);
    //   v_hat = (0.025007503751876277, 0.024992496248124402, 0.045027513756879044);
    //   update = (0.09651819647874603, -0.02663370228132401, 0.06448827242093785);
    //   p2 = (0.8034818135212529, -1.8733663027186755, 0.33551173091239533).
    optim::adam<double> opt{{.learning_rate = 0.1}};
    tensor<double> t(p0, {3});
    t.grad = G[0];
    step_one(opt, t);
    const std::vector<double> p1{0.900000009999999, -1.9000000049999997, 0.4000000033333332};
    for (std::size_t j = 0; j < 3; ++j) CHECK_THAT(t.value[j], WithinRel(p1[j], 1e-15));
    const auto& s = opt.state()[0];
    CHECK_THAT(s.slots[0][2], WithinRel(0.03, 1e-15));  // m1
    CHECK_THAT(s.slots[1][1], WithinRel(4e-5, 1e-15));  // v1
    t.grad = G[1];
    step_one(opt, t);
    const std::vector<double> p2{0.8034818135212529, -1.8733663027186755, 0.33551173091239533};
    for (std::size_t j = 0; j < 3; ++j) CHECK_THAT(t.value[j], WithinRel(p2[j], 1e-15));
    CHECK_THAT(s.slots[0][0], WithinRel(0.029, 1e-15));     // m2
    CHECK_THAT(s.slots[1][2], WithinRel(9.001e-5, 1e-14));  // v2
    CHECK(s.steps == 2);
    CHECK(s.slots[2].empty());  // no max_exp_avg_sq without amsgrad
}

TEST_CASE("Adam's AVX-512 float update gives the bits of the scalar loop", "[optim]") {
    if (!cr::cpu_has_avx512f()) {
        WARN("this CPU has no AVX-512F: adam runs its scalar loop only");
        return;
    }
    // 37 values: two full 16-lane blocks and a masked tail. The scalar reference repeats adam_step's
    // expressions in the same order; without -march flags neither side has fused multiply-adds.
    cr::rng engine(3);
    const std::size_t n = 37;
    std::vector<float> p(n), g(n), m(n), v(n);
    for (std::size_t i = 0; i < n; ++i) {
        p[i] = static_cast<float>(engine.normal());
        g[i] = static_cast<float>(engine.normal()) * (i % 5 == 0 ? 1e-20f : 1.0f);  // some tiny gradients too
        m[i] = static_cast<float>(engine.normal()) * 0.1f;
        v[i] = static_cast<float>(std::abs(engine.normal())) * 0.01f;
    }
    std::vector<float> p2 = p, m2 = m, v2 = v;
    const float b1 = 0.9f, c1 = 0.1f, b2 = 0.999f, c2 = 1.0f - 0.999f, step = 1e-3f / 0.19f, bc2 = 0.0447f, eps = 1e-8f;
    optim::detail::adam_update_avx512(p.data(), g.data(), m.data(), v.data(), n, b1, c1, b2, c2, step, bc2, eps);
    for (std::size_t j = 0; j < n; ++j) {
        m2[j] = b1 * m2[j] + c1 * g[j];
        v2[j] = b2 * v2[j] + c2 * g[j] * g[j];
        p2[j] -= step * (m2[j] / (std::sqrt(v2[j]) / bc2 + eps));
    }
    for (std::size_t j = 0; j < n; ++j) {
        INFO("value " << j);
#if defined(__FMA__)
        CHECK_THAT(p[j], Catch::Matchers::WithinRel(p2[j], 1e-6f));
#else
        CHECK(p[j] == p2[j]);
        CHECK(m[j] == m2[j]);
        CHECK(v[j] == v2[j]);
#endif
    }
}

TEST_CASE("sgd, gd and their options equal PyTorch 1.13 over three steps", "[optim]") {
    // torch.optim.SGD(lr=0.1)
    check_against_torch<optim::sgd>(optim::sgd_options{.learning_rate = 0.1},
                                    {{0.99, -1.98, 0.47}, {0.97, -1.99, 0.471}, {1.0, -1.9949999999999999, 0.47}});
    // torch.optim.SGD(lr=0.1) again: gd is the same update
    check_against_torch<optim::gd>(optim::gd_options{.learning_rate = 0.1},
                                   {{0.99, -1.98, 0.47}, {0.97, -1.99, 0.471}, {1.0, -1.9949999999999999, 0.47}});
    // torch.optim.SGD(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)
    check_against_torch<optim::sgd>(optim::sgd_options{.learning_rate = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01},
                                    {{0.989, -1.978, 0.4695},
                                     {0.9602099, -1.9654198, 0.44252745},
                                     {0.96043462109, -1.9568287421800001, 0.41695388029499997}});
    // torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
    check_against_torch<optim::sgd>(optim::sgd_options{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true, .weight_decay = 0.1},
                                    {{0.962, -1.924, 0.4335},
                                     {0.8895219999999999, -1.8740439999999998, 0.3988135},
                                     {0.8910488819999999, -1.8112927639999998, 0.3611196935}});
    // torch.optim.SGD(lr=0.1, weight_decay=0.05)
    const trajectory decayed{{0.985, -1.97, 0.46749999999999997},
                             {0.960075, -1.97015, 0.4661625},
                             {0.985274625, -1.9652992500000002, 0.4628316875}};
    check_against_torch<optim::gd>(optim::gd_options{.learning_rate = 0.1, .weight_decay = 0.05}, decayed);
    check_against_torch<optim::sgd>(optim::sgd_options{.learning_rate = 0.1, .weight_decay = 0.05}, decayed);
}

TEST_CASE("adam and adamw equal PyTorch 1.13 over three steps", "[optim]") {
    // torch.optim.Adam(lr=0.1)
    check_against_torch<optim::adam>(optim::adam_options{.learning_rate = 0.1},
                                     {{0.900000009999999, -1.9000000049999999, 0.4000000033333332},
                                      {0.803481813521253, -1.873366302718676, 0.3355117309123954},
                                      {0.81014171477095, -1.8672274169037155, 0.28356066362685584}});
    // torch.optim.Adam(lr=0.1, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)
    check_against_torch<optim::adam>(
        optim::adam_options{.learning_rate = 0.1, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.1, .amsgrad = true},
        {{0.9000000049999998, -1.9000000025, 0.40000000285714277},
         {0.8005636289423005, -1.8215075053187082, 0.3321737338285624},
         {0.7766751355013141, -1.7438944205876612, 0.27603740142775224}});
    // torch.optim.Adam(lr=0.1, betas=(0.8, 0.9), weight_decay=0.1): differs from amsgrad in elements 1 and 2
    check_against_torch<optim::adam>(optim::adam_options{.learning_rate = 0.1, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.1},
                                     {{0.9000000049999998, -1.9000000025, 0.40000000285714277},
                                      {0.8005636289423005, -1.8194948772688972, 0.3287948803286531},
                                      {0.7766751355013141, -1.740495978310504, 0.26730877852743634}});
    // torch.optim.AdamW(lr=0.1) (weight_decay 0.01)
    check_against_torch<optim::adamw>(optim::adamw_options{.learning_rate = 0.1},
                                      {{0.8990000099999991, -1.8980000049999997, 0.39950000333333324},
                                       {0.8015828135112532, -1.8694683027136758, 0.3346122309090621},
                                       {0.8074411319474388, -1.8614599485960017, 0.2823265513926135}});
    // torch.optim.AdamW(lr=0.1, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)
    check_against_torch<optim::adamw>(
        optim::adamw_options{.learning_rate = 0.1, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.1, .amsgrad = true},
        {{0.890000009999999, -1.8800000049999996, 0.39500000333333324},
         {0.784235594964174, -1.8397771867629062, 0.3323401687201093},
         {0.7903953657089964, -1.8220085528202066, 0.28538776586371034}});
}

TEST_CASE("adagrad and rmsprop equal PyTorch 1.13 over three steps", "[optim]") {
    // torch.optim.Adagrad(lr=0.1)
    check_against_torch<optim::adagrad>(optim::adagrad_options{.learning_rate = 0.1},
                                        {{0.9000000000999999, -1.90000000005, 0.40000000003333336},
                                         {0.8105572810400083, -1.9447213595799957, 0.4033314830554873},
                                         {0.8907356535923071, -1.9665431485940712, 0.40000184726553584}});
    // torch.optim.Adagrad(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1, weight_decay=0.05)
    check_against_torch<optim::adagrad>(
        optim::adagrad_options{.learning_rate = 0.1, .lr_decay = 0.1, .weight_decay = 0.05, .initial_accumulator_value = 0.1},
        {{0.9571428571551021, -1.931175279854621, 0.4283286799812092},
         {0.9046042283639056, -1.9318929608385178, 0.4260406472514699},
         {0.9471646457839984, -1.923035741197668, 0.4203036568151558}});
    // torch.optim.RMSprop(lr=0.01)
    check_against_torch<optim::rmsprop>(optim::rmsprop_options{.learning_rate = 0.01},
                                        {{0.9000000999999, -1.900000049999975, 0.40000003333332224},
                                         {0.8104678438728734, -1.9449013553453873, 0.4033482798631585},
                                         {0.8908182717525459, -1.9669117652138564, 0.39998506920238214}});
    // torch.optim.RMSprop(lr=0.01, alpha=0.9, centered=True, momentum=0.9, weight_decay=0.1)
    check_against_torch<optim::rmsprop>(
        optim::rmsprop_options{.learning_rate = 0.01, .alpha = 0.9, .weight_decay = 0.1, .momentum = 0.9, .centered = true},
        {{0.9666666722222212, -1.9666666694444441, 0.46666666984126953},
         {0.9071895318377785, -1.9282684923722948, 0.4329857612836126},
         {0.87071483743114, -1.881072919979152, 0.3970422744729553}});
}

TEST_CASE("weight decay, Nesterov, AMSGrad and centered RMSprop by hand", "[optim]") {
    SECTION("sgd L2 weight decay and Nesterov momentum") {
        // lr 0.1, momentum 0.9, wd 0.1, p0 = (1, -2, 0.5), g1 = (0.1, -0.2, 0.3):
        //   d = g + 0.1 p = (0.2, -0.4, 0.35); b = d; Nesterov d + 0.9 b = 1.9 d = (0.38, -0.76, 0.665);
        //   p1 = p0 - 0.1 * that = (0.962, -1.924, 0.4335).
        // g2 = (0.2, 0.1, -0.01): d = g2 + 0.1 p1 = (0.2962, -0.0924, 0.03335);
        //   b = 0.9 (0.2, -0.4, 0.35) + d = (0.4762, -0.4524, 0.34835); d + 0.9 b = (0.72478, -0.49956, 0.346865);
        //   p2 = p1 - 0.1 * that = (0.889522, -1.874044, 0.3988135).
        optim::sgd<double> opt{{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true, .weight_decay = 0.1}};
        tensor<double> t(p0, {3});
        t.grad = G[0];
        step_one(opt, t);
        CHECK_THAT(t.value[0], WithinRel(0.962, 1e-15));
        CHECK_THAT(t.value[2], WithinRel(0.4335, 1e-15));
        t.grad = G[1];
        step_one(opt, t);
        CHECK_THAT(t.value[0], WithinRel(0.889522, 1e-14));
        CHECK_THAT(t.value[1], WithinRel(-1.874044, 1e-14));
        CHECK_THAT(t.value[2], WithinRel(0.3988135, 1e-14));
        CHECK_THAT(opt.state()[0].slots[0][1], WithinRel(-0.4524, 1e-14));  // the momentum buffer
    }
    SECTION("adam with amsgrad keeps the largest second moment") {
        // One element, p = 0, lr 0.1, default betas: g1 = 1 gives v1 = 0.001; g2 = 0.01 gives
        // v2 = 0.999 * 0.001 + 0.001 * 1e-4 = 0.0009991 < v1, so AMSGrad divides by sqrt(v1) instead.
        // m2 = 0.9 * 0.1 + 0.1 * 0.01 = 0.091; step 2 moves by 0.1 * (0.091 / 0.19) / (sqrt(v / 0.001999) + 1e-8).
        for (const bool ams : {false, true}) {
            optim::adam<double> opt{{.learning_rate = 0.1, .amsgrad = ams}};
            tensor<double> t({0.0}, {1});
            t.grad = {1.0};
            step_one(opt, t);
            const double p1 = -0.1 * 1.0 / (1.0 + 1e-8);
            CHECK_THAT(t.value[0], WithinRel(p1, 1e-15));
            t.grad = {0.01};
            step_one(opt, t);
            const double v = ams ? 0.001 : 0.0009991;
            const double expected = p1 - 0.1 * (0.091 / 0.19) / (std::sqrt(v / 0.001999) + 1e-8);
            CHECK_THAT(t.value[0], WithinRel(expected, 1e-13));
            if (ams) CHECK_THAT(opt.state()[0].slots[2][0], WithinRel(0.001, 1e-15));
        }
    }
    SECTION("adamw decays the weights apart from the gradient") {
        // p = 2, g = 0, lr 0.1, wd 0.5: the Adam part is 0 (m = 0), the decay gives p (1 - 0.05) = 1.9.
        // Adam's L2 form instead feeds g = 0.5 * 2 = 1 into the moments: p = 2 - 0.1 * 1 / (1 + 1e-8).
        optim::adamw<double> w{{.learning_rate = 0.1, .weight_decay = 0.5}};
        optim::adam<double> a{{.learning_rate = 0.1, .weight_decay = 0.5}};
        tensor<double> tw({2.0}, {1}), ta({2.0}, {1});
        step_one(w, tw);
        step_one(a, ta);
        CHECK_THAT(tw.value[0], WithinRel(1.9, 1e-15));
        CHECK_THAT(ta.value[0], WithinRel(2.0 - 0.1 / (1.0 + 1e-8), 1e-15));
    }
    SECTION("centered rmsprop divides by the variance estimate") {
        // p = 1, g = 0.5 twice, alpha 0.9, lr 0.01, eps 1e-8.
        // Step 1: s = 0.1 * 0.25 = 0.025, a = 0.1 * 0.5 = 0.05; centered sqrt(0.025 - 0.0025) = 0.15,
        //   plain sqrt(0.025); p1 = 1 - 0.01 * 0.5 / (0.15 + 1e-8).
        // Step 2: s = 0.9 * 0.025 + 0.025 = 0.0475, a = 0.9 * 0.05 + 0.05 = 0.095; s - a^2 = 0.038475.
        optim::rmsprop<double> c{{.learning_rate = 0.01, .alpha = 0.9, .centered = true}};
        optim::rmsprop<double> plain{{.learning_rate = 0.01, .alpha = 0.9}};
        tensor<double> tc({1.0}, {1}), tp({1.0}, {1});
        tc.grad = tp.grad = {0.5};
        step_one(c, tc);
        step_one(plain, tp);
        const double c1 = 1.0 - 0.01 * 0.5 / (0.15 + 1e-8);
        CHECK_THAT(tc.value[0], WithinRel(c1, 1e-15));
        CHECK_THAT(tp.value[0], WithinRel(1.0 - 0.01 * 0.5 / (std::sqrt(0.025) + 1e-8), 1e-15));
        step_one(c, tc);
        CHECK_THAT(tc.value[0], WithinRel(c1 - 0.01 * 0.5 / (std::sqrt(0.038475) + 1e-8), 1e-14));
        CHECK_THAT(c.state()[0].slots[1][0], WithinRel(0.095, 1e-15));  // grad_avg
        CHECK(plain.state()[0].slots[1].empty());                         // not centered: no grad_avg
    }
}

TEST_CASE("gradient clipping by global norm and by value (hand and PyTorch)", "[optim]") {
    // Two parameters: a = (1, -2, 0.5) with gradient (3, -4, 0), b = [[0.3, -0.4]] with gradient [[12, 0]].
    // Global norm sqrt(9 + 16 + 144) = 13; clip_norm 6.5 scales by c = 6.5 / (13 + 1e-6) (clip_grad_norm_).
    const auto make = [] {
        std::vector<tensor<double>> ts{tensor<double>({1.0, -2.0, 0.5}, {3}), tensor<double>({0.3, -0.4}, {1, 2})};
        ts[0].grad = {3.0, -4.0, 0.0};
        ts[1].grad = {12.0, 0.0};
        return ts;
    };
    const auto step_all = [](auto& opt, std::vector<tensor<double>>& ts) {
        std::vector<cr::parameter_view<double>> views{ts[0].view(), ts[1].view()};
        opt.step(views);
    };
    {
        auto ts = make();
        optim::sgd<double> opt{{.learning_rate = 1.0, .clip_norm = 6.5}};
        step_all(opt, ts);
        const double c = 6.5 / (13.0 + 1e-6);
        CHECK_THAT(ts[0].value[0], WithinRel(1.0 - 3.0 * c, 1e-15));
        CHECK_THAT(ts[1].value[0], WithinRel(0.3 - 12.0 * c, 1e-15));
        // PyTorch 1.13: clip_grad_norm_([a, b], 6.5) then SGD(lr=1).step():
        // a = (-0.4999998846153937, -1.5384614182600842e-07, 0.5), b = (-5.699999538461575, -0.4)
        CHECK_THAT(ts[0].value[0], WithinRel(-0.4999998846153937, 1e-14));
        CHECK_THAT(ts[0].value[1], WithinAbs(-1.5384614182600842e-07, 1e-15));
        CHECK(ts[0].value[2] == 0.5);
        CHECK_THAT(ts[1].value[0], WithinRel(-5.699999538461575, 1e-14));
        // The clipping rescaled the gradient buffers in place (documented).
        CHECK_THAT(ts[0].grad[1], WithinRel(-4.0 * c, 1e-15));
    }
    {
        // A norm below clip_norm leaves the gradients alone.
        auto ts = make();
        optim::sgd<double> opt{{.learning_rate = 1.0, .clip_norm = 13.5}};
        step_all(opt, ts);
        CHECK(ts[0].grad[1] == -4.0);
        CHECK(ts[0].value[0] == -2.0);
    }
    {
        // clip_value 2: gradients (2, -2, 0) and (2, 0). PyTorch 1.13: clip_grad_value_([a, b], 2.0), SGD(lr=1):
        // a = (-1.0, 0.0, 0.5), b = (-1.7, -0.4)
        auto ts = make();
        optim::sgd<double> opt{{.learning_rate = 1.0, .clip_value = 2.0}};
        step_all(opt, ts);
        CHECK(ts[0].value == std::vector<double>{-1.0, 0.0, 0.5});
        CHECK_THAT(ts[1].value[0], WithinRel(-1.7, 1e-15));
        CHECK(ts[1].value[1] == -0.4);
    }
    {
        // Clipping runs before every optimizer's update: Adam's first step with clipped g = (2, -2, 0), (2, 0)
        // moves each element with a non-zero gradient by lr * sign(g) (up to eps).
        auto ts = make();
        optim::adam<double> opt{{.learning_rate = 0.1, .clip_value = 2.0}};
        step_all(opt, ts);
        CHECK_THAT(ts[0].value[0], WithinRel(1.0 - 0.1 * 2.0 / (2.0 + 1e-8), 1e-15));
        CHECK(ts[0].value[2] == 0.5);
    }
}

TEST_CASE("sparse parameters update only the touched rows", "[optim]") {
    // A 4 x 2 embedding; rows 0 and 2 hold a stale gradient (999) that must be ignored.
    const auto embedding = [] {
        tensor<double> t({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, {4, 2});
        t.grad = {999, 999, 1.0, -2.0, 999, 999, 0.5, 0.25};
        t.row_size = 2;
        t.touched = {1, 3};
        return t;
    };
    SECTION("sgd: only listed rows move; a row listed twice moves once") {
        optim::sgd<double> opt{{.learning_rate = 0.1}};
        auto t = embedding();
        t.touched = {3, 1, 3};
        step_one(opt, t);
        CHECK(t.value == std::vector<double>{0.1, 0.2, 0.3 - 0.1, 0.4 + 0.2, 0.5, 0.6, 0.7 - 0.05, 0.8 - 0.025});
        CHECK(opt.state()[0].row_steps == std::vector<std::uint64_t>{0, 1, 0, 1});
    }
    SECTION("sgd with momentum: each row's buffer starts at its first touch") {
        optim::sgd<double> opt{{.learning_rate = 0.1, .momentum = 0.5}};
        auto t = embedding();
        t.touched = {1};
        step_one(opt, t);  // row 1: b = g = (1, -2)
        t.touched = {1, 3};
        step_one(opt, t);  // row 1: b = 0.5 b + g = (1.5, -3); row 3 (first touch): b = g = (0.5, 0.25)
        const auto& buf = opt.state()[0].slots[0];
        CHECK(buf == std::vector<double>{0, 0, 1.5, -3.0, 0, 0, 0.5, 0.25});
        CHECK_THAT(t.value[2], WithinRel(0.3 - 0.1 * 1.0 - 0.1 * 1.5, 1e-15));
        CHECK_THAT(t.value[6], WithinRel(0.7 - 0.1 * 0.5, 1e-15));
        CHECK(t.value[0] == 0.1);
        CHECK(t.value[4] == 0.5);
    }
    SECTION("lazy Adam: each touched row follows dense Adam with its own step count") {
        // PyTorch 1.13: rows 0 and 2 of E = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]] as one dense tensor,
        // torch.optim.Adam(lr=0.05), gradients [[0.5, -0.25], [0.1, 0.3]], [[-0.2, 0.4], [0.05, -0.6]],
        // [[0.3, 0.3], [-0.1, 0.2]] -> [[0.005497691840577745, 0.21004214352496026], [0.3978518760294362, 0.5727336836389961]]
        optim::adam<double> opt{{.learning_rate = 0.05}};
        tensor<double> t({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, {4, 2});
        t.row_size = 2;
        t.touched = {0, 2};
        const std::vector<std::vector<double>> grads{{0.5, -0.25, 999, 999, 0.1, 0.3, 999, 999},
                                                     {-0.2, 0.4, 999, 999, 0.05, -0.6, 999, 999},
                                                     {0.3, 0.3, 999, 999, -0.1, 0.2, 999, 999}};
        for (const auto& g : grads) {
            t.grad = g;
            step_one(opt, t);
        }
        const std::vector<double> expected{0.005497691840577745, 0.21004214352496026, 0.3978518760294362,
                                           0.5727336836389961};
        CHECK_THAT(t.value[0], WithinRel(expected[0], 1e-13));
        CHECK_THAT(t.value[1], WithinRel(expected[1], 1e-13));
        CHECK_THAT(t.value[4], WithinRel(expected[2], 1e-13));
        CHECK_THAT(t.value[5], WithinRel(expected[3], 1e-13));
        CHECK(t.value[2] == 0.3);
        CHECK(t.value[7] == 0.8);
        const auto& s = opt.state()[0];
        CHECK(s.row_steps == std::vector<std::uint64_t>{3, 0, 3, 0});
        CHECK(s.slots[0][2] == 0.0);  // row 1's moments never advanced
        CHECK(s.steps == 3);
        // Row 1 touched for the first time at step 4: its update is Adam's first step (t = 1 for the row),
        // lr * g / (|g| + eps), not a step with the bias correction of t = 4.
        t.touched = {1};
        t.grad = {999, 999, 0.4, -0.1, 999, 999, 999, 999};
        step_one(opt, t);
        CHECK_THAT(t.value[2], WithinRel(0.3 - 0.05 * 0.4 / (0.4 + 1e-8), 1e-15));
        CHECK_THAT(t.value[3], WithinRel(0.4 + 0.05 * 0.1 / (0.1 + 1e-8), 1e-15));
        CHECK_THAT(t.value[0], WithinRel(expected[0], 1e-13));  // row 0 not touched this time
    }
    SECTION("adagrad keeps untouched rows' accumulators") {
        optim::adagrad<double> opt{{.learning_rate = 0.1, .initial_accumulator_value = 0.5}};
        auto t = embedding();
        step_one(opt, t);
        const auto& sum = opt.state()[0].slots[0];
        CHECK(sum == std::vector<double>{0.5, 0.5, 1.5, 4.5, 0.5, 0.5, 0.75, 0.5625});
        CHECK_THAT(t.value[3], WithinRel(0.4 + 0.1 * 2.0 / (std::sqrt(4.5) + 1e-10), 1e-15));
        CHECK(t.value[1] == 0.2);
    }
    SECTION("clip_norm counts touched rows only, each once") {
        // Touched rows 1 (twice) and 3: norm sqrt(1 + 4 + 0.25 + 0.0625) = sqrt(5.3125); stale rows ignored.
        optim::sgd<double> opt{{.learning_rate = 1.0, .clip_norm = 1.0}};
        auto t = embedding();
        t.touched = {1, 3, 1};
        step_one(opt, t);
        const double c = 1.0 / (std::sqrt(5.3125) + 1e-6);
        CHECK_THAT(t.grad[2], WithinRel(1.0 * c, 1e-15));
        CHECK_THAT(t.value[3], WithinRel(0.4 + 2.0 * c, 1e-15));
        CHECK(t.grad[0] == 999);  // stale rows are neither used nor changed
    }
}

TEST_CASE("epoch schedules equal PyTorch's StepLR, ExponentialLR and CosineAnnealingLR", "[optim]") {
    // PyTorch 1.13, base lr 0.1, optimizer.param_groups[0]['lr'] at epochs 0, 1, ... (scheduler.step() after each):
    // StepLR(step_size=3, gamma=0.5)
    const std::vector<double> step_lr{0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125};
    // ExponentialLR(gamma=0.9)
    const std::vector<double> exp_lr{0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002,
                                     0.06561000000000002, 0.05904900000000002};
    // CosineAnnealingLR(T_max=5, eta_min=0.001), epochs 0..12 (past T_max it rises again)
    const std::vector<double> cos_lr{0.1, 0.0905463412215599, 0.06579634122155989, 0.035203658778440096,
                                     0.010453658778440105, 0.001, 0.010453658778440102, 0.03520365877844012,
                                     0.06579634122155993, 0.09054634122155995, 0.10000000000000005,
                                     0.09054634122155998, 0.06579634122155995};
    const optim::step_decay s{.step_size = 3, .gamma = 0.5};
    const optim::exponential_decay e{.gamma = 0.9};
    const optim::cosine_annealing c{.t_max = 5, .eta_min = 0.001};
    for (std::size_t k = 0; k < step_lr.size(); ++k) CHECK_THAT(s(k, 0.1), WithinRel(step_lr[k], 1e-15));
    for (std::size_t k = 0; k < exp_lr.size(); ++k) CHECK_THAT(e(k, 0.1), WithinRel(exp_lr[k], 1e-14));
    // PyTorch steps CosineAnnealingLR recursively; its closed form (what causalrec computes) agrees to ~1e-15.
    for (std::size_t k = 0; k < cos_lr.size(); ++k) CHECK_THAT(c(k, 0.1), WithinRel(cos_lr[k], 1e-13));
    CHECK(c(5, 0.1) == 0.001);
    CHECK(optim::cosine_annealing{.t_max = 10}(10, 0.5) == 0.0);
    CHECK_THROWS_AS(optim::step_decay{.step_size = 0}(1, 0.1), cr::argument_error);
    CHECK_THROWS_AS(optim::cosine_annealing{.t_max = 0}(1, 0.1), cr::argument_error);
    CHECK_THROWS_AS(optim::exponential_decay{.gamma = -0.5}(1, 0.1), cr::argument_error);
    // A user's schedule drives an optimizer the same way.
    optim::sgd<double> opt{{.learning_rate = 1.0}};
    opt.set_learning_rate(warmup{}(1, 0.5));
    CHECK(opt.learning_rate() == 0.2);
}

TEST_CASE("reduce_on_plateau follows a metric (hand-worked sequence)", "[optim]") {
    optim::reduce_on_plateau r{.factor = 0.5, .patience = 2, .min_delta = 0.01, .min_lr = 0.02, .cooldown = 1};
    // epoch metric   what happens                                         lr after
    //   0   1.0      first metric improves on +inf: best 1.0                0.1
    //   1   0.995    not below 1.0 - 0.01: wait 1                           0.1
    //   2   0.99     not below 0.99: wait 2 = patience -> 0.1 * 0.5, cooldown 1  0.05
    //   3   0.99     cooldown epoch, not counted                            0.05
    //   4   0.995    not below 0.99: wait 1                                 0.05
    //   5   0.98     below 0.99: best 0.98, wait 0                          0.05
    //   6   0.975    wait 1                                                 0.05
    //   7   0.972    wait 2 -> 0.025, cooldown 1                            0.025
    //   8   0.5      improves (best 0.5) during the cooldown                0.025
    //   9   0.6      wait 1                                                 0.025
    //  10   0.6      wait 2 -> max(0.0125, min_lr 0.02)                     0.02
    //  11   0.6      cooldown                                               0.02
    //  12   0.6      wait 1                                                 0.02
    //  13   0.6      wait 2, but lr is not above min_lr: unchanged          0.02
    const std::vector<double> metric{1.0, 0.995, 0.99, 0.99, 0.995, 0.98, 0.975, 0.972, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6};
    const std::vector<double> expected{0.1,  0.1,   0.05,  0.05,  0.05, 0.05, 0.05,
                                       0.025, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02};
    double lr = 0.1;
    for (std::size_t k = 0; k < metric.size(); ++k) {
        lr = r.update(metric[k], lr);
        INFO("epoch " << k);
        CHECK_THAT(lr, WithinRel(expected[k], 1e-15));
    }
    CHECK(r.state.best == 0.5);
    // Maximize, patience 1: a repeated accuracy is no improvement; NaN never is.
    optim::reduce_on_plateau up{.patience = 1, .mode = optim::plateau_mode::maximize};
    CHECK(up.update(0.5, 1.0) == 1.0);
    CHECK_THAT(up.update(0.5, 1.0), WithinRel(0.1, 1e-15));
    CHECK(up.update(0.9, 0.1) == 0.1);
    CHECK_THAT(up.update(std::nan(""), 0.1), WithinRel(0.01, 1e-15));
    // min_delta is absolute (Keras), not relative: 999.95 improves on 1000 by more than 1e-4.
    optim::reduce_on_plateau abs_delta{.patience = 1};
    abs_delta.update(1000.0, 1.0);
    CHECK(abs_delta.update(999.95, 1.0) == 1.0);
    CHECK(abs_delta.state.best == 999.95);
    abs_delta.reset();
    CHECK_FALSE(abs_delta.state.has_best);
    CHECK_THROWS_AS((optim::reduce_on_plateau{.factor = 1.0}.update(1.0, 0.1)), cr::argument_error);
}

TEST_CASE("every optimizer minimizes a small quadratic", "[optim]") {
    // f(p) = sum_j a_j (p_j - c_j)^2 / 2, gradient a_j (p_j - c_j); minimum at c.
    const std::vector<double> a{1.0, 4.0, 0.5}, c{3.0, -1.0, 2.0};
    const auto converge = [&](auto opt, int steps) {
        tensor<double> t({0.0, 0.0, 0.0}, {3});
        for (int k = 0; k < steps; ++k) {
            for (std::size_t j = 0; j < 3; ++j) t.grad[j] = a[j] * (t.value[j] - c[j]);
            step_one(opt, t);
        }
        double err = 0.0;
        for (std::size_t j = 0; j < 3; ++j) err = std::max(err, std::abs(t.value[j] - c[j]));
        return err;
    };
    CHECK(converge(optim::sgd<double>{{.learning_rate = 0.1}}, 500) < 1e-9);
    CHECK(converge(optim::gd<double>{{.learning_rate = 0.1}}, 500) < 1e-9);
    CHECK(converge(optim::sgd<double>{{.learning_rate = 0.05, .momentum = 0.9}}, 500) < 1e-9);
    CHECK(converge(optim::sgd<double>{{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true}}, 500) < 1e-9);
    CHECK(converge(optim::adam<double>{{.learning_rate = 0.05}}, 3000) < 1e-9);
    CHECK(converge(optim::adam<double>{{.learning_rate = 0.05, .amsgrad = true}}, 3000) < 1e-9);
    CHECK(converge(optim::adamw<double>{{.learning_rate = 0.05, .weight_decay = 0.0}}, 3000) < 1e-9);
    CHECK(converge(optim::adagrad<double>{{.learning_rate = 0.5}}, 3000) < 1e-9);
    CHECK(converge(optim::rmsprop<double>{{.learning_rate = 0.01}}, 3000) < 1e-9);
    CHECK(converge(optim::rmsprop<double>{{.learning_rate = 0.001, .momentum = 0.9, .centered = true}}, 3000) < 1e-9);
    // Decoupled weight decay moves the fixed point: with f = (p - 3)^2 / 2 the gradient keeps its sign near
    // the equilibrium, so m_hat / sqrt(v_hat) -> -1 and the update lr (wd p + m_hat / sqrt(v_hat)) vanishes
    // at p = 1 / wd = 2 (an L2 penalty in the gradient would instead give p = 3 / (1 + wd) = 2).
    tensor<double> t({0.0}, {1});
    optim::adamw<double> w{{.learning_rate = 0.01, .weight_decay = 0.5}};
    for (int k = 0; k < 5000; ++k) {
        t.grad[0] = t.value[0] - 3.0;
        step_one(w, t);
    }
    // PyTorch 1.13: AdamW([p], lr=0.01, weight_decay=0.5), p.grad = p - 3, 5000 steps from 0 -> 1.9186098879904836
    // (1.9839041949191796 after 10000, 1.9993492719120656 after 20000: v_hat slowly forgets the early |g| = 3).
    CHECK_THAT(t.value[0], WithinRel(1.9186098879904836, 1e-10));
}

TEST_CASE("bad options raise argument_error naming the option", "[optim]") {
    CHECK_THAT(message_of<cr::argument_error>([] { optim::adam<float>{{.learning_rate = 0.0}}; }), Contains("adam") && Contains("learning_rate"));
    CHECK_THROWS_AS(optim::sgd<float>({.learning_rate = -0.1}), cr::argument_error);
    CHECK_THROWS_AS(optim::gd<float>({.learning_rate = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::adagrad<float>({.learning_rate = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::rmsprop<float>({.learning_rate = std::numeric_limits<double>::quiet_NaN()}), cr::argument_error);
    CHECK_THAT(message_of<cr::argument_error>([] { optim::adam<float>{{.beta1 = 1.0}}; }), Contains("beta1"));
    CHECK_THROWS_AS(optim::adam<float>({.beta2 = -0.1}), cr::argument_error);
    CHECK_THROWS_AS(optim::adamw<float>({.beta2 = 1.5}), cr::argument_error);
    CHECK_THAT(message_of<cr::argument_error>([] { optim::adamw<float>{{.weight_decay = -0.01}}; }),
               Contains("adamw") && Contains("weight_decay") && Contains("-0.01"));
    CHECK_THROWS_AS(optim::sgd<float>({.weight_decay = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::gd<float>({.weight_decay = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::adagrad<float>({.weight_decay = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::rmsprop<float>({.weight_decay = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::sgd<float>({.momentum = -0.5}), cr::argument_error);
    CHECK_THROWS_AS(optim::sgd<float>({.nesterov = true}), cr::argument_error);  // needs momentum
    CHECK_THROWS_AS(optim::sgd<float>({.momentum = 0.9, .dampening = 0.1, .nesterov = true}), cr::argument_error);
    CHECK_THROWS_AS(optim::rmsprop<float>({.alpha = 1.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::adam<float>({.eps = -1e-8}), cr::argument_error);
    CHECK_THROWS_AS(optim::adagrad<float>({.lr_decay = -0.1}), cr::argument_error);
    CHECK_THROWS_AS(optim::adagrad<float>({.initial_accumulator_value = -0.1}), cr::argument_error);
    CHECK_THROWS_AS(optim::adam<float>({.clip_norm = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::adam<float>({.clip_norm = 1.0, .clip_value = 1.0}), cr::argument_error);
    CHECK_NOTHROW(optim::adam<float>({.beta1 = 0.0, .eps = 0.0}));
    // The learning rate may be set to 0 by a schedule, never below.
    optim::adam<float> opt{};
    opt.set_learning_rate(0.0);
    CHECK(opt.learning_rate() == 0.0);
    CHECK_THROWS_AS(opt.set_learning_rate(-1e-3), cr::argument_error);
    CHECK(opt.learning_rate() == 0.0);
}

TEST_CASE("state is allocated on the first step and never again", "[optim]") {
    tensor<float> w({1, 2, 3, 4, 5, 6}, {2, 3});
    tensor<float> e({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
    e.row_size = 2;
    e.touched = {0, 3};
    const auto run = [&](auto opt) {
        std::vector<cr::parameter_view<float>> views{w.view(), e.view()};
        const auto pointers = [&] {
            std::vector<const void*> ptrs;
            for (const auto& s : opt.state()) {
                for (const auto& slot : s.slots) ptrs.push_back(slot.data());
                ptrs.push_back(s.row_steps.data());
                ptrs.push_back(s.row_marks.data());
            }
            return ptrs;
        };
        CHECK(opt.state().empty());
        std::fill(w.grad.begin(), w.grad.end(), 0.5f);
        std::fill(e.grad.begin(), e.grad.end(), -0.5f);
        opt.step(views);
        opt.step(views);
        const auto before = pointers();
        for (int k = 0; k < 3; ++k) opt.step(views);
        CHECK(pointers() == before);
        REQUIRE(opt.state().size() == 2);
        CHECK(opt.state()[0].steps == 5);
        CHECK(opt.state()[1].row_steps[0] == 5);
        CHECK(opt.state()[1].row_steps[1] == 0);
    };
    run(optim::adam<float>{{.amsgrad = true, .clip_norm = 1.0}});
    run(optim::adamw<float>{});
    run(optim::sgd<float>{{.momentum = 0.9}});
    run(optim::gd<float>{});
    run(optim::adagrad<float>{});
    run(optim::rmsprop<float>{{.momentum = 0.5, .centered = true}});
}

TEST_CASE("a different parameter list is a shape_error until reset()", "[optim]") {
    optim::adam<double> opt{};
    tensor<double> a({1, 2, 3}, {3}), b({1, 2}, {2}), c({1, 2, 3, 4}, {4});
    std::vector<cr::parameter_view<double>> ab{a.view(), b.view()};
    opt.step(ab);
    // Fewer parameters.
    CHECK_THAT(message_of<cr::shape_error>([&] { step_one(opt, a); }),
               Contains("1 parameters") && Contains("built for 2") && Contains("reset()"));
    // Same count, other sizes.
    std::vector<cr::parameter_view<double>> ac{a.view(), c.view()};
    CHECK_THAT(message_of<cr::shape_error>([&] { opt.step(ac); }),
               Contains("parameter 1") && Contains("4 values") && Contains("for 2 values"));
    // After reset() the next step allocates for the new list.
    opt.reset();
    CHECK(opt.state().empty());
    CHECK_NOTHROW(opt.step(ac));
    CHECK(opt.state()[1].size == 4);
    // value and grad of different lengths.
    cr::parameter_view<double> bad = a.view();
    bad.grad = std::span<double>(a.grad.data(), 2);
    CHECK_THROWS_AS((optim::sgd<double>{}.step(std::span<const cr::parameter_view<double>>(&bad, 1))), cr::shape_error);
}

TEST_CASE("packed gradient rows give the same steps as a full-size gradient buffer", "[optim]") {
    // Rows 3 and 1 of a 4 x 2 table touched; the packed buffer holds their gradients in that order.
    const std::vector<double> start{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    const std::vector<std::size_t> rows{3, 1}, shape{4, 2};
    const std::vector<std::vector<double>> packed_grads{{0.5, 0.25, 1.0, -2.0}, {-0.1, 0.3, 0.2, 0.2}};
    auto run = [&](auto opt, bool packed) {
        std::vector<double> value = start, grad;
        for (const auto& pg : packed_grads) {
            if (packed) {
                grad = pg;
            } else {
                grad.assign(8, 999.0);  // stale entries outside the touched rows
                for (std::size_t k = 0; k < rows.size(); ++k)
                    for (std::size_t c = 0; c < 2; ++c) grad[rows[k] * 2 + c] = pg[k * 2 + c];
            }
            const cr::parameter_view<double> v{.name = "table", .value = value, .grad = grad, .shape = shape,
                                               .sparse = true, .touched_rows = rows, .row_size = 2,
                                               .packed_grad = packed};
            opt.step(std::span<const cr::parameter_view<double>>(&v, 1));
        }
        return value;
    };
    const auto sgd = [] { return optim::sgd<double>({.learning_rate = 0.1, .momentum = 0.9, .weight_decay = 0.01}); };
    const auto adam = [] { return optim::adam<double>({.learning_rate = 0.05, .clip_value = 0.4}); };
    const auto adagrad = [] { return optim::adagrad<double>({.learning_rate = 0.1, .clip_norm = 1.0}); };
    CHECK(run(sgd(), true) == run(sgd(), false));
    CHECK(run(adam(), true) == run(adam(), false));
    CHECK(run(adagrad(), true) == run(adagrad(), false));
    const auto moved = run(sgd(), true);
    CHECK(moved[0] == 0.1);  // untouched rows keep their values
    CHECK(moved[4] == 0.5);
    CHECK(moved[2] != 0.3);

    // Errors: a row listed twice (its two packed gradients could not both be applied) and a packed
    // buffer shorter than the touched rows; nothing changes.
    std::vector<double> value = start, grad{1, 1, 1, 1};
    const std::vector<std::size_t> twice{1, 1};
    cr::parameter_view<double> v{.name = "table", .value = value, .grad = grad, .shape = shape, .sparse = true,
                                 .touched_rows = twice, .row_size = 2, .packed_grad = true};
    optim::sgd<double> opt({.learning_rate = 0.1});
    CHECK_THAT(message_of<cr::shape_error>([&] { opt.step(std::span<const cr::parameter_view<double>>(&v, 1)); }),
               Contains("lists row 1 twice"));
    const std::vector<std::size_t> three{0, 1, 2};
    v.touched_rows = three;
    CHECK_THAT(message_of<cr::shape_error>([&] { opt.step(std::span<const cr::parameter_view<double>>(&v, 1)); }),
               Contains("4 gradient entries for 3 touched rows"));
    CHECK(value == start);
}

TEST_CASE("a bad sparse view throws before any parameter changes", "[optim]") {
    optim::sgd<double> opt{{.learning_rate = 0.1}};
    tensor<double> dense({1, 2, 3}, {3});
    dense.grad = {1, 1, 1};
    tensor<double> e({1, 2, 3, 4}, {2, 2});
    e.row_size = 2;
    e.touched = {0, 2};  // row 2 of a 2-row embedding
    e.grad = {1, 1, 1, 1};
    std::vector<cr::parameter_view<double>> views{dense.view(), e.view()};
    CHECK_THAT(message_of<cr::shape_error>([&] { opt.step(views); }),
               Contains("touched row 2") && Contains("2 rows"));
    CHECK(dense.value == std::vector<double>{1, 2, 3});
    CHECK(e.value == std::vector<double>{1, 2, 3, 4});
    tensor<double> ragged({1, 2, 3}, {3});
    ragged.row_size = 2;
    CHECK_THROWS_AS(optim::sgd<double>{}.step(std::vector<cr::parameter_view<double>>{ragged.view()}), cr::shape_error);
    // A non-finite gradient norm cannot be clipped.
    tensor<double> inf_grad({1.0}, {1});
    inf_grad.grad = {HUGE_VAL};
    optim::sgd<double> clipped{{.clip_norm = 1.0}};
    CHECK_THROWS_AS(step_one(clipped, inf_grad), cr::numeric_error);
    CHECK(inf_grad.value[0] == 1.0);
}

TEST_CASE("a user's plain struct satisfies Optimizer and trains where an Optimizer is expected", "[optim]") {
    sign_descent mine{.rate = 0.5};
    tensor<double> t({0.0}, {1});
    CHECK(run_steps(mine, t, 4) == 0.5);  // 0 -> 0.5 -> 1 -> 1.5 -> 2
    CHECK(t.value[0] == 2.0);
    optim::sgd<double> shipped{{.learning_rate = 0.5}};
    tensor<double> u({0.0}, {1});
    run_steps(shipped, u, 1);  // p -= 0.5 (0 - 3)
    CHECK(u.value[0] == 1.5);
}

// ---- lbfgs

namespace {

/// Rosenbrock's function of two variables, its gradient written into a parameter view.
struct rosenbrock {
    std::vector<double> x{-1.2, 1.0}, g{0.0, 0.0};
    std::size_t calls = 0;
    std::vector<cr::parameter_view<double>> views() { return {{.name = "x", .value = x, .grad = g}}; }
    double operator()() {
        ++calls;
        const double a = 1.0 - x[0], b = x[1] - x[0] * x[0];
        g[0] = -2.0 * a - 400.0 * x[0] * b;
        g[1] = 200.0 * b;
        return a * a + 100.0 * b * b;
    }
};

}  // namespace

TEST_CASE("lbfgs: Rosenbrock from (-1.2, 1) reaches (1, 1) with either line search", "[optim][lbfgs]") {
    for (const auto search : {optim::line_search::strong_wolfe, optim::line_search::backtracking}) {
        rosenbrock f;
        optim::lbfgs<double> opt({.max_iterations = 200, .max_evaluations = 1000, .gradient_tolerance = 1e-10,
                                  .change_tolerance = 0.0, .search = search});
        const auto views = f.views();
        const double value = opt.step(std::span<const cr::parameter_view<double>>(views), [&] { return f(); });
        CHECK(value < 1e-14);
        CHECK(f.x[0] == Approx(1.0).margin(1e-6));
        CHECK(f.x[1] == Approx(1.0).margin(1e-6));
        // Nocedal & Wright report about 35 iterations for BFGS from this start; L-BFGS(10) needs a few more.
        CHECK(opt.iterations() < 100);
        if (search == optim::line_search::strong_wolfe) CHECK(f.calls < 150);
    }
}

TEST_CASE("lbfgs: a quadratic is solved exactly and the state carries over between steps", "[optim][lbfgs]") {
    // f(x) = 0.5 x^T A x - b^T x with A = diag(1, 10, 100): minimiser A^-1 b.
    std::vector<double> x{0.0, 0.0, 0.0}, g(3);
    const double a[3] = {1.0, 10.0, 100.0}, b[3] = {1.0, 2.0, 3.0};
    const std::vector<cr::parameter_view<double>> views{{.name = "x", .value = x, .grad = g}};
    auto f = [&] {
        double v = 0.0;
        for (int i = 0; i < 3; ++i) g[i] = a[i] * x[i] - b[i], v += 0.5 * a[i] * x[i] * x[i] - b[i] * x[i];
        return v;
    };
    optim::lbfgs<double> opt({.max_iterations = 5, .max_evaluations = 50, .gradient_tolerance = 1e-12});
    (void)opt.step(views, f);
    const std::size_t first = opt.iterations();
    CHECK(first == 5);
    (void)opt.step(views, f);  // continues from the kept correction pairs
    for (int i = 0; i < 3; ++i) CHECK(x[i] == Approx(b[i] / a[i]).margin(1e-8));
    CHECK(opt.iterations() - first <= 5);
    CHECK(cr::optim::ClosureOptimizer<optim::lbfgs<double>, double>);
    CHECK(cr::optim::Optimizer<optim::lbfgs<float>, float>);
    CHECK(cr::optim::is_full_batch_v<optim::lbfgs<double>>);
}

TEST_CASE("lbfgs: bad options and sparse parameters are refused", "[optim][lbfgs][errors]") {
    CHECK_THROWS_AS(optim::lbfgs<double>({.learning_rate = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(optim::lbfgs<double>({.max_iterations = 0}), cr::argument_error);
    CHECK_THROWS_AS(optim::lbfgs<double>({.memory = 0}), cr::argument_error);
    std::vector<double> x(4, 1.0), g(4, 0.0);
    const std::size_t rows[] = {0};
    const std::vector<cr::parameter_view<double>> views{
        {.name = "table", .value = x, .grad = g, .sparse = true, .touched_rows = rows, .row_size = 2}};
    optim::lbfgs<double> opt;
    CHECK_THROWS_WITH(opt.step(views, [] { return 0.0; }), Catch::Contains("sparse"));
}

TEST_CASE("optim: error messages start with causalrec::optim::<function>", "[optim][messages]") {
    CHECK_THROWS_WITH(optim::sgd<float>({.weight_decay = -1.0}), Catch::Matchers::StartsWith("causalrec::optim::sgd: "));
}

}  // namespace causalrec_test_optim
