// Next-item recommenders (rec/sequential): SASRec's and GRU4Rec's gradients end to end, padding,
// the losses, the evaluation protocols by hand, and learning a known transition structure close to
// the oracle.
#include <causalrec/rec/sequential/caser.hpp>
#include <causalrec/rec/sequential/evaluate.hpp>
#include <causalrec/rec/persistence.hpp>
#include <causalrec/rec/sequential/gru4rec.hpp>
#include <causalrec/rec/sequential/sasrec.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "gradient_check.hpp"

namespace cr = causalrec;
namespace d = causalrec::data;
namespace r = causalrec::rec;

namespace {

// Largest relative error |a - n| / max(|a|, |n|, 1e-2) between the analytic gradient in `params`
// (taken before the loop) and central differences of `loss` over every parameter value.
template <class Params, class Loss>
double compare_with_differences(Params params, const std::vector<std::vector<double>>& analytic, Loss loss) {
    double worst = 0.0;
    const double h = 1e-6;
    for (std::size_t p = 0; p < params.size(); ++p)
        for (std::size_t i = 0; i < params[p].value.size(); ++i) {
            const double keep = params[p].value[i];
            params[p].value[i] = keep + h;
            const double up = loss();
            params[p].value[i] = keep - h;
            const double down = loss();
            params[p].value[i] = keep;
            const double n = (up - down) / (2 * h), a = analytic[p][i];
            worst = std::max(worst, std::abs(a - n) / std::max({std::abs(a), std::abs(n), 1e-2}));
        }
    return worst;
}

template <class Params>
std::vector<std::vector<double>> gradients_of(const Params& params) {
    std::vector<std::vector<double>> g;
    for (const auto& p : params) g.emplace_back(p.grad.begin(), p.grad.end());
    return g;
}

// The gradients of `params`, a sparse table's packed rows spread over its full shape (zero where untouched).
template <class Params>
std::vector<std::vector<double>> spread_gradients(const Params& params) {
    std::vector<std::vector<double>> out;
    for (const auto& p : params) {
        if (!p.sparse) {
            out.emplace_back(p.grad.begin(), p.grad.end());
            continue;
        }
        std::vector<double> full(p.value.size(), 0.0);
        for (std::size_t k = 0; k < p.touched_rows.size(); ++k)
            std::copy_n(p.grad.begin() + static_cast<std::ptrdiff_t>(k * p.row_size), p.row_size,
                        full.begin() + static_cast<std::ptrdiff_t>(p.touched_rows[k] * p.row_size));
        out.push_back(std::move(full));
    }
    return out;
}

}  // namespace

TEST_CASE("sasrec: network gradients equal central differences (double, two blocks, two heads, padding)", "[rec][sasrec][gradcheck]") {
    const r::sasrec_options o{.max_length = 4, .hidden = 4, .blocks = 2, .heads = 2, .dropout = 0.0, .seed = 3};
    r::detail::sasrec_net<double> net(5, o);
    // Two sequences of four positions; padding (index 5) at the start of the second. The network
    // computes the six real positions only (packed rows).
    const std::vector<std::uint32_t> inputs = {0, 3, 1, 4, 5, 5, 2, 2};
    REQUIRE(net.forward(inputs).shape()[0] == 6);
    CHECK(std::vector<std::size_t>(net.packed_rows().begin(), net.packed_rows().end()) == std::vector<std::size_t>{0, 1, 2, 3, 6, 7});
    cr::rng engine(9);
    const auto g = cr::testing::random_matrix(6, 4, engine);
    auto loss = [&] {
        const auto& h = net.forward(inputs);
        double s = 0;
        for (std::size_t i = 0; i < h.size(); ++i) s += h.data()[i] * g.data()[i];
        return s;
    };
    loss();
    net.backward(g);
    const auto analytic = gradients_of(net.parameters());
    CHECK(compare_with_differences(net.parameters(), analytic, loss) < 1e-6);
}

