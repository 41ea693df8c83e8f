#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/sequential/evaluate.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../evaluate.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE popularity_scorer::popularity_scorer(const data::sequences& train) : counts_(train.n_items(), 0.0) {
    for (const auto item : train.items()) counts_[item] += 1.0;
}

CAUSALREC_INLINE auto popularity_scorer::score_history(std::span<const std::uint32_t>, std::span<const std::size_t> items) const -> std::vector<double> {
    std::vector<double> out(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) out[k] = counts_.at(items[k]);
    return out;
}

CAUSALREC_INLINE auto markov_oracle::score_history(std::span<const std::uint32_t> history, std::span<const std::size_t> items) const -> std::vector<double> {
    if (history.empty()) throw argument_error("causalrec::rec::markov_oracle: the history is empty");
    const std::vector<double> p = data_->next_probabilities(history.back());
    std::vector<double> out(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) out[k] = p.at(items[k]);
    return out;
}

}  // namespace causalrec::rec
