#pragma once
/// @file
/// Ordered item sequences for next-item recommenders: one sequence per user (or per anonymous
/// session), built from an interaction log (by timestamp, else in file order) or read from a
/// "user item" file (the SASRec authors' format); the leave-one-out split of the sequential
/// recommendation literature; and training batches of the last `max_length` items of each sequence
/// with the next item as positive and sampled negatives, in the sequence-batch layout (B sequences
/// of L positions, position t of sequence b at row b * L + t).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "id_map.hpp"
#include "interaction_log.hpp"
#include "interactions_csv.hpp"

namespace causalrec::data {

/// Item sequences, one per user (or session), each in time order; items are dense indices
/// 0..n_items()-1. Stored flat: user u's items are items()[offsets()[u] .. offsets()[u + 1]).
class sequences {
public:
    /// No users, no items.
    sequences() = default;

    /// One sequence per element of `per_user`; raises argument_error on an item >= n_items, on more
    /// than 2^32 - 1 items, or on a non-empty id map whose size differs from the user or item count.
    sequences(const std::vector<std::vector<std::uint32_t>>& per_user, std::size_t n_items, id_map user_ids = {},
              id_map item_ids = {});

    /// Number of sequences (users or sessions).
    std::size_t n_users() const noexcept { return offsets_.size() - 1; }
    /// Number of items (indices 0..n_items()-1).
    std::size_t n_items() const noexcept { return n_items_; }
    /// Number of actions over all sequences.
    std::size_t size() const noexcept { return items_.size(); }
    /// True when there is no action.
    bool empty() const noexcept { return items_.empty(); }

    /// User u's items in time order; raises argument_error when u >= n_users().
    std::span<const std::uint32_t> of(std::size_t user) const {
        check_user(user);
        return {items_.data() + offsets_[user], offsets_[user + 1] - offsets_[user]};
    }
    /// Length of user u's sequence; raises argument_error when u >= n_users().
    std::size_t length(std::size_t user) const {
        check_user(user);
        return offsets_[user + 1] - offsets_[user];
    }

    /// All items, user after user.
    std::span<const std::uint32_t> items() const noexcept { return items_; }
    /// Start of each user's items in items(), and size() at the end (n_users() + 1 entries).
    std::span<const std::size_t> offsets() const noexcept { return offsets_; }
    /// Original user (or session) ids; empty when built from indices.
    const id_map& user_ids() const noexcept { return user_ids_; }
    /// Original item ids; empty when built from indices.
    const id_map& item_ids() const noexcept { return item_ids_; }

private:
    void check_user(std::size_t user) const {
        if (user >= n_users())
            throw argument_error(cat("causalrec::data::sequences: user ", user, " is out of range (", n_users(), " users)"));
    }

