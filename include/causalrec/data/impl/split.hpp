#pragma once
/// @file
/// Definitions of the non-template functions declared in data/split.hpp (the stratified split's
/// counts): included by that header in the header-only build, compiled once into causalrec::compiled
/// with CAUSALREC_COMPILED.

#include "../split.hpp"

namespace causalrec::data {
namespace detail {

CAUSALREC_INLINE std::vector<std::size_t> proportional_counts(const std::vector<std::size_t>& sizes, std::size_t n,
                                                    std::size_t total) {
    std::vector<std::size_t> counts(sizes.size());
    std::vector<std::pair<double, std::size_t>> remainders;
    std::size_t assigned = 0;
    for (std::size_t g = 0; g < sizes.size(); ++g) {
        const double exact = static_cast<double>(total) * static_cast<double>(sizes[g]) / static_cast<double>(n);
        counts[g] = static_cast<std::size_t>(std::floor(exact));
        assigned += counts[g];
        remainders.emplace_back(exact - std::floor(exact), g);
    }
    std::stable_sort(remainders.begin(), remainders.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (std::size_t k = 0; assigned < total; ++k, ++assigned) counts[remainders[k % remainders.size()].second]++;
    return counts;
}

}  // namespace detail
}  // namespace causalrec::data