TEST_CASE("sasrec: the training objective's gradient equals central differences, padding contributes nothing", "[rec][sasrec][gradcheck]") {
    const r::sasrec_options o{.max_length = 5, .hidden = 4, .blocks = 1, .heads = 1, .dropout = 0.0, .negatives = 2, .seed = 5};
    const d::sequences train({{0, 1, 2, 3, 4, 5, 1}, {2, 4}, {5, 0, 3}}, 7);
    r::detail::sasrec_net<double> net(7, o);
    const std::size_t rows[] = {0, 1, 2};
    // A fresh objective draws the same negatives: the loss is a function of the parameters only.
    auto loss = [&] {
        r::detail::sasrec_objective<double> objective(net, train, o);
        return objective.loss_and_gradient(rows);
    };
    const double before = loss();
    const auto analytic = gradients_of(net.parameters());
    CHECK(compare_with_differences(net.parameters(), analytic, loss) < 1e-6);

    // Users 1 and 2 have 1 and 2 pairs, so most of their positions are padding, which reads the
    // padding row of the item table (row 7, kept at zero). Moving that row changes neither the loss
    // nor any other gradient, and its own gradient stays zero.
    auto params = net.parameters();
    REQUIRE(params[0].name == "item_embedding");
    for (std::size_t j = 0; j < 4; ++j) params[0].value[7 * 4 + j] = 3.0;  // the padding row (item 7)
    const double after = loss();
    CHECK(after == before);
    const auto again = gradients_of(net.parameters());
    for (std::size_t p = 1; p < again.size(); ++p) CHECK(again[p] == analytic[p]);
    for (std::size_t j = 0; j < 4; ++j) CHECK(again[0][7 * 4 + j] == 0.0);
}

TEST_CASE("evaluate_next_item: ranks, ties against the target, both protocols by hand", "[rec][sequential][evaluate]") {
    // Four items; user 0: train (0), validation 1, test 2. A scorer that prefers higher indices.
    const d::sequences all({{0, 1, 2}}, 4);
    const auto split = d::leave_one_out(all);
    struct by_index {
        std::vector<double> score_history(std::span<const std::uint32_t>, std::span<const std::size_t> items) const {
            return std::vector<double>(items.begin(), items.end());
        }
    };
    // Full protocol, test target 2 after history (0, 1): candidates 2 and 3 (0 and 1 are in the
    // history). Item 3 scores higher: rank 1, NDCG 1 / log2(3).
    auto m = r::evaluate_next_item(by_index{}, split, {.protocol = r::next_item_protocol::full, .k = 10});
    CHECK(m.users == 1);
    CHECK(m.hit_rate == 1.0);
    CHECK(m.ndcg == Approx(1.0 / std::log2(3.0)).epsilon(1e-15));
    // k = 1: outside the top 1.
    m = r::evaluate_next_item(by_index{}, split, {.protocol = r::next_item_protocol::full, .k = 1});
    CHECK(m.hit_rate == 0.0);
    // Validation target 1 after history (0): candidates 1, 2, 3 -> rank 2.
    m = r::evaluate_next_item(by_index{}, split, {.protocol = r::next_item_protocol::full, .k = 10, .validation = true});
    CHECK(m.ndcg == Approx(0.5).epsilon(1e-15));
    // Sampled: negatives are drawn from the items outside the training sequence other than the target
    // 2, that is 1 and 3; each draw of 3 ranks above the target. With 40 draws (seeded), some are 3.
    m = r::evaluate_next_item(by_index{}, split, {.protocol = r::next_item_protocol::sampled, .k = 100, .negatives = 40});
    CHECK(m.hit_rate == 1.0);
    CHECK(m.ndcg < 1.0 / std::log2(10.0));  // more than 7 of the 40 draws are 3 (the chance of 7 or fewer: 3e-6)
    struct constant {
        std::vector<double> score_history(std::span<const std::uint32_t>, std::span<const std::size_t> items) const {
            return std::vector<double>(items.size(), 0.0);
        }
    };
    // All ties: the target ranks last among 101 candidates.
    m = r::evaluate_next_item(constant{}, split, {.protocol = r::next_item_protocol::sampled, .k = 10});
    CHECK(m.hit_rate == 0.0);
    CHECK_THROWS_WITH(r::evaluate_next_item(constant{}, split, {.k = 0}), Catch::Contains("k must be >= 1"));
    const auto short_only = d::leave_one_out(d::sequences({{0, 1}}, 2));
    CHECK_THROWS_WITH(r::evaluate_next_item(constant{}, short_only), Catch::Contains("no user has held-out items"));
}