    std::vector<std::size_t> offsets_{0};
    std::vector<std::uint32_t> items_{};
    std::size_t n_items_ = 0;
    id_map user_ids_{}, item_ids_{};
};

/// The log's rows as one sequence per user: ordered by timestamp when the log has timestamps (rows
/// with equal timestamps keep their file order), else in file order. Repeated items stay (a
/// sequence may come back to an item); values, weights and propensities are not used. Keeps the
/// log's id maps. For anonymous sessions, read the session id as the user column.
sequences sequences_from_log(const interactions& log);

/// Reading options for the SASRec authors' files: "user item" per line, one space apart, no header,
/// each user's lines in time order.
inline interaction_csv_options sasrec_file_format() {
    interaction_csv_options o;
    o.delimiter = ' ';
    o.header = false;
    o.column_names = {"user", "item"};
    return o;
}

/// Reads one sequence per user from a file of interaction rows (by default the SASRec format; any
/// read_interactions options work, with `timestamp` naming a column to order by). Ids become dense
/// indices in order of first appearance (user_ids() / item_ids() map them back); malformed lines
/// raise parse_error naming file, line and column.
sequences read_sequences(const std::string& path, const interaction_csv_options& options = sasrec_file_format());

/// Like read_sequences, from text in memory; `name` stands for the file in error messages.
sequences read_sequences_text(std::string_view text, const interaction_csv_options& options = sasrec_file_format(),
                                     const std::string& name = "<text>");

/// The leave-one-out split of next-item recommendation (Kang & McAuley 2018, and most papers since).
struct sequence_split {
    /// Marks a user without held-out items.
    static constexpr std::uint32_t no_item = std::numeric_limits<std::uint32_t>::max();
    sequences train;                        ///< each user's sequence without the held-out items
    std::vector<std::uint32_t> validation;  ///< per user: the second-to-last item, or no_item
    std::vector<std::uint32_t> test;        ///< per user: the last item, or no_item
    /// True when user u has held-out items (a sequence of 3 actions or more).
    bool evaluated(std::size_t user) const noexcept { return user < test.size() && test[user] != no_item; }
    /// Number of users with held-out items.
    std::size_t n_evaluated() const noexcept {
        return static_cast<std::size_t>(std::count_if(test.begin(), test.end(), [](std::uint32_t i) { return i != no_item; }));
    }
};

/// Splits every sequence of 3 actions or more into training (all but the last two), validation
/// (second-to-last) and test (last); shorter sequences are training only.
sequence_split leave_one_out(const sequences& all);

/// Options of next-item training batches.
struct next_item_batch_options {
    std::size_t max_length = 50;  ///< positions per sequence: the last max_length inputs (>= 1)
    std::size_t negatives = 1;    ///< sampled negatives per position (>= 1)
};

/// A training batch for next-item models, in the sequence-batch layout: B sequences of L =
/// max_length positions, position t of sequence b at row b * L + t, the most recent input at t = L - 1
/// and shorter histories left-padded. At a real position the input is an item and the positive is
/// the item that followed it; padding positions hold `padding` (= n_items, one past the last item,
/// so that an embedding table of n_items + 1 rows whose last row stays zero serves them).
struct next_item_batch {
    std::size_t batch_size = 0;                ///< B
    std::size_t max_length = 0;                ///< L
    std::size_t negatives_per_position = 0;    ///< N
    std::uint32_t padding = 0;                 ///< the padding index, n_items
    std::vector<std::uint32_t> users{};        ///< B: the user of each sequence
    std::vector<std::uint32_t> inputs{};       ///< B * L: the item at each position, or padding
    std::vector<std::uint32_t> positives{};    ///< B * L: the next item, or padding
    std::vector<std::uint32_t> negatives{};    ///< B * L * N: N items outside the user's sequence per position, or padding
    /// True when row b * L + t is a real position (it has a positive).
    bool real(std::size_t row) const noexcept { return positives[row] != padding; }
    /// Number of real positions.
    std::size_t n_real() const noexcept {
        return static_cast<std::size_t>(std::count_if(positives.begin(), positives.end(), [&](std::uint32_t i) { return i != padding; }));
    }
};

/// Builds next-item training batches from training sequences (the SASRec authors' sampler): for a
/// user with sequence s_0..s_{n-1}, the inputs are s_0..s_{n-2} and the positives s_1..s_{n-1}, the
/// last max_length of them; each real position gets `negatives` items drawn uniformly, with
/// replacement, from the items not in the user's whole training sequence. A user with fewer than 2
/// items gives an all-padding sequence. Deterministic for the engine's state.
class next_item_batcher {
public:
    /// A batcher over `train` (kept by reference: it must outlive the batcher); raises
    /// argument_error when max_length or negatives is 0 or there are no items.
    next_item_batcher(const sequences& train, next_item_batch_options options = {}) : train_(&train), o_(options) {
        if (o_.max_length == 0) throw argument_error("causalrec::data::next_item_batcher: max_length must be >= 1");
        if (o_.negatives == 0) throw argument_error("causalrec::data::next_item_batcher: negatives must be >= 1");
        if (train.n_items() == 0) throw argument_error("causalrec::data::next_item_batcher: the sequences have no items");
        stamp_.assign(train.n_items(), 0);
    }

    /// The options.
    const next_item_batch_options& options() const noexcept { return o_; }

