// Caser (rec/sequential/caser.hpp): the training objective's gradient with padding, learning a known
// transition structure, user-aware and anonymous scores, errors; persistence of all three sequence models.
#include <causalrec/rec/sequential/caser.hpp>
#include <causalrec/rec/sequential/gru4rec.hpp>
#include <causalrec/rec/sequential/sasrec.hpp>
#include <causalrec/rec/sequential/evaluate.hpp>
#include <causalrec/rec/persistence.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "gradient_check.hpp"
#include "sequence_gradients.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_rec_sequential_caser {

namespace cr = causalrec;
namespace d = causalrec::data;
namespace r = causalrec::rec;

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

}  // namespace causalrec_test_rec_sequential_caser