TEST_CASE("simulate_markov_sequences: transition structure and the oracle's probabilities", "[data][sequences]") {
    const auto data = d::simulate_markov_sequences({.users = 300, .items = 20, .min_length = 10, .max_length = 10, .successors = 3,
                                                    .noise = 0.0, .seed = 4});
    CHECK(data.all.n_users() == 300);
    CHECK(data.all.size() == 3000);
    // Weights 4/7, 2/7, 1/7; without noise every step goes to a successor.
    CHECK(data.weights[0] == Approx(4.0 / 7.0));
    std::size_t followed = 0, first = 0;
    for (std::size_t u = 0; u < 300; ++u) {
        const auto s = data.all.of(u);
        for (std::size_t t = 1; t < s.size(); ++t) {
            const auto& next = data.next[s[t - 1]];
            followed += std::find(next.begin(), next.end(), s[t]) != next.end();
            first += next[0] == s[t];
        }
    }
    CHECK(followed == 2700);
    CHECK(static_cast<double>(first) / 2700.0 == Approx(4.0 / 7.0).margin(0.03));  // sd 0.0095
    const auto p = d::simulate_markov_sequences({.items = 10, .noise = 0.5}).next_probabilities(3);
    double total = 0;
    for (double v : p) total += v;
    CHECK(total == Approx(1.0).epsilon(1e-12));
    CHECK_THROWS_AS(d::simulate_markov_sequences({.items = 3, .successors = 3}), cr::argument_error);
}

TEST_CASE("sasrec: learns a first-order transition structure to 90 % of the oracle's NDCG@10", "[rec][sasrec]") {
    const auto data = d::simulate_markov_sequences({.users = 2000, .items = 100, .min_length = 5, .max_length = 30, .successors = 3,
                                                    .noise = 0.1, .seed = 11});
    const auto split = d::leave_one_out(data.all);
    r::sasrec model({.max_length = 20, .hidden = 32, .blocks = 2, .heads = 1, .dropout = 0.2, .learning_rate = 3e-3,
                     .epochs = 20, .seed = 1});
    const auto history = model.fit(split.train);
    CHECK(history.loss.back() < history.loss.front());
    const r::markov_oracle oracle(data);
    // Full ranking (history items excluded): SASRec 0.754, oracle 0.762 (99 %) with these seeds.
    const auto ours = r::evaluate_next_item(model, split, {.protocol = r::next_item_protocol::full});
    const auto best = r::evaluate_next_item(oracle, split, {.protocol = r::next_item_protocol::full});
    INFO("full ranking: SASRec NDCG@10 " << ours.ndcg << ", oracle " << best.ndcg << "; HR@10 " << ours.hit_rate << " vs " << best.hit_rate);
    CHECK(ours.users == best.users);
    CHECK(ours.ndcg >= 0.9 * best.ndcg);
    // The sampled protocol on a 100-item catalogue: 100 draws from about 85 items almost always
    // include the validation item, which is the test history's last item, and SASRec scores the
    // item just consumed above the true next one for most users (its training never meets input
    // items as negatives); the oracle gives it noise / n. SASRec 0.635, oracle 0.779 here; with the
    // last item kept out of the candidates 0.771 against 0.779. On Video (23,715 items) the
    // validation item is among the draws for 0.4 % of users. Checked loosely:
    const auto sampled = r::evaluate_next_item(model, split, {.protocol = r::next_item_protocol::sampled});
    const auto sampled_best = r::evaluate_next_item(oracle, split, {.protocol = r::next_item_protocol::sampled});
    CHECK(sampled.hit_rate >= 0.9 * sampled_best.hit_rate);
    CHECK(sampled.ndcg >= 0.75 * sampled_best.ndcg);
    // A new session from its first click: the most likely successor comes first for most items.
    std::size_t right = 0;
    for (std::uint32_t item = 0; item < 100; ++item) {
        const std::uint32_t session[] = {item};
        const auto top = model.recommend_from_history(session, 1);
        REQUIRE(top.size() == 1);
        right += top[0].item == data.next[item][0];
    }
    CHECK(right >= 80);
}

