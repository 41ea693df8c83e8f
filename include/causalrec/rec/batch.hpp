#pragma once
/// @file
/// recommend_many: top-k lists for many users with any Recommender, in parallel.

#include <cstddef>
#include <span>
#include <vector>

#include "common.hpp"
#include "concepts.hpp"

namespace causalrec::rec {

/// Recommends k items to each of `users` (result k-th list belongs to users[k]). Users are spread
/// over causalrec::num_threads() threads in contiguous blocks; the result does not depend on the
/// thread count. The model's recommend() must be safe to call concurrently (the library's are).
template <Recommender R>
std::vector<std::vector<scored_item>> recommend_many(const R& model, std::span<const std::size_t> users, std::size_t k,
                                                     bool exclude_seen = true) {
    std::vector<std::vector<scored_item>> out(users.size());
    detail::parallel_ranges(users.size(), [&](std::size_t begin, std::size_t end) {
        for (std::size_t j = begin; j < end; ++j) out[j] = model.recommend(users[j], k, exclude_seen);
    });
    return out;
}

}  // namespace causalrec::rec
