// Bandit policies: LinUCB's inverse against a direct inverse, Thompson posteriors against their
// closed forms, the Laplace update against its optimality condition, probabilities that sum to 1 per
// position, policy files that continue serving choice for choice, the regret of LinUCB against
// epsilon-greedy on a linear problem, and errors.
#include <causalrec/bandit/bandit.hpp>
#include <causalrec/nn/activations.hpp>
#include <causalrec/nn/sequential.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <numeric>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_bandit {

namespace cr = causalrec;
namespace bandit = causalrec::bandit;
namespace nn = causalrec::nn;

namespace {

/// The representation network of the neural policy tests: dim -> 8, tanh.
auto small_body(std::size_t dim, std::uint64_t seed) { return nn::sequential(nn::dense<double>(dim, 8, {.seed = seed}), nn::tanh<double>{}); }
using small_body_t = decltype(small_body(1, 0));

/// The inverse of a small dense matrix by Gauss-Jordan elimination with partial pivoting.
std::vector<double> inverse(std::vector<double> a, std::size_t n) {
    std::vector<double> inv(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) inv[i * n + i] = 1.0;
    for (std::size_t c = 0; c < n; ++c) {
        std::size_t p = c;
        for (std::size_t r = c + 1; r < n; ++r)
            if (std::abs(a[r * n + c]) > std::abs(a[p * n + c])) p = r;
        for (std::size_t j = 0; j < n; ++j) {
            std::swap(a[c * n + j], a[p * n + j]);
            std::swap(inv[c * n + j], inv[p * n + j]);
        }
        const double d = a[c * n + c];
        for (std::size_t j = 0; j < n; ++j) a[c * n + j] /= d, inv[c * n + j] /= d;
        for (std::size_t r = 0; r < n; ++r) {
            if (r == c) continue;
            const double f = a[r * n + c];
            for (std::size_t j = 0; j < n; ++j) a[r * n + j] -= f * a[c * n + j], inv[r * n + j] -= f * inv[c * n + j];
        }
    }
    return inv;
}

double max_abs_difference(std::span<const double> a, std::span<const double> b) {
    double worst = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

template <class P>
void check_probabilities(P& policy, std::span<const double> context, double tolerance) {
    const auto p = policy.action_probabilities(context);
    REQUIRE(p.size() == policy.n_actions());
    double total = 0.0;
    for (double v : p) {
        CHECK(v >= 0.0);
        CHECK(v <= 1.0);
        total += v;
    }
    CHECK(total == Catch::Approx(1.0).margin(tolerance));
    // A slate of three positions: one item each, no repeats, probabilities in (0, 1].
    const auto s = bandit::choose_slate(policy, context, 3);
    REQUIRE(s.items.size() == 3);
    CHECK(s.items[0] != s.items[1]);
    CHECK(s.items[0] != s.items[2]);
    CHECK(s.items[1] != s.items[2]);
    for (double v : s.probabilities) {
        CHECK(v > 0.0);
        CHECK(v <= 1.0 + 1e-12);
    }
}

}  // namespace

TEST_CASE("lin_ucb: A^-1 after n Sherman-Morrison updates equals the direct inverse of l2 I + sum x x^T", "[bandit][linucb]") {
    const std::size_t d = 6, actions = 3;
    bandit::lin_ucb policy(actions, d, {.alpha = 0.5, .l2 = 2.0});
    bandit::contextual_simulator sim({.actions = actions, .features = d - 1, .seed = 3});
    std::vector<std::vector<double>> a(actions, std::vector<double>(d * d, 0.0)), b(actions, std::vector<double>(d, 0.0));
    for (auto& m : a)
        for (std::size_t i = 0; i < d; ++i) m[i * d + i] = 2.0;
    for (int t = 0; t < 300; ++t) {
        const auto x = sim.next_context();
        const auto c = policy.choose(x, {});
        CHECK(c.probability == 1.0);
        const double r = sim.draw_reward(x, c.action);
        policy.update(x, c.action, r);
        for (std::size_t i = 0; i < d; ++i) {
            b[c.action][i] += r * x[i];
            for (std::size_t j = 0; j < d; ++j) a[c.action][i * d + j] += x[i] * x[j];
        }
    }
    for (std::size_t k = 0; k < actions; ++k) {
        INFO("action " << k);
        CHECK(max_abs_difference(policy.arms().inverse_of(k), inverse(a[k], d)) < 1e-9);
        CHECK(max_abs_difference(policy.arms().vector_of(k), b[k]) < 1e-12);
    }
    // The score is theta^T x + alpha sqrt(x^T A^-1 x) with theta = A^-1 b.
    const auto x = sim.next_context();
    const auto inv = inverse(a[1], d);
    double mean = 0.0, width = 0.0;
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = 0; j < d; ++j) mean += inv[i * d + j] * b[1][j] * x[i], width += x[i] * inv[i * d + j] * x[j];
    CHECK(policy.upper_bounds(x)[1] == Catch::Approx(mean + 0.5 * std::sqrt(width)).epsilon(1e-10));
}