TEST_CASE("sasrec: Recommender concept, errors", "[rec][sasrec][errors]") {
    static_assert(r::Recommender<r::sasrec>);
    CHECK_THROWS_WITH(r::sasrec({.hidden = 6, .heads = 4}), Catch::Contains("heads (4) must divide hidden (6)"));
    CHECK_THROWS_WITH(r::sasrec({.dropout = 1.0}), Catch::Contains("dropout must be in [0, 1)"));
    CHECK_THROWS_WITH(r::sasrec({.epochs = 0}), Catch::Contains("epochs must be >= 1"));
    r::sasrec model({.epochs = 1});
    const std::size_t items[] = {0};
    CHECK_THROWS_AS(model.score(0, items), cr::not_fitted_error);
    CHECK_THROWS_AS(model.continue_fit(1), cr::not_fitted_error);
    CHECK_THROWS_WITH(model.fit(d::sequences({{0}, {1}}, 2)), Catch::Contains("no sequence has two items or more"));
    model.fit(d::sequences({{0, 1, 2}, {2, 1}}, 4));
    const std::size_t bad[] = {4};
    CHECK_THROWS_AS(model.score(0, bad), cr::argument_error);
    CHECK(model.score(7, items) == std::vector<double>{0.0});  // an unknown user
    CHECK(model.recommend(7, 3).empty());
    CHECK(model.recommend(0, 5).size() == 1);  // item 3: the only one not in user 0's sequence
    // continue_fit trains on from the fitted weights.
    const auto before = model.score(0, items);
    model.continue_fit(2);
    CHECK(model.epochs_trained() == 3);
    CHECK(model.score(0, items) != before);
    CHECK_THROWS_WITH(model.continue_fit(0), Catch::Contains("epochs must be >= 1"));
}

// ---- GRU4Rec ----

TEST_CASE("gru4rec losses: sampled softmax and BPR-max against hand values and central differences", "[rec][gru4rec][gradcheck]") {
    // Cross-entropy of scores (1, 3) with the target first: log(e + e^3) - 1 = 2.126928011 (by hand).
    const double two[] = {1.0, 3.0};
    double g2[2];
    CHECK(r::detail::sampled_softmax_row(two, 2, 0, 1.0, g2) == Catch::Approx(std::log(std::exp(1.0) + std::exp(3.0)) - 1.0).epsilon(1e-14));
    CHECK(g2[0] == Catch::Approx(std::exp(1.0) / (std::exp(1.0) + std::exp(3.0)) - 1.0).epsilon(1e-14));
    // BPR-max with one negative: s = 1, L = -log sigmoid(1 - 3) + lambda * 9.
    CHECK(r::detail::bpr_max_row(two, 2, 0, 0.5, 1.0, g2) == Catch::Approx(-std::log(1.0 / (1.0 + std::exp(2.0))) + 4.5).epsilon(1e-12));
    cr::rng engine(4);
    std::vector<double> scores(7), grad(7);
    for (auto& v : scores) v = engine.normal();
    for (int loss = 0; loss < 2; ++loss) {
        auto f = [&](const std::vector<double>& x) {
            std::vector<double> unused(7);
            return loss == 0 ? r::detail::sampled_softmax_row(x.data(), 7, 2, 1.0, unused.data())
                             : r::detail::bpr_max_row(x.data(), 7, 2, 0.3, 1.0, unused.data());
        };
        if (loss == 0) r::detail::sampled_softmax_row(scores.data(), 7, 2, 1.0, grad.data());
        else r::detail::bpr_max_row(scores.data(), 7, 2, 0.3, 1.0, grad.data());
        for (std::size_t c = 0; c < 7; ++c) {
            auto up = scores, down = scores;
            up[c] += 1e-6;
            down[c] -= 1e-6;
            const double n = (f(up) - f(down)) / 2e-6;
            CHECK(std::abs(grad[c] - n) / std::max({std::abs(grad[c]), std::abs(n), 1e-2}) < 1e-6);
        }
    }
}

