#pragma once
/// @file
/// Definitions of the non-template functions declared in data/interaction_splits.hpp (the interaction-log splits): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../interaction_splits.hpp"

namespace causalrec::data {

CAUSALREC_INLINE interaction_split random_split(const interactions& data, const random_split_options& options) {
    if (!(options.test_fraction >= 0.0 && options.test_fraction <= 1.0))
        throw argument_error(causalrec::cat("causalrec::data::random_split: test_fraction must be in [0, 1], got ", options.test_fraction));
    rng engine(options.seed);
    auto perm = engine.permutation(data.size());
    const auto n_test = static_cast<std::size_t>(std::llround(options.test_fraction * static_cast<double>(data.size())));
    std::vector<std::size_t> test(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(n_test));
    std::vector<std::size_t> train(perm.begin() + static_cast<std::ptrdiff_t>(n_test), perm.end());
    std::sort(test.begin(), test.end());
    std::sort(train.begin(), train.end());
    return {data.subset(train), data.subset(test), 0};
}

CAUSALREC_INLINE interaction_split leave_k_out(const interactions& data, const leave_k_out_options& options) {
    if (options.k == 0) throw argument_error("causalrec::data::leave_k_out: k must be >= 1");
    if (options.order == leave_out_order::latest && !data.has_timestamps())
        throw argument_error("causalrec::data::leave_k_out: order = latest needs timestamps, and the log has none");
    std::vector<std::vector<std::size_t>> rows_of(data.n_users());
    for (std::size_t r = 0; r < data.size(); ++r) rows_of[data.users()[r]].push_back(r);
    rng engine(options.seed);
    std::vector<char> is_test(data.size(), 0);
    const auto ts = data.timestamps();
    for (auto& rows : rows_of) {
        if (rows.size() < options.k + 1) continue;
        if (options.order == leave_out_order::random) {
            engine.shuffle(std::span<std::size_t>(rows));
            for (std::size_t j = 0; j < options.k; ++j) is_test[rows[j]] = 1;
        } else {
            std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return ts[a] < ts[b]; });
            for (std::size_t j = rows.size() - options.k; j < rows.size(); ++j) is_test[rows[j]] = 1;
        }
    }
    std::vector<std::size_t> train, test;
    for (std::size_t r = 0; r < data.size(); ++r) (is_test[r] ? test : train).push_back(r);
    return {data.subset(train), data.subset(test), 0};
}

CAUSALREC_INLINE interaction_split temporal_split(const interactions& data, const temporal_split_options& options) {
    if (!data.has_timestamps()) throw argument_error("causalrec::data::temporal_split: the log has no timestamps");
    const auto ts = data.timestamps();
    double cutoff;
    if (options.cutoff) {
        cutoff = *options.cutoff;
    } else {
        if (!(options.test_fraction >= 0.0 && options.test_fraction <= 1.0))
            throw argument_error(causalrec::cat("causalrec::data::temporal_split: test_fraction must be in [0, 1], got ", options.test_fraction));
        const auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
        if (*lo == *hi) throw argument_error("causalrec::data::temporal_split: every timestamp is equal; give an explicit cutoff");
        cutoff = *hi - options.test_fraction * (*hi - *lo);
        if (options.test_fraction == 0.0) cutoff = std::nextafter(*hi, std::numeric_limits<double>::infinity());
    }
    std::vector<std::size_t> train, test;
    for (std::size_t r = 0; r < data.size(); ++r) (ts[r] >= cutoff ? test : train).push_back(r);
    return {data.subset(train), data.subset(test), 0};
}

}  // namespace causalrec::data