    /// Fills `batch` (its buffers are reused) for the given users, drawing negatives from `engine`;
    /// raises argument_error on a user out of range or a user whose sequence holds every item (no
    /// negative exists).
    void fill(std::span<const std::size_t> users, rng& engine, next_item_batch& batch) {
        const std::size_t L = o_.max_length, N = o_.negatives, B = users.size();
        const auto padding = static_cast<std::uint32_t>(train_->n_items());
        batch.batch_size = B, batch.max_length = L, batch.negatives_per_position = N, batch.padding = padding;
        batch.users.resize(B);
        batch.inputs.assign(B * L, padding);
        batch.positives.assign(B * L, padding);
        batch.negatives.assign(B * L * N, padding);
        for (std::size_t b = 0; b < B; ++b) {
            const std::size_t user = users[b];
            if (user >= train_->n_users())
                throw argument_error(cat("causalrec::data::next_item_batcher::fill: user ", user, " is out of range (",
                                         train_->n_users(), " users)"));
            batch.users[b] = static_cast<std::uint32_t>(user);
            const auto s = train_->of(user);
            if (s.size() < 2) continue;
            const std::size_t distinct = mark(s);
            if (distinct == train_->n_items())
                throw argument_error(cat("causalrec::data::next_item_batcher::fill: user ", user,
                                         "'s sequence holds every item; no negative can be drawn"));
            const std::size_t pairs = std::min(s.size() - 1, L);
            for (std::size_t j = 0; j < pairs; ++j) {
                const std::size_t t = L - 1 - j;              // position, from the end
                const std::size_t k = s.size() - 2 - j;       // input index in s
                const std::size_t row = b * L + t;
                batch.inputs[row] = s[k];
                batch.positives[row] = s[k + 1];
                for (std::size_t n = 0; n < N; ++n) batch.negatives[row * N + n] = draw_unmarked(engine);
            }
        }
    }

private:
    // Stamps the user's items with a fresh token and returns how many distinct items they are.
    std::size_t mark(std::span<const std::uint32_t> s) {
        if (++token_ == 0) {  // wrapped: clear the old stamps
            std::fill(stamp_.begin(), stamp_.end(), 0u);
            token_ = 1;
        }
        std::size_t distinct = 0;
        for (const std::uint32_t item : s)
            if (stamp_[item] != token_) stamp_[item] = token_, ++distinct;
        return distinct;
    }

    std::uint32_t draw_unmarked(rng& engine) const {
        for (;;) {
            const auto item = static_cast<std::uint32_t>(engine.uniform_index(stamp_.size()));
            if (stamp_[item] != token_) return item;
        }
    }

    const sequences* train_;
    next_item_batch_options o_;
    std::vector<std::uint32_t> stamp_{};
    std::uint32_t token_ = 0;
};

/// Options of simulate_markov_sequences.
struct markov_sequence_options {
    std::size_t users = 1000;      ///< sequences
    std::size_t items = 100;       ///< item count (>= successors + 1)
    std::size_t min_length = 5;    ///< shortest sequence (>= 1)
    std::size_t max_length = 30;   ///< longest sequence (>= min_length); lengths uniform in between
    std::size_t successors = 3;    ///< likely next items of each item, with weights 2^-k (k = 0, 1, ...), normalised
    double noise = 0.1;            ///< probability that the next item is uniform over all items instead, in [0, 1]
    std::uint64_t seed = 42;       ///< transitions and sequences
};

/// Sequences drawn from a known first-order Markov chain over items, with the chain (for an oracle).
struct markov_sequence_data {
    sequences all;                                   ///< one sequence per user
    std::size_t items = 0;                           ///< item count
    double noise = 0.0;                              ///< the uniform share of every transition
    std::vector<std::vector<std::uint32_t>> next{};  ///< per item: its successors, most likely first
    std::vector<double> weights{};                   ///< the successors' probabilities (before noise), most likely first

    /// P(next = item | last) for every item: noise / items + (1 - noise) * the successor weight.
    std::vector<double> next_probabilities(std::uint32_t last) const {
        if (last >= items) throw argument_error(cat("causalrec::data::markov_sequence_data: item ", last, " is out of range (", items, " items)"));
        std::vector<double> p(items, noise / static_cast<double>(items));
        for (std::size_t k = 0; k < next[last].size(); ++k) p[next[last][k]] += (1.0 - noise) * weights[k];
        return p;
    }
};

/// Simulates next-item data with a known transition structure: each item has `successors` distinct
/// likely next items (drawn at random, weights 2^-k normalised); a sequence starts at a uniform item,
/// and each step moves to a successor or, with probability `noise`, to a uniform item. Raises
/// argument_error on inconsistent options.
markov_sequence_data simulate_markov_sequences(const markov_sequence_options& o = {});

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/sequences.hpp"
#endif