TEST_CASE("gru4rec: the training objective's gradient equals central differences (both losses)", "[rec][gru4rec][gradcheck]") {
    const d::sequences train({{0, 1, 2, 3}, {2, 4}, {5, 0, 3}, {1, 1, 5}}, 6);
    for (auto loss_kind : {r::gru4rec_loss::cross_entropy, r::gru4rec_loss::bpr_max}) {
        const r::gru4rec_options o{.hidden = 3, .embedding = 2, .loss = loss_kind, .batch_size = 3, .sampled_negatives = 4,
                                   .bpr_max_regularization = 0.2, .seed = 6};
        r::detail::gru4rec_net<double> net(6, o);
        r::detail::gru4rec_objective<double> objective(net, train, o);
        objective.advance();  // a step with carried (non-zero) states in the slots still running
        objective.current_loss_and_gradient();
        const auto analytic = spread_gradients(objective.parameters());
        auto loss = [&] { return objective.current_loss_and_gradient(); };
        CHECK(compare_with_differences(objective.parameters(), analytic, loss) < 1e-6);
    }
}

TEST_CASE("gru4rec: learns a first-order transition structure to 90 % of the oracle's NDCG@10", "[rec][gru4rec]") {
    const auto data = d::simulate_markov_sequences({.users = 2000, .items = 100, .min_length = 5, .max_length = 30, .successors = 3,
                                                    .noise = 0.1, .seed = 11});
    const auto split = d::leave_one_out(data.all);
    const r::markov_oracle oracle(data);
    const auto best = r::evaluate_next_item(oracle, split, {.protocol = r::next_item_protocol::full});
    for (auto loss_kind : {r::gru4rec_loss::cross_entropy, r::gru4rec_loss::bpr_max}) {
        r::gru4rec model({.hidden = 32, .loss = loss_kind, .batch_size = 32, .sampled_negatives = 64, .learning_rate = 5e-3, .epochs = 5,
                          .seed = 1});
        const auto history = model.fit(split.train);
        CHECK(history.loss.back() < history.loss.front());
        const auto ours = r::evaluate_next_item(model, split, {.protocol = r::next_item_protocol::full});
        INFO("loss " << (loss_kind == r::gru4rec_loss::cross_entropy ? "cross-entropy" : "BPR-max") << ": GRU4Rec NDCG@10 " << ours.ndcg
                     << ", oracle " << best.ndcg << "; HR@10 " << ours.hit_rate << " vs " << best.hit_rate);
        // Full ranking: cross-entropy 0.716, BPR-max 0.727, oracle 0.762 (94-95 %) with these seeds.
        CHECK(ours.ndcg >= 0.9 * best.ndcg);
        // A new session from its first click (a state one step from zero, unlike mid-session states):
        // the most likely successor first for 71 (cross-entropy) and 80 (BPR-max) of the 100 items here.
        std::size_t right = 0;
        for (std::uint32_t item = 0; item < 100; ++item) {
            const std::uint32_t session[] = {item};
            right += model.recommend_from_history(session, 1).at(0).item == data.next[item][0];
        }
        CHECK(right >= 65);
    }
}