TEST_CASE("lin_ucb: the single-precision screening chooses exactly upper_bounds' arg max", "[bandit][linucb]") {
    // 40 actions, 12 features, 3,000 rounds; near-ties are made likely by small alpha and a few
    // duplicated actions (the same updates to actions 0 and 1, so their scores tie exactly).
    bandit::lin_ucb policy(40, 12, {.alpha = 0.05});
    bandit::contextual_simulator sim({.actions = 40, .features = 11, .seed = 8});
    std::size_t disagreements = 0, ties_to_lower = 0;
    for (int t = 0; t < 3000; ++t) {
        const auto x = sim.next_context();
        const std::vector<std::size_t> excluded = t % 7 == 0 ? std::vector<std::size_t>{3, 5} : std::vector<std::size_t>{};
        const auto c = policy.choose(x, excluded);
        auto bounds = policy.upper_bounds(x);
        for (std::size_t e : excluded) bounds[e] = -std::numeric_limits<double>::infinity();
        const auto best = static_cast<std::size_t>(std::max_element(bounds.begin(), bounds.end()) - bounds.begin());
        disagreements += c.action != best;
        ties_to_lower += bounds[0] == bounds[1] && c.action == 0 && best == 0;
        const std::size_t a = t % 3 == 0 ? static_cast<std::size_t>(t / 3 % 40) : c.action;
        const double r = sim.draw_reward(x, a);
        policy.update(x, a, r);
        if (a == 0) policy.update(x, 1, r);
        if (a == 1) policy.update(x, 0, r);
    }
    CHECK(disagreements == 0);
    CHECK(ties_to_lower > 0);
    // alpha = 0: the greedy ridge estimate, no widths.
    bandit::lin_ucb greedy(5, 3, {.alpha = 0.0});
    const std::vector<double> x = {1.0, 0.5, -0.5};
    greedy.update(x, 2, 1.0);
    CHECK(greedy.choose(x, {}).action == 2);
}

TEST_CASE("bernoulli_thompson: the posterior is the conjugate Beta, and the Beta draws have its moments", "[bandit][thompson]") {
    bandit::bernoulli_thompson policy(3, {.prior_alpha = 2.0, .prior_beta = 3.0, .seed = 5});
    const double rewards[] = {1, 0, 1, 1, 0, 0.5};
    for (double r : rewards) policy.update({}, 1, r);
    CHECK(policy.posterior_alpha()[1] == 2.0 + 3.5);  // prior + sum of rewards
    CHECK(policy.posterior_beta()[1] == 3.0 + 2.5);   // prior + sum of (1 - reward)
    CHECK(policy.posterior_alpha()[0] == 2.0);
    cr::rng g(9);
    double sum = 0.0, sum2 = 0.0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        const double v = g.beta(5.5, 5.5);
        sum += v, sum2 += v * v;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    CHECK(mean == Catch::Approx(0.5).margin(0.002));
    CHECK(var == Catch::Approx(0.5 * 0.5 / 12.0).margin(0.0005));  // ab / ((a + b)^2 (a + b + 1)) = 30.25 / (121 * 12)
    double gsum = 0.0;
    for (int i = 0; i < n; ++i) gsum += g.gamma(0.5);
    CHECK(gsum / n == Catch::Approx(0.5).margin(0.01));  // Gamma(k, 1) has mean k
}

