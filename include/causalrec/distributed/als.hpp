#pragma once
/// @file
/// Distributed ALS (explicit and implicit feedback) after Spark MLlib's blocked design: users and
/// items are split into one contiguous block per rank; every interaction is sent to the rank that
/// owns its user and to the rank that owns its item; each half-step solves the local block against
/// the other side's factors and shares the block with allgatherv. Implicit feedback computes the Gram
/// matrices of the whole (shared) factor tables on every rank, which keeps the result identical to one
/// process's (see docs/distributed.md). Every rank ends with the whole model.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../data/interactions.hpp"
#include "../rec/als.hpp"
#include "communicator.hpp"

namespace causalrec::distributed {

/// Block b of `n` indices split into `parts` contiguous blocks: [n b / parts, n (b + 1) / parts).
inline std::size_t block_begin(std::size_t n, std::size_t parts, std::size_t b) noexcept { return n * b / parts; }

/// The block (rank) that holds index `i` of `n` split into `parts` contiguous blocks.
inline std::size_t block_of(std::size_t i, std::size_t n, std::size_t parts) noexcept {
    std::size_t b = std::min(parts - 1, (i * parts) / std::max<std::size_t>(n, 1));
    while (b + 1 < parts && block_begin(n, parts, b + 1) <= i) ++b;
    while (b > 0 && block_begin(n, parts, b) > i) --b;
    return b;
}

namespace detail {

/// The rows of `log` grouped by destination rank (`owner` of each row), sent there; returns the log of
/// the rows this rank received (in source-rank order, each source's rows in their order).
template <class Owner>
data::interactions route_rows(const communicator& comm, const data::interactions& log, Owner owner) {
    const auto p = static_cast<std::size_t>(comm.size());
    std::vector<std::size_t> counts(p, 0), dest(log.size());
    for (std::size_t r = 0; r < log.size(); ++r) ++counts[dest[r] = owner(r)];
    std::vector<std::size_t> offsets(p, 0);
    for (std::size_t b = 1; b < p; ++b) offsets[b] = offsets[b - 1] + counts[b - 1];
    std::vector<std::size_t> users(log.size()), items(log.size());
    std::vector<double> values(log.size());
    for (std::size_t r = 0; r < log.size(); ++r) {
        const std::size_t at = offsets[dest[r]]++;
        users[at] = log.users()[r];
        items[at] = log.items()[r];
        values[at] = log.values()[r];
    }
    return data::interactions(data::interaction_columns{
        .users = comm.alltoallv(std::span<const std::size_t>(users), counts),
        .items = comm.alltoallv(std::span<const std::size_t>(items), counts),
        .values = comm.alltoallv(std::span<const double>(values), counts),
        .n_users = log.n_users(),
        .n_items = log.n_items(),
        .duplicates = log.duplicates(),
        .user_ids = log.user_ids(),
        .item_ids = log.item_ids()});
}

}  // namespace detail

/// This rank's block of users of a log spread over the ranks: every rank passes its part (any split,
/// the same user and item indices everywhere) and gets back every row, from every rank, whose user is
/// in its block [n_users r / P, n_users (r + 1) / P) (block_of); rows keep their order within each
/// source rank, source ranks in rank order. Collective. Only the user, item and value columns travel.
inline data::interactions partition_by_user(const communicator& comm, const data::interactions& mine) {
    const auto p = static_cast<std::size_t>(comm.size());
    const std::size_t n = mine.n_users();
    if (comm.max(static_cast<unsigned long>(n)) != comm.min(static_cast<unsigned long>(n)))
        throw distributed_error("causalrec::distributed::partition_by_user: the ranks' logs have different user counts");
    return detail::route_rows(comm, mine, [&](std::size_t row) { return block_of(mine.users()[row], n, p); });
}

/// Fits `model` (its options: factors, l2, feedback, solver, epochs, seed) on the interactions of every
/// rank together. Collective. Each rank passes its own part of one log (any split: a sharded read,
/// rows r, r + P, ...); all parts must use the same user and item indices and counts (read them with
/// the same id maps, or with integer ids) and the same duplicate policy; repeated (user, item) pairs
/// merge as in the whole log when the parts are the log's rows in rank order. Every rank ends with the
/// whole model: the same factors as rec::als::fit on the whole log with the same seed (explicit
/// ratings: up to the summation order of the global mean). Raises distributed_error on every rank
/// when the parts disagree or any rank's part is invalid.
inline void fit_als(const communicator& comm, rec::als& model, const data::interactions& mine) {
    const std::string where = "causalrec::distributed::fit_als";
    const auto n_users = static_cast<unsigned long>(mine.n_users()), n_items = static_cast<unsigned long>(mine.n_items());
    comm.agree(
        [&] {
            if (comm.max(n_users) != comm.min(n_users) || comm.max(n_items) != comm.min(n_items))
                throw argument_error(causalrec::cat(where, ": the ranks' logs have different user or item counts (this rank: ",
                                                    n_users, " users, ", n_items, " items); use the same id maps on every rank"));
            const int policy = static_cast<int>(mine.duplicates());
            if (comm.max(policy) != comm.min(policy))
                throw argument_error(causalrec::cat(where, ": the ranks' logs have different duplicate policies"));
            if (comm.sum(static_cast<unsigned long>(mine.size())) == 0) throw argument_error(causalrec::cat(where, ": the log is empty on every rank"));
            if (model.options().feedback == rec::als_feedback::implicit)
                for (std::size_t row = 0; row < mine.size(); ++row)
                    if (mine.values()[row] < 0.0)
                        throw argument_error(causalrec::cat(where, ": implicit feedback needs values >= 0; row ", row, " of this rank's log has ",
                                                            mine.values()[row]));
        },
        where);
    const auto p = static_cast<std::size_t>(comm.size()), r = static_cast<std::size_t>(comm.rank());
    const std::size_t nu = mine.n_users(), ni = mine.n_items();
    const auto user_part = detail::route_rows(comm, mine, [&](std::size_t row) { return block_of(mine.users()[row], nu, p); });
    const auto item_part = detail::route_rows(comm, mine, [&](std::size_t row) { return block_of(mine.items()[row], ni, p); });
    const std::size_t k = model.options().factors;
    rec::als_partition partition{
        .user_begin = block_begin(nu, p, r),
        .user_end = block_begin(nu, p, r + 1),
        .item_begin = block_begin(ni, p, r),
        .item_end = block_begin(ni, p, r + 1),
        .share =
            [&](std::vector<float>& factors, bool users) {
                const std::size_t n = users ? nu : ni;
                const std::size_t b = block_begin(n, p, r) * k, e = block_begin(n, p, r + 1) * k;
                factors = comm.allgatherv(std::span<const float>(factors.data() + b, e - b));
            },
        .sum = [&](std::span<double> values) { comm.allreduce_sum(values); },
        .concatenate = [&](std::span<const std::size_t> values) { return comm.allgatherv(values); },
    };
    // Its collectives run on every rank; a numeric failure inside (a system that is not positive
    // definite) is raised on the rank where it happens (environment::run then ends the job).
    model.fit(user_part, item_part, partition);
}

}  // namespace causalrec::distributed