TEST_CASE("gru4rec: Recommender concept, histories of any length, errors", "[rec][gru4rec][errors]") {
    static_assert(r::Recommender<r::gru4rec>);
    CHECK_THROWS_WITH(r::gru4rec({.hidden = 0}), Catch::Contains("hidden must be >= 1"));
    CHECK_THROWS_WITH(r::gru4rec({.sample_alpha = 2.0}), Catch::Contains("sample_alpha must be in [0, 1]"));
    CHECK_THROWS_WITH(r::gru4rec({.batch_size = 1, .sampled_negatives = 0}), Catch::Contains("a target needs a negative"));
    r::gru4rec model({.hidden = 8, .batch_size = 2, .sampled_negatives = 3, .epochs = 2});
    const std::size_t items[] = {0, 3};
    CHECK_THROWS_AS(model.score(0, items), cr::not_fitted_error);
    CHECK_THROWS_WITH(model.fit(d::sequences({{0}, {1}}, 2)), Catch::Contains("no sequence has two items or more"));
    model.fit(d::sequences({{0, 1, 2}, {2, 1}, {3, 0, 1, 2, 3}}, 4));
    CHECK(model.epochs_trained() == 2);
    // Scoring a batch of histories of different lengths (left-padded, masked) equals scoring each alone.
    const std::vector<std::uint32_t> a{3, 0, 1, 2, 3}, b{1};
    const std::span<const std::uint32_t> both[] = {a, b};
    const auto all = model.score_all(both);
    const auto alone = model.score_history(b, items);
    CHECK(all(1, 0) == Catch::Approx(alone[0]).margin(1e-5));
    CHECK(all(1, 3) == Catch::Approx(alone[1]).margin(1e-5));
    CHECK(model.score(9, items) == std::vector<double>{0.0, 0.0});  // an unknown user
    CHECK(model.recommend(0, 5).size() == 1);  // item 3: the only one not in user 0's sequence
    const std::uint32_t bad[] = {7};
    CHECK_THROWS_AS(model.recommend_from_history(bad, 2), cr::argument_error);
    CHECK_THROWS_AS(model.score_history({}, items), cr::argument_error);
    const auto before = model.score(0, items);
    model.continue_fit(1);
    CHECK(model.score(0, items) != before);
}

// ---- Caser ----

TEST_CASE("caser: the training objective's gradient equals central differences (padding, short sequences)", "[rec][caser][gradcheck]") {
    const r::caser_options o{.max_length = 3, .targets = 2, .hidden = 3, .horizontal_filters = 2, .vertical_filters = 2, .dropout = 0.0,
                             .negatives = 2, .seed = 4};
    const d::sequences train({{0, 1, 2, 3, 4, 5}, {2, 4}, {5, 0, 3}}, 7);
    r::detail::caser_net<double> net(train, o);
    r::detail::caser_objective<double> objective(net, train, o);
    // Windows: user 0 at t = 1..4, user 1 at t = 1 (one target), user 2 at t = 1.
    REQUIRE(objective.samples() == 6);
    // Away from the ReLU kinks: zero conv biases would put padding positions exactly at 0.
    cr::rng engine(12);
    for (auto& p : net.dense_parameters())
        for (auto& v : p.value) v += 0.3 * engine.normal();
    const std::size_t rows[] = {0, 3, 4, 5};
    objective.fill(rows);
    objective.loss_of_batch();
    const auto analytic = spread_gradients(objective.parameters());
    // The padding row (item 7) is zero input, never trained: it gets no gradient and is left out of
    // the comparison (moving it would move the padded positions' convolution inputs).
    auto views = objective.parameters();
    REQUIRE(views[0].name == "item_embedding");
    for (std::size_t j = 0; j < 3; ++j) CHECK(analytic[0][7 * 3 + j] == 0.0);
    views[0].value = views[0].value.first(7 * 3);
    auto loss = [&] { return objective.loss_of_batch(); };
    CHECK(compare_with_differences(views, analytic, loss) < 1e-6);
}