TEST_CASE("linear_thompson: the predictive draws have mean theta^T x and variance v^2 x^T A^-1 x", "[bandit][thompson]") {
    const std::size_t d = 4;
    bandit::linear_thompson policy(2, d, {.scale = 0.7, .l2 = 1.0, .probability_draws = 20000, .seed = 3});
    bandit::contextual_simulator sim({.actions = 2, .features = d - 1, .seed = 8});
    for (int t = 0; t < 50; ++t) {
        const auto x = sim.next_context();
        policy.update(x, static_cast<std::size_t>(t % 2), sim.draw_reward(x, static_cast<std::size_t>(t % 2)));
    }
    // P(action 0) = P(N(m0 - m1, s0^2 + s1^2) > 0) for two independent normal scores.
    const auto x = sim.next_context();
    std::vector<double> u(d);
    const double m0 = policy.arms().mean_prediction(0, x, u), m1 = policy.arms().mean_prediction(1, x, u);
    const double s0 = 0.7 * std::sqrt(policy.arms().solve(0, x, u)), s1 = 0.7 * std::sqrt(policy.arms().solve(1, x, u));
    const double expected = 0.5 * std::erfc(-(m0 - m1) / std::sqrt(2.0 * (s0 * s0 + s1 * s1)));
    CHECK(policy.action_probabilities(x)[0] == Catch::Approx(expected).margin(0.01));  // 20,000 draws: sd <= 0.0035
}

TEST_CASE("logistic_thompson: an update reaches the Laplace posterior's mode and curvature", "[bandit][thompson]") {
    const std::size_t d = 3;
    bandit::logistic_thompson policy(1, d, {.prior_variance = 2.0, .seed = 1});
    std::vector<double> covariance = {2, 0, 0, 0, 2, 0, 0, 0, 2}, mean = {0, 0, 0};
    const std::vector<std::vector<double>> xs = {{1, 0.5, -0.2}, {1, -0.3, 0.8}, {1, 0.9, 0.1}, {1, 0.2, 0.2}};
    const double ys[] = {1, 0, 1, 1};
    for (std::size_t t = 0; t < xs.size(); ++t) {
        const auto& x = xs[t];
        policy.update(x, 0, ys[t]);
        const auto m = policy.arms().vector_of(0);
        // Optimality: S_old^-1 (m - m_old) + (sigmoid(m^T x) - y) x = 0, i.e. m - m_old = -(p - y) S_old x.
        double z = 0.0;
        for (std::size_t i = 0; i < d; ++i) z += m[i] * x[i];
        const double p = cr::sigmoid(z);
        std::vector<double> sx(d, 0.0);
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j) sx[i] += covariance[i * d + j] * x[j];
        for (std::size_t i = 0; i < d; ++i) CHECK(m[i] - mean[i] == Catch::Approx(-(p - ys[t]) * sx[i]).margin(1e-10));
        // Curvature: S_new = (S_old^-1 + p (1 - p) x x^T)^-1.
        auto precision = inverse(covariance, d);
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j) precision[i * d + j] += p * (1 - p) * x[i] * x[j];
        covariance = inverse(precision, d);
        CHECK(max_abs_difference(policy.arms().inverse_of(0), covariance) < 1e-10);
        mean.assign(m.begin(), m.end());
    }
}

