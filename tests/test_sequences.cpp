// Ordered item sequences (data/sequences.hpp): building from logs and files, the leave-one-out split
// and next-item training batches. Expected values are worked out by hand in the comments.
#include <causalrec/data/sequences.hpp>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_sequences {

namespace d = causalrec::data;
using items = std::vector<std::uint32_t>;

namespace {

items as_vector(std::span<const std::uint32_t> s) { return items(s.begin(), s.end()); }

}  // namespace

TEST_CASE("sequences: flat storage, lengths and errors", "[data][sequences]") {
    const d::sequences s({{2, 0, 2}, {}, {1}}, 3);
    CHECK(s.n_users() == 3);
    CHECK(s.n_items() == 3);
    CHECK(s.size() == 4);
    CHECK(as_vector(s.of(0)) == items{2, 0, 2});  // a repeated item stays
    CHECK(s.of(1).empty());
    CHECK(s.length(2) == 1);
    CHECK(std::vector<std::size_t>(s.offsets().begin(), s.offsets().end()) == std::vector<std::size_t>{0, 3, 3, 4});
    CHECK_THROWS_AS(s.of(3), causalrec::argument_error);
    CHECK_THROWS_WITH(d::sequences({{0, 3}}, 3), Catch::Contains("user 0 has item 3, not below n_items = 3"));
    CHECK_THROWS_WITH(d::sequences({{0}}, 1, d::id_map({"a", "b"})), Catch::Contains("2 user ids for 1 sequences"));
    const d::sequences none;
    CHECK(none.n_users() == 0);
    CHECK(none.empty());
}

TEST_CASE("sequences_from_log: file order, or timestamps with ties in file order", "[data][sequences]") {
    // Rows: (user, item) = (1, 0), (0, 2), (1, 1), (0, 0).
    d::interaction_columns c;
    c.users = {1, 0, 1, 0};
    c.items = {0, 2, 1, 0};
    c.values = {1, 1, 1, 1};
    c.n_users = 2, c.n_items = 3;
    const auto in_file_order = d::sequences_from_log(d::interactions(c));
    CHECK(as_vector(in_file_order.of(0)) == items{2, 0});
    CHECK(as_vector(in_file_order.of(1)) == items{0, 1});
    // Timestamps 5, 9, 3, 9: user 1 is (item 1 at 3, item 0 at 5); user 0's rows tie at 9 and keep
    // file order (item 2, then item 0).
    c.timestamps = {5, 9, 3, 9};
    const auto by_time = d::sequences_from_log(d::interactions(c));
    CHECK(as_vector(by_time.of(0)) == items{2, 0});
    CHECK(as_vector(by_time.of(1)) == items{1, 0});
}

TEST_CASE("read_sequences_text: the SASRec format, ids mapped in order of first appearance", "[data][sequences]") {
    const auto s = d::read_sequences_text("1 10\n1 30\n2 30\n1 20\n2 10\n");
    REQUIRE(s.n_users() == 2);
    REQUIRE(s.n_items() == 3);
    // items: "10" -> 0, "30" -> 1, "20" -> 2
    CHECK(as_vector(s.of(0)) == items{0, 1, 2});
    CHECK(as_vector(s.of(1)) == items{1, 0});
    CHECK(s.item_ids().id_of(2) == "20");
    CHECK(s.user_ids().id_of(1) == "2");
    CHECK_THROWS_AS(d::read_sequences_text("1 10\n1\n", d::sasrec_file_format(), "video.txt"), causalrec::parse_error);
    CHECK_THROWS_WITH(d::read_sequences_text("1 10\n1\n", d::sasrec_file_format(), "video.txt"), Catch::Contains("video.txt"));
}

TEST_CASE("leave_one_out: last item test, second-to-last validation, short sequences train only", "[data][sequences]") {
    const d::sequences all({{4}, {0, 1}, {0, 1, 2}, {3, 2, 1, 0, 4}}, 5);
    const auto split = d::leave_one_out(all);
    CHECK(split.train.n_users() == 4);
    CHECK(as_vector(split.train.of(0)) == items{4});
    CHECK(as_vector(split.train.of(1)) == items{0, 1});
    CHECK(as_vector(split.train.of(2)) == items{0});
    CHECK(as_vector(split.train.of(3)) == items{3, 2, 1});
    CHECK(!split.evaluated(0));
    CHECK(!split.evaluated(1));
    CHECK(split.validation[2] == 1);
    CHECK(split.test[2] == 2);
    CHECK(split.validation[3] == 0);
    CHECK(split.test[3] == 4);
    CHECK(split.validation[0] == d::sequence_split::no_item);
    CHECK(split.n_evaluated() == 2);
    CHECK(split.train.size() == 1 + 2 + 1 + 3);
}