TEST_CASE("caser: learns a first-order transition structure to 80 % of the oracle's NDCG@10", "[rec][caser]") {
    const auto data = d::simulate_markov_sequences({.users = 2000, .items = 100, .min_length = 5, .max_length = 30, .successors = 3,
                                                    .noise = 0.1, .seed = 11});
    const auto split = d::leave_one_out(data.all);
    const r::markov_oracle oracle(data);
    const auto best = r::evaluate_next_item(oracle, split, {.protocol = r::next_item_protocol::full});
    r::caser model({.dropout = 0.5, .learning_rate = 3e-3, .weight_decay = 1e-5, .batch_size = 256, .epochs = 5, .seed = 1});
    const auto history = model.fit(split.train);
    CHECK(history.loss.back() < history.loss.front());
    const auto ours = r::evaluate_next_item(model, split, {.protocol = r::next_item_protocol::full});
    INFO("Caser NDCG@10 " << ours.ndcg << ", oracle " << best.ndcg << "; HR@10 " << ours.hit_rate << " vs " << best.hit_rate);
    // Caser 0.659, oracle 0.762 (86 %) here; the best of the settings tried (dropout 0.2-0.5, 5-40
    // epochs, learning rates 1e-3 to 1e-2) was 0.659, and it falls with more epochs as the user
    // embeddings fit noise. On first-order data Caser is handicapped by design: max-pooling over time
    // drops where in the window an item was, so only the vertical filters can single out the last one.
    CHECK(ours.ndcg >= 0.8 * best.ndcg);
}

TEST_CASE("caser: Recommender concept, user-aware and anonymous scores, errors", "[rec][caser][errors]") {
    static_assert(r::Recommender<r::caser>);
    CHECK_THROWS_WITH(r::caser({.max_length = 0}), Catch::Contains("max_length must be >= 1"));
    CHECK_THROWS_WITH(r::caser({.dropout = -0.1}), Catch::Contains("dropout must be in [0, 1)"));
    r::caser model({.max_length = 3, .hidden = 4, .horizontal_filters = 2, .vertical_filters = 1, .batch_size = 4, .epochs = 2});
    const std::size_t items[] = {0, 3};
    CHECK_THROWS_AS(model.score(0, items), cr::not_fitted_error);
    CHECK_THROWS_WITH(model.fit(d::sequences({{0}, {1}}, 2)), Catch::Contains("no sequence has two items or more"));
    model.fit(d::sequences({{0, 1, 2}, {2, 1}, {3, 0, 1, 2}}, 5));
    const auto seq = model.training_sequences().of(0);
    CHECK(model.score(0, items) == model.score_user_history(0, seq, items));
    CHECK(model.score(0, items) != model.score_history(seq, items));  // the user's embedding, not the mean
    CHECK(model.score(9, items) == std::vector<double>{0.0, 0.0});
    CHECK(model.recommend(0, 5).size() == 2);  // items 3 and 4 are not in user 0's sequence
    const std::uint32_t bad[] = {7};
    CHECK_THROWS_AS(model.recommend_from_history(bad, 2), cr::argument_error);
    const auto before = model.score(0, items);
    model.continue_fit(1);
    CHECK(model.score(0, items) != before);
}

// ---- persistence ----