TEST_CASE("every policy: probabilities sum to 1, slates repeat no item, choices report their probability", "[bandit]") {
    bandit::contextual_simulator sim({.actions = 6, .features = 3, .seed = 2});
    const auto x = sim.next_context();
    bandit::epsilon_greedy eg(6, {.epsilon = 0.2, .seed = 1});
    bandit::softmax sm(6, {.temperature = 0.5, .seed = 1});
    bandit::ucb1 ucb(6);
    bandit::bernoulli_thompson bts(6, {.probability_draws = 2000, .seed = 1});
    bandit::lin_ucb lin(6, 4);
    bandit::linear_thompson lts(6, 4, {.probability_draws = 2000});
    bandit::logistic_thompson logts(6, 4, {.probability_draws = 2000});
    bandit::neural_linear<small_body_t> neural(small_body(4, 1), 6, 4, {.retrain_every = 20, .probability_draws = 2000});
    bandit::neural_linear<small_body_t> neural_eg(small_body(4, 1), 6, 4, {.exploration = bandit::neural_exploration::epsilon_greedy,
                                                                            .epsilon = 0.2, .retrain_every = 20});
    for (int t = 0; t < 40; ++t) {
        const auto c = sim.next_context();
        const std::size_t a = static_cast<std::size_t>(t % 6);
        const double r = sim.draw_reward(c, a);
        eg.update(c, a, r), sm.update(c, a, r), ucb.update(c, a, r), bts.update(c, a, r);
        lin.update(c, a, r), lts.update(c, a, r), logts.update(c, a, r), neural.update(c, a, r), neural_eg.update(c, a, r);
    }
    CHECK(neural.retrainings() == 2);
    check_probabilities(neural, x, 1e-12);
    check_probabilities(neural_eg, x, 1e-12);
    {
        const auto pn = neural_eg.action_probabilities(x);
        const auto best = static_cast<std::size_t>(std::max_element(pn.begin(), pn.end()) - pn.begin());
        CHECK(pn[best] == Catch::Approx(0.2 / 6 + 0.8));
        const auto scores = neural_eg.predicted_rewards(x);
        CHECK(best == static_cast<std::size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin()));
    }
    check_probabilities(eg, x, 1e-12);
    check_probabilities(sm, x, 1e-12);
    check_probabilities(ucb, x, 0.0);
    check_probabilities(bts, x, 1e-12);
    check_probabilities(lin, x, 0.0);
    check_probabilities(lts, x, 1e-12);
    check_probabilities(logts, x, 1e-12);
    // Closed forms: epsilon-greedy's choice probability is epsilon / m + (1 - epsilon) for the greedy action.
    const auto p = eg.action_probabilities(x);
    const auto greedy = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    CHECK(p[greedy] == Catch::Approx(0.2 / 6 + 0.8));
    for (int i = 0; i < 50; ++i) {
        const auto c = eg.choose(x, {});
        CHECK(c.probability == Catch::Approx(c.action == greedy ? 0.2 / 6 + 0.8 : 0.2 / 6));
        const auto s = sm.choose(x, {});
        CHECK(s.probability == Catch::Approx(sm.action_probabilities(x)[s.action]));
    }
    // With an exclusion the probabilities are over the allowed actions.
    const std::vector<std::size_t> skip = {greedy};
    const auto c = eg.choose(x, skip);
    CHECK(c.action != greedy);
    CHECK(c.probability == Catch::Approx(0.2 / 5 + (c.probability > 0.5 ? 0.8 : 0.0)));
}