TEST_CASE("next_item_batcher: left padding, shifted positives, the last max_length positions", "[data][sequences]") {
    // Six items (0..5); padding is 6. User 0: 0 1 2 3 (three pairs), user 1: 4 (no pair), user 2:
    // 0 1 2 3 4, longer than max_length 3: inputs 1 2 3, positives 2 3 4 (the last three pairs).
    const d::sequences train({{0, 1, 2, 3}, {4}, {0, 1, 2, 3, 4}}, 6);
    d::next_item_batcher batcher(train, {.max_length = 3, .negatives = 2});
    causalrec::rng engine(7);
    d::next_item_batch batch;
    const std::size_t users[] = {0, 1, 2};
    batcher.fill(users, engine, batch);
    const std::uint32_t P = 6;
    CHECK(batch.padding == P);
    CHECK(batch.batch_size == 3);
    CHECK(batch.users == items{0, 1, 2});
    CHECK(batch.inputs == items{0, 1, 2, P, P, P, 1, 2, 3});
    CHECK(batch.positives == items{1, 2, 3, P, P, P, 2, 3, 4});
    CHECK(batch.n_real() == 6);
    CHECK(batch.real(0));
    CHECK(!batch.real(3));
    REQUIRE(batch.negatives.size() == 3 * 3 * 2);
    for (std::size_t row = 0; row < 9; ++row)
        for (std::size_t n = 0; n < 2; ++n) {
            const std::uint32_t neg = batch.negatives[row * 2 + n];
            if (!batch.real(row)) {
                CHECK(neg == P);
                continue;
            }
            // Outside the user's whole training sequence: user 0 -> {4, 5}, user 2 -> {5}.
            if (row < 3) CHECK((neg == 4 || neg == 5));
            else CHECK(neg == 5);
        }

    // Shorter than max_length: left-padded.
    d::next_item_batcher long_batcher(train, {.max_length = 5, .negatives = 1});
    const std::size_t first[] = {0};
    long_batcher.fill(first, engine, batch);
    CHECK(batch.inputs == items{P, P, 0, 1, 2});
    CHECK(batch.positives == items{P, P, 1, 2, 3});
}

TEST_CASE("next_item_batcher: deterministic for a seed, negatives uniform over the allowed items", "[data][sequences]") {
    const d::sequences train({{0, 1}, {2, 3, 4}}, 10);
    d::next_item_batcher batcher(train, {.max_length = 1, .negatives = 1});
    d::next_item_batch a, b;
    causalrec::rng e1(3), e2(3);
    const std::size_t users[] = {0, 1, 0};
    batcher.fill(users, e1, a);
    batcher.fill(users, e2, b);
    CHECK(a.negatives == b.negatives);
    // User 0 may draw 8 items (2..9), each with probability 1/8: 8000 draws, about 1000 each
    // (binomial sd 29.6; the bounds are more than 5 sd away).
    std::vector<int> count(10, 0);
    causalrec::rng engine(11);
    const std::vector<std::size_t> many(8000, 0);
    batcher.fill(many, engine, a);
    for (const auto n : a.negatives) ++count[n];
    CHECK(count[0] == 0);
    CHECK(count[1] == 0);
    for (std::size_t i = 2; i < 10; ++i) {
        CHECK(count[i] > 850);
        CHECK(count[i] < 1150);
    }
}

TEST_CASE("next_item_batcher: errors", "[data][sequences]") {
    const d::sequences train({{0, 1}, {1, 0}}, 2);
    CHECK_THROWS_WITH(d::next_item_batcher(train, {.max_length = 0}), Catch::Contains("max_length must be >= 1"));
    CHECK_THROWS_WITH(d::next_item_batcher(train, {.max_length = 2, .negatives = 0}), Catch::Contains("negatives must be >= 1"));
    d::next_item_batcher batcher(train);
    causalrec::rng engine(1);
    d::next_item_batch batch;
    const std::size_t out_of_range[] = {2};
    CHECK_THROWS_WITH(batcher.fill(out_of_range, engine, batch), Catch::Contains("user 2 is out of range (2 users)"));
    const std::size_t every_item[] = {0};
    CHECK_THROWS_WITH(batcher.fill(every_item, engine, batch), Catch::Contains("holds every item; no negative can be drawn"));
}

}  // namespace causalrec_test_sequences