TEMPLATE_TEST_CASE("next-item recommenders: saved and loaded give the same scores, the wrong model is refused", "[rec][sequential][persistence]",
                   r::sasrec, r::gru4rec, r::caser) {
    const d::sequences train({{0, 1, 2, 3}, {2, 4, 1}, {3, 0, 1, 2, 4}, {4, 3}}, 6, d::id_map({"u1", "u2", "u3", "u4"}),
                             d::id_map({"a", "b", "c", "d", "e", "f"}));
    TestType model = [] {
        if constexpr (std::is_same_v<TestType, r::sasrec>) return r::sasrec({.max_length = 4, .hidden = 8, .epochs = 2});
        else if constexpr (std::is_same_v<TestType, r::gru4rec>) return r::gru4rec({.hidden = 8, .batch_size = 2, .sampled_negatives = 3, .epochs = 2});
        else return r::caser({.max_length = 3, .hidden = 4, .horizontal_filters = 2, .vertical_filters = 1, .batch_size = 4, .epochs = 2});
    }();
    model.fit(train);
    const auto path = (std::filesystem::temp_directory_path() / "causalrec_sequential_test.safetensors").string();
    r::save_recommender(model, path);
    const TestType loaded = r::load_recommender<TestType>(path);
    const std::size_t items[] = {0, 1, 2, 3, 4, 5};
    const std::uint32_t session[] = {3, 1};
    for (std::size_t u = 0; u < 4; ++u) CHECK(loaded.score(u, items) == model.score(u, items));
    CHECK(loaded.recommend_from_history(session, 3) == model.recommend_from_history(session, 3));
    CHECK(loaded.epochs_trained() == 2);
    CHECK(loaded.training_sequences().user_ids().id_of(2) == "u3");
    CHECK(loaded.training_sequences().of(2).size() == 5);
    if constexpr (std::is_same_v<TestType, r::sasrec>) CHECK_THROWS_AS(r::load_recommender<r::gru4rec>(path), cr::format_error);
    else CHECK_THROWS_AS(r::load_recommender<r::sasrec>(path), cr::format_error);
    std::filesystem::remove(path);
    TestType unfitted = [] { return TestType{}; }();
    CHECK_THROWS_AS(unfitted.to_file(), cr::not_fitted_error);
}

TEMPLATE_TEST_CASE("next-item recommenders: top_items equals score_all followed by top_items", "[rec][sequential][top_items]", r::sasrec,
                   r::gru4rec, r::caser) {
    const auto data = d::simulate_markov_sequences({.users = 60, .items = 2500, .min_length = 3, .max_length = 12, .seed = 2});
    TestType model = [] {
        if constexpr (std::is_same_v<TestType, r::sasrec>) return r::sasrec({.max_length = 8, .hidden = 8, .epochs = 1});
        else if constexpr (std::is_same_v<TestType, r::gru4rec>) return r::gru4rec({.hidden = 8, .batch_size = 4, .sampled_negatives = 16, .epochs = 1});
        else return r::caser({.max_length = 3, .hidden = 8, .horizontal_filters = 2, .vertical_filters = 1, .batch_size = 16, .epochs = 1});
    }();
    model.fit(data.all);
    std::vector<std::span<const std::uint32_t>> histories;
    for (std::size_t u = 0; u < data.all.n_users(); ++u) histories.push_back(data.all.of(u));
    const auto fused = model.top_items(histories, 12);  // 2,500 items: two blocks of the fused pass
    const auto plain = r::top_items(model.score_all(histories), 12);
    REQUIRE(fused.shape() == plain.shape());
    CHECK(std::equal(fused.begin(), fused.end(), plain.begin()));
}

TEST_CASE("popularity_scorer: training counts whatever the history", "[rec][sequential][evaluate]") {
    const d::sequences train({{0, 1, 1}, {1, 2}}, 4);
    const r::popularity_scorer pop(train);
    const std::uint32_t history[] = {3};
    const std::size_t items[] = {0, 1, 2, 3};
    CHECK(pop.score_history(history, items) == std::vector<double>{1.0, 3.0, 1.0, 0.0});  // by hand
    const std::size_t bad[] = {4};
    CHECK_THROWS(pop.score_history(history, bad));
}