TEST_CASE("policy files: a loaded policy continues serving choice for choice", "[bandit][persistence]") {
    const auto dir = std::filesystem::temp_directory_path() / "causalrec_test_bandit";
    std::filesystem::create_directories(dir);
    bandit::contextual_simulator sim({.actions = 5, .features = 3, .seed = 4});
    std::vector<std::vector<double>> contexts;
    for (int t = 0; t < 150; ++t) contexts.push_back(sim.next_context());
    auto run = [&](auto& policy, int from, int to, std::vector<std::size_t>& actions, std::vector<double>& probabilities) {
        for (int t = from; t < to; ++t) {
            const auto c = policy.choose(contexts[static_cast<std::size_t>(t)], {});
            actions.push_back(c.action);
            probabilities.push_back(c.probability);
            policy.update(contexts[static_cast<std::size_t>(t)], c.action, static_cast<double>((t * 7 + static_cast<int>(c.action)) % 3 == 0));
        }
    };
    auto check = [&]<class P>(P policy, const char* file) {
        std::vector<std::size_t> a0, a1;
        std::vector<double> p0, p1;
        run(policy, 0, 100, a0, p0);
        bandit::save_policy(policy, dir / file);
        auto loaded = bandit::load_policy<P>(dir / file);
        a0.clear(), p0.clear();
        run(policy, 100, 150, a0, p0);
        run(loaded, 100, 150, a1, p1);
        INFO(file);
        CHECK(a0 == a1);
        CHECK(p0 == p1);
    };
    check(bandit::epsilon_greedy(5, {.epsilon = 0.3, .seed = 2}), "eg.safetensors");
    check(bandit::softmax(5, {.temperature = 0.2, .seed = 2}), "softmax.safetensors");
    check(bandit::ucb1(5), "ucb1.safetensors");
    check(bandit::bernoulli_thompson(5, {.probability_draws = 50, .seed = 2}), "bts.safetensors");
    check(bandit::lin_ucb(5, 4, {.alpha = 0.3}), "linucb.safetensors");
    check(bandit::linear_thompson(5, 4, {.probability_draws = 50}), "lints.safetensors");
    check(bandit::logistic_thompson(5, 4, {.probability_draws = 50}), "logts.safetensors");
    // The neural policy retrains every 30 updates: at 120 and 150, after the reload too. The loaded
    // policy gets a body of the same architecture with other weights; the file's weights replace them.
    {
        bandit::neural_linear<small_body_t> neural(small_body(4, 3), 5, 4, {.retrain_every = 30, .epochs = 2, .probability_draws = 50});
        std::vector<std::size_t> a0, a1;
        std::vector<double> p0, p1;
        run(neural, 0, 100, a0, p0);
        bandit::save_policy(neural, dir / "neural.safetensors");
        auto loaded = bandit::load_policy<bandit::neural_linear<small_body_t>>(dir / "neural.safetensors", small_body(4, 99));
        CHECK(loaded.retrainings() == 3);
        a0.clear(), p0.clear();
        run(neural, 100, 150, a0, p0);
        run(loaded, 100, 150, a1, p1);
        CHECK(neural.retrainings() == 5);
        CHECK(a0 == a1);
        CHECK(p0 == p1);
        bandit::neural_linear<small_body_t> eg(small_body(4, 3), 5, 4, {.exploration = bandit::neural_exploration::epsilon_greedy, .epsilon = 0.3,
                                                                         .retrain_every = 30, .epochs = 2});
        a0.clear(), p0.clear(), a1.clear(), p1.clear();
        run(eg, 0, 100, a0, p0);
        bandit::save_policy(eg, dir / "neural_eg.safetensors");
        auto eg_loaded = bandit::load_policy<bandit::neural_linear<small_body_t>>(dir / "neural_eg.safetensors", small_body(4, 98));
        a0.clear(), p0.clear();
        run(eg, 100, 150, a0, p0);
        run(eg_loaded, 100, 150, a1, p1);
        CHECK(a0 == a1);
        CHECK(p0 == p1);
        // A body of another architecture is refused.
        auto wide = nn::sequential(nn::dense<double>(4, 9, {.seed = 1}), nn::tanh<double>{});
        CHECK_THROWS_AS(bandit::load_policy<bandit::neural_linear<decltype(wide)>>(dir / "neural.safetensors", wide), cr::format_error);
    }
    CHECK_THROWS_AS(bandit::load_policy<bandit::ucb1>(dir / "eg.safetensors"), cr::format_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("regret: LinUCB learns a linear problem sublinearly and beats epsilon-greedy", "[bandit][regret]") {
    const bandit::contextual_simulator_options problem{.actions = 10, .features = 5, .spread = 0.4, .seed = 11};
    bandit::contextual_simulator sim_a(problem), sim_b(problem);
    bandit::lin_ucb linucb(10, 6, {.alpha = 0.5});
    bandit::epsilon_greedy greedy(10, {.epsilon = 0.1, .seed = 3});
    const auto lin = bandit::run_online(linucb, sim_a, 10000);
    const auto eg = bandit::run_online(greedy, sim_b, 10000);
    const double ratio = lin.cumulative_regret[9999] / lin.cumulative_regret[2499];
    INFO("LinUCB regret at 2,500 / 10,000 rounds: " << lin.cumulative_regret[2499] << " / " << lin.cumulative_regret[9999] << " (ratio " << ratio
                                                    << "); epsilon-greedy " << eg.cumulative_regret[2499] << " / " << eg.cumulative_regret[9999]);
    CHECK(lin.cumulative_regret[9999] < eg.cumulative_regret[9999]);
    CHECK(ratio < 2.5);  // sublinear: a linear regret gives 4, sqrt(T) gives 2
}

TEST_CASE("neural_linear: with a fixed representation it is linear Thompson sampling on z", "[bandit][neural]") {
    bandit::contextual_simulator sim({.actions = 4, .features = 3, .seed = 6});
    bandit::neural_linear<small_body_t> neural(small_body(4, 5), 4, 4, {.scale = 0.3, .retrain_every = 0, .probability_draws = 40, .seed = 9});
    REQUIRE(neural.representation_dim() == 8);
    bandit::linear_thompson reference(4, 8, {.scale = 0.3, .probability_draws = 40, .seed = 9});
    auto body = small_body(4, 5);  // the same weights: z by hand
    for (int t = 0; t < 200; ++t) {
        const auto x = sim.next_context();
        cr::matrix<double> row = cr::matrix<double>::from_shape({1, 4});
        std::copy(x.begin(), x.end(), row.data());
        const auto& zm = body.forward(row);
        const std::vector<double> z(zm.begin(), zm.end());
        CHECK(neural.representation(x) == z);
        const auto a = neural.choose(x, {});
        const auto b = reference.choose(z, {});
        REQUIRE(a.action == b.action);
        CHECK(a.probability == b.probability);
        const double r = sim.draw_reward(x, a.action);
        neural.update(x, a.action, r);
        reference.update(z, b.action, r);
    }
    CHECK(neural.retrainings() == 0);
    CHECK(neural.buffered() == 200);
}

TEST_CASE("neural_linear: the retraining loss's gradient matches finite differences, and retraining fits the rewards", "[bandit][neural]") {
    // Rewards from a nonlinear function of the context: action a pays sin(2 x_a) + x_0 x_1.
    cr::rng g(4);
    const std::size_t n = 300, dim = 3, k = 3;
    std::vector<double> contexts;
    std::vector<std::size_t> actions;
    std::vector<double> rewards;
    for (std::size_t j = 0; j < n; ++j) {
        double x[dim];
        for (auto& v : x) v = g.uniform() * 2.0 - 1.0;
        contexts.insert(contexts.end(), x, x + dim);
        actions.push_back(j % k);
        rewards.push_back(std::sin(2.0 * x[j % k]) + x[0] * x[1]);
    }
    // The objective's gradient against central differences, on every parameter of body and head.
    {
        auto body = small_body(dim, 2);
        nn::dense<double> head(8, k, {.seed = 3});
        bandit::detail::neural_bandit_objective<small_body_t> objective(body, head, contexts, dim, actions, rewards);
        std::vector<std::size_t> batch = {0, 1, 2, 7, 11, 40};
        objective.loss_and_gradient(batch);
        std::vector<std::vector<double>> grads;
        for (const auto& p : objective.parameters()) grads.emplace_back(p.grad.begin(), p.grad.end());
        double worst = 0.0;
        std::size_t index = 0;
        for (const auto& p : objective.parameters()) {
            for (std::size_t i = 0; i < p.value.size(); i += 3) {
                const double keep = p.value[i], h = 1e-6;
                p.value[i] = keep + h;
                const double up = objective.loss_and_gradient(batch);
                p.value[i] = keep - h;
                const double down = objective.loss_and_gradient(batch);
                p.value[i] = keep;
                worst = std::max(worst, std::abs((up - down) / (2.0 * h) - grads[index][i]));
            }
            ++index;
        }
        CHECK(worst < 1e-6);
    }
    // Retraining lowers the logged actions' squared error well below the untrained network's.
    bandit::neural_linear<small_body_t> neural(small_body(dim, 2), k, dim, {.retrain_every = 0, .epochs = 200, .batch_size = 32, .learning_rate = 0.01});
    auto mse = [&] {
        double s = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
            const auto p = neural.predicted_rewards(std::span<const double>(contexts.data() + j * dim, dim));
            s += (p[actions[j]] - rewards[j]) * (p[actions[j]] - rewards[j]);
        }
        return s / static_cast<double>(n);
    };
    for (std::size_t j = 0; j < n; ++j) neural.update(std::span<const double>(contexts.data() + j * dim, dim), actions[j], rewards[j]);
    const double before = mse();
    const double last_epoch = neural.retrain();
    const double after = mse();
    INFO("mean squared error before " << before << ", after " << after << ", last epoch " << last_epoch);
    CHECK(after < 0.25 * before);
    CHECK(after < 0.05);
    CHECK(neural.retrainings() == 1);
    // The last layer was rebuilt from the buffer with the new representation: its b sums z r over the rounds.
    const auto& arms = neural.last_layer().arms();
    double b00 = 0.0;
    for (std::size_t j = 0; j < n; j += k) b00 += neural.representation(std::span<const double>(contexts.data() + j * dim, dim))[0] * rewards[j];
    CHECK(arms.vector_of(0)[0] == Catch::Approx(b00).margin(1e-9));
}

TEST_CASE("regret: the neural policy learns the linear problem and beats epsilon-greedy", "[bandit][regret][neural]") {
    const bandit::contextual_simulator_options problem{.actions = 10, .features = 5, .spread = 0.4, .seed = 11};
    bandit::contextual_simulator sim_a(problem), sim_b(problem);
    bandit::neural_linear<small_body_t> neural(small_body(6, 1), 10, 6, {.scale = 0.25, .retrain_every = 500, .epochs = 3, .probability_draws = 0});
    bandit::epsilon_greedy greedy(10, {.epsilon = 0.1, .seed = 3});
    const auto nl = bandit::run_online(neural, sim_a, 4000);
    const auto eg = bandit::run_online(greedy, sim_b, 4000);
    INFO("neural regret at 1,000 / 4,000 rounds: " << nl.cumulative_regret[999] << " / " << nl.cumulative_regret[3999] << "; epsilon-greedy "
                                                   << eg.cumulative_regret[999] << " / " << eg.cumulative_regret[3999]);
    CHECK(nl.cumulative_regret[3999] < 0.6 * eg.cumulative_regret[3999]);
    CHECK(nl.cumulative_regret[3999] - nl.cumulative_regret[2999] < nl.cumulative_regret[999]);  // the last quarter costs less than the first
}

TEST_CASE("bandit policies: errors name the policy and the fault", "[bandit][errors]") {
    CHECK_THROWS_AS(bandit::neural_linear<small_body_t>(small_body(4, 1), 0, 4), cr::argument_error);
    CHECK_THROWS_AS(bandit::neural_linear<small_body_t>(small_body(4, 1), 3, 4, {.epsilon = -0.1}), cr::argument_error);
    CHECK_THROWS_AS(bandit::neural_linear<small_body_t>(small_body(4, 1), 3, 4, {.batch_size = 0}), cr::argument_error);
    CHECK_THROWS_AS(bandit::neural_linear<small_body_t>(small_body(4, 1), 3, 4, {.learning_rate = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(bandit::neural_linear<small_body_t>(small_body(4, 1), 3, 4, {.scale = 0.0}), cr::argument_error);
    {
        bandit::neural_linear<small_body_t> neural(small_body(4, 1), 3, 4);
        const std::vector<double> short_context = {1.0, 2.0};
        CHECK_THROWS_WITH(neural.choose(short_context, {}), Catch::Contains("neural_linear"));
        const std::vector<double> x = {0.1, 0.2, 0.3, 0.4};
        CHECK_THROWS_AS(neural.update(x, 3, 1.0), cr::argument_error);
        CHECK_THROWS_AS(neural.update(x, 0, std::nan("")), cr::argument_error);
        CHECK(std::isnan(neural.retrain()));  // nothing buffered
    }
    CHECK_THROWS_AS(bandit::epsilon_greedy(0), cr::argument_error);
    CHECK_THROWS_AS(bandit::epsilon_greedy(3, {.epsilon = 1.5}), cr::argument_error);
    CHECK_THROWS_AS(bandit::softmax(3, {.temperature = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(bandit::bernoulli_thompson(3, {.prior_alpha = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(bandit::lin_ucb(3, 0), cr::argument_error);
    CHECK_THROWS_AS(bandit::lin_ucb(3, 2, {.l2 = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(bandit::linear_thompson(3, 2, {.scale = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(bandit::logistic_thompson(3, 2, {.prior_variance = 0.0}), cr::argument_error);
    bandit::lin_ucb lin(3, 2);
    const std::vector<double> x = {1.0, 0.5}, bad = {1.0};
    CHECK_THROWS_WITH(lin.choose(bad, {}), Catch::Contains("lin_ucb") && Catch::Contains("the context has 1 values, the policy 2"));
    CHECK_THROWS_WITH(lin.update(x, 3, 1.0), Catch::Contains("action 3 is not below 3"));
    CHECK_THROWS_AS(lin.update(x, 0, std::nan("")), cr::argument_error);
    const std::vector<std::size_t> all = {0, 1, 2};
    CHECK_THROWS_WITH(lin.choose(x, all), Catch::Contains("every one of the 3 actions is excluded"));
    bandit::bernoulli_thompson bts(2);
    CHECK_THROWS_WITH(bts.update({}, 0, 2.0), Catch::Contains("[0, 1]"));
    CHECK_THROWS_AS(bandit::choose_slate(lin, x, 4), cr::argument_error);
}

}  // namespace causalrec_test_bandit
