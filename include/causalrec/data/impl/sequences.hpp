#pragma once
/// @file
/// Definitions of the non-template functions declared in data/sequences.hpp (the sequence builders, readers and simulator): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../sequences.hpp"

namespace causalrec::data {

CAUSALREC_INLINE sequences sequences_from_log(const interactions& log) {
    std::vector<std::size_t> rows(log.size());
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    const auto users = log.users();
    if (log.has_timestamps()) {
        const auto time = log.timestamps();
        std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
            return users[a] != users[b] ? users[a] < users[b] : time[a] < time[b];
        });
    } else {
        std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return users[a] < users[b]; });
    }
    std::vector<std::vector<std::uint32_t>> per_user(log.n_users());
    for (const std::size_t r : rows) per_user[users[r]].push_back(static_cast<std::uint32_t>(log.items()[r]));
    return sequences(per_user, log.n_items(), log.user_ids(), log.item_ids());
}

CAUSALREC_INLINE sequences read_sequences(const std::string& path, const interaction_csv_options& options) {
    return sequences_from_log(read_interactions(path, options));
}

CAUSALREC_INLINE sequences read_sequences_text(std::string_view text, const interaction_csv_options& options,
                                     const std::string& name) {
    return sequences_from_log(read_interactions_text(text, options, name));
}

CAUSALREC_INLINE sequence_split leave_one_out(const sequences& all) {
    std::vector<std::vector<std::uint32_t>> train(all.n_users());
    sequence_split split;
    split.validation.assign(all.n_users(), sequence_split::no_item);
    split.test.assign(all.n_users(), sequence_split::no_item);
    for (std::size_t u = 0; u < all.n_users(); ++u) {
        const auto s = all.of(u);
        if (s.size() < 3) {
            train[u].assign(s.begin(), s.end());
            continue;
        }
        train[u].assign(s.begin(), s.end() - 2);
        split.validation[u] = s[s.size() - 2];
        split.test[u] = s[s.size() - 1];
    }
    split.train = sequences(train, all.n_items(), all.user_ids(), all.item_ids());
    return split;
}

CAUSALREC_INLINE markov_sequence_data simulate_markov_sequences(const markov_sequence_options& o) {
    if (o.users == 0) throw argument_error("causalrec::data::simulate_markov_sequences: users must be >= 1");
    if (o.successors == 0 || o.items <= o.successors)
        throw argument_error(cat("causalrec::data::simulate_markov_sequences: items (", o.items, ") must exceed successors (", o.successors,
                                 ") and successors be >= 1"));
    if (o.min_length == 0 || o.max_length < o.min_length)
        throw argument_error(cat("causalrec::data::simulate_markov_sequences: need 1 <= min_length <= max_length, got ", o.min_length, " and ",
                                 o.max_length));
    if (!(o.noise >= 0.0 && o.noise <= 1.0)) throw argument_error(cat("causalrec::data::simulate_markov_sequences: noise must be in [0, 1], got ", o.noise));
    rng engine(o.seed);
    markov_sequence_data out;
    out.items = o.items, out.noise = o.noise;
    double total = 0.0;
    for (std::size_t k = 0; k < o.successors; ++k) out.weights.push_back(std::ldexp(1.0, -static_cast<int>(k))), total += out.weights.back();
    for (auto& w : out.weights) w /= total;
    out.next.resize(o.items);
    for (std::size_t i = 0; i < o.items; ++i) {
        // Distinct successors other than i: a partial Fisher-Yates over the other items.
        std::vector<std::uint32_t> others;
        for (std::size_t j = 0; j < o.items; ++j)
            if (j != i) others.push_back(static_cast<std::uint32_t>(j));
        for (std::size_t k = 0; k < o.successors; ++k) {
            const std::size_t pick = k + static_cast<std::size_t>(engine.uniform_index(others.size() - k));
            std::swap(others[k], others[pick]);
            out.next[i].push_back(others[k]);
        }
    }
    std::vector<std::vector<std::uint32_t>> per_user(o.users);
    for (auto& s : per_user) {
        const std::size_t length = o.min_length + static_cast<std::size_t>(engine.uniform_index(o.max_length - o.min_length + 1));
        auto item = static_cast<std::uint32_t>(engine.uniform_index(o.items));
        s.push_back(item);
        while (s.size() < length) {
            if (engine.uniform() < o.noise) {
                item = static_cast<std::uint32_t>(engine.uniform_index(o.items));
            } else {
                double u = engine.uniform();
                std::size_t k = 0;
                while (k + 1 < o.successors && u >= out.weights[k]) u -= out.weights[k], ++k;
                item = out.next[item][k];
            }
            s.push_back(item);
        }
    }
    out.all = sequences(per_user, o.items);
    return out;
}

}  // namespace causalrec::data

namespace causalrec::data {

CAUSALREC_INLINE sequences::sequences(const std::vector<std::vector<std::uint32_t>>& per_user, std::size_t n_items, id_map user_ids, id_map item_ids) : n_items_(n_items), user_ids_(std::move(user_ids)), item_ids_(std::move(item_ids)) {
    if (n_items >= std::numeric_limits<std::uint32_t>::max())
        throw argument_error(cat("causalrec::data::sequences: at most 2^32 - 2 items, got ", n_items));
    offsets_.reserve(per_user.size() + 1);
    for (std::size_t u = 0; u < per_user.size(); ++u) {
        for (const std::uint32_t item : per_user[u])
            if (item >= n_items)
                throw argument_error(cat("causalrec::data::sequences: user ", u, " has item ", item, ", not below n_items = ", n_items));
        items_.insert(items_.end(), per_user[u].begin(), per_user[u].end());
        offsets_.push_back(items_.size());
    }
    if (!user_ids_.empty() && user_ids_.size() != n_users())
        throw argument_error(cat("causalrec::data::sequences: ", user_ids_.size(), " user ids for ", n_users(), " sequences"));
    if (!item_ids_.empty() && item_ids_.size() != n_items_)
        throw argument_error(cat("causalrec::data::sequences: ", item_ids_.size(), " item ids for ", n_items_, " items"));
}

}  // namespace causalrec::data
